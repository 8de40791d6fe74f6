#include "sijill/time/instant.h"

#include <date/date.h>

#include "scan.h"

namespace sijill::time {

namespace {

constexpr std::string_view kInstantForm =
    "expected an RFC 3339 instant such as 2026-07-02T09:15:03.123Z or 2026-07-02T10:15:03+01:00";

Status malformed(std::string_view text, const std::string& what) {
  return Status::invalid_argument("not an RFC 3339 instant: " + detail::quote(text) + ": " + what + "; " +
                                  std::string(kInstantForm));
}

}  // namespace

std::string format_utc(Instant t) { return date::format("%FT%TZ", t); }

Result<Instant> parse_instant(std::string_view text) {
  using namespace std::chrono;
  detail::Scanner s(text);
  detail::Fields f;
  auto field = [&](std::optional<int> v, int& out) {
    if (!v) return false;
    out = *v;
    return true;
  };

  if (!field(s.digits(4), f.year) || !s.literal('-') || !field(s.digits(2), f.month) || !s.literal('-') ||
      !field(s.digits(2), f.day)) {
    return malformed(text, "the date must be YYYY-MM-DD");
  }
  if (!s.literal('T', 't')) return malformed(text, "the date must be followed by 'T' and the time");
  if (!field(s.digits(2), f.hour) || !s.literal(':') || !field(s.digits(2), f.minute) || !s.literal(':') ||
      !field(s.digits(2), f.second)) {
    return malformed(text, "the time must be HH:MM:SS");
  }
  if (s.literal('.')) {
    auto ms = s.fraction();
    if (!ms) return malformed(text, "a '.' must be followed by digits");
    f.millis = *ms;
  }
  if (s.at_end()) return malformed(text, "the offset is missing (write Z for UTC, or +HH:MM)");
  auto off = detail::offset(s);
  if (!off) return malformed(text, "the offset must be Z or +HH:MM / -HH:MM (hours 00-23, minutes 00-59)");
  if (!s.at_end()) return malformed(text, "unexpected text after the offset");

  auto local = detail::to_local(f);
  if (!local) return malformed(text, std::string(local.status().message()));
  // The written time is UTC + offset: subtract the offset to get the instant.
  Instant t{local->time_since_epoch() - duration_cast<milliseconds>(off->value)};
  if (!detail::writable(t)) return malformed(text, "the instant falls outside the years 0000 to 9999");
  return t;
}

}  // namespace sijill::time
