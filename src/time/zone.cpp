#include "sijill/time/zone.h"

#include <exception>

#include <date/tz.h>

#include "scan.h"

namespace sijill::time {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalMs = date::local_time<milliseconds>;

Result<Zone> Zone::locate(std::string_view name) {
  const std::string quoted = detail::quote(name);
  try {
    (void)date::get_tzdb();  // finds the zoneinfo folder and lists its zones
  } catch (const std::exception& e) {
    return Status::unavailable("cannot read the time zone database: " + std::string(e.what()) +
                               "; install tzdata (apt-get install tzdata)");
  }
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(name);
  } catch (const std::exception&) {
    return Status::not_found(quoted + " is not a time zone of the time zone database (e.g. Africa/Casablanca)");
  }
  try {
    // The zone's file is read on first use: read it now, so that damage shows here.
    (void)tz->get_info(date::sys_seconds{});
  } catch (const std::exception& e) {
    return Status::unavailable("cannot read the zone data of " + quoted + ": " + std::string(e.what()));
  }
  return Zone(tz);
}

const std::string& Zone::name() const { return tz_->name(); }

seconds Zone::offset_at(Instant t) const { return tz_->get_info(t).offset; }

std::string format_offset(seconds offset) {
  auto total = std::chrono::duration_cast<minutes>(offset).count();
  char sign = total < 0 ? '-' : '+';
  if (total < 0) total = -total;
  std::string out(1, sign);
  auto two = [&](long long v) {
    out += static_cast<char>('0' + v / 10 % 10);
    out += static_cast<char>('0' + v % 10);
  };
  two(total / 60);
  out += ':';
  two(total % 60);
  return out;
}

std::string format_local(Instant t, const Zone& zone) {
  auto offset = zone.offset_at(t);
  LocalMs local{t.time_since_epoch() + offset};
  auto whole = date::floor<seconds>(local);
  // Milliseconds only when there are some, so that the text reads back to the same instant.
  std::string text = whole == local ? date::format("%FT%T", whole) : date::format("%FT%T", local);
  return text + format_offset(offset);
}

std::string format_local_fr(Instant t, const Zone& zone) {
  LocalMs local{t.time_since_epoch() + zone.offset_at(t)};
  return date::format("%d/%m/%Y %H:%M", date::floor<minutes>(local));
}

namespace {

constexpr std::string_view kLocalForms =
    "expected a local time such as 30/06/2026 20:00, 30/06/2026 20:00:00 or 2026-06-30T20:00[:00], "
    "optionally followed by its offset (+01:00)";

Status malformed(std::string_view text, const std::string& what) {
  return Status::invalid_argument("not a local time: " + detail::quote(text) + ": " + what + "; " +
                                  std::string(kLocalForms));
}

// One reading of a local time: the offset and the UTC instant it gives.
std::string reading(LocalMs local, seconds offset) {
  return format_offset(offset) + " (" + format_utc(Instant{local.time_since_epoch() - offset}) + ")";
}

// The local time written back in ISO form with an offset, for "write it like this" hints.
std::string with_offset(LocalMs local, seconds offset) {
  return date::format("%FT%H:%M", date::floor<minutes>(local)) + format_offset(offset);
}

}  // namespace

Result<Instant> resolve_local(std::string_view text, const Zone& zone) {
  detail::Scanner s(text);
  detail::Fields f;
  auto field = [&](std::optional<int> v, int& out) {
    if (!v) return false;
    out = *v;
    return true;
  };

  // Both forms start with two digits: "30/..." (French) or "2026-..." (ISO).
  bool french = text.size() > 2 && text[2] == '/';
  if (french) {
    if (!field(s.digits(2), f.day) || !s.literal('/') || !field(s.digits(2), f.month) || !s.literal('/') ||
        !field(s.digits(4), f.year)) {
      return malformed(text, "the date must be DD/MM/YYYY");
    }
    if (!s.literal(' ')) return malformed(text, "the date must be followed by a space and the time");
  } else {
    if (!field(s.digits(4), f.year) || !s.literal('-') || !field(s.digits(2), f.month) || !s.literal('-') ||
        !field(s.digits(2), f.day)) {
      return malformed(text, "the date must be YYYY-MM-DD or DD/MM/YYYY");
    }
    if (!s.literal('T', 't')) return malformed(text, "the date must be followed by 'T' and the time");
  }
  if (!field(s.digits(2), f.hour) || !s.literal(':') || !field(s.digits(2), f.minute)) {
    return malformed(text, "the time must be HH:MM or HH:MM:SS");
  }
  if (s.literal(':')) {
    if (!field(s.digits(2), f.second)) return malformed(text, "seconds must be two digits");
    if (!french && s.literal('.')) {
      auto ms = s.fraction();
      if (!ms) return malformed(text, "a '.' must be followed by digits");
      f.millis = *ms;
    }
  }
  std::optional<detail::Offset> off;
  if (!s.at_end()) {
    if (french && !s.literal(' ')) return malformed(text, "unexpected text after the time");
    off = detail::offset(s);
    if (!off) return malformed(text, "the offset must be +HH:MM or -HH:MM (hours 00-23, minutes 00-59)");
    if (!s.at_end()) return malformed(text, "unexpected text after the offset");
    if (off->unknown) return malformed(text, "the offset -00:00 means \"unknown\"; write the local offset");
  }

  auto local = detail::to_local(f);
  if (!local) return malformed(text, std::string(local.status().message()));

  const date::local_info info = zone.tz().get_info(*local);
  auto at = [&](seconds o) -> Result<Instant> {
    Instant t{local->time_since_epoch() - o};
    if (!detail::writable(t)) return malformed(text, "the instant falls outside the years 0000 to 9999");
    return t;
  };
  const std::string where = detail::quote(text) + " in " + zone.name();

  if (off) {
    // The offset decides, provided the zone has it at that local time.
    const seconds given = off->value;
    bool fits = given == info.first.offset || (info.result != date::local_info::unique && given == info.second.offset);
    if (fits) return at(given);
    std::string expected = format_offset(info.first.offset);
    if (info.result != date::local_info::unique) expected += " or " + format_offset(info.second.offset);
    return Status::rule_violation("offset-mismatch", where + ": the offset " + format_offset(given) +
                                                         " is not in effect at that local " + "time, which is at " +
                                                         expected + " (was it computed with stale zone data?)");
  }

  switch (info.result) {
    case date::local_info::unique:
      return at(info.first.offset);
    case date::local_info::ambiguous:
      return Status::rule_violation(
          "ambiguous-local-time",
          where + " happens twice: clocks went back at " + format_utc(date::floor<milliseconds>(info.first.end)) +
              ", so it reads first at " + reading(*local, info.first.offset) + ", then at " +
              reading(*local, info.second.offset) + "; write the offset, e.g. " +
              with_offset(*local, info.first.offset) + " or " + with_offset(*local, info.second.offset));
    case date::local_info::nonexistent:
    default:
      return Status::rule_violation(
          "nonexistent-local-time",
          where + " does not exist: at " + format_utc(date::floor<milliseconds>(info.first.end)) +
              " clocks went forward from " + format_offset(info.first.offset) + " to " +
              format_offset(info.second.offset) + ", skipping it; write a time outside the gap, or its offset (" +
              format_offset(info.first.offset) + " or " + format_offset(info.second.offset) + ")");
  }
}

Instant end_of_local_day(Instant t, int days, const Zone& zone) {
  const auto local_day = date::floor<date::days>(zone.tz().to_local(t));
  // Midnight is never skipped or repeated in Africa/Casablanca (its changes are at 02:00-03:00);
  // `earliest` keeps the answer defined for any zone.
  const auto next_midnight = zone.tz().to_sys(local_day + date::days(days + 1), date::choose::earliest);
  return std::chrono::time_point_cast<std::chrono::milliseconds>(next_midnight) - std::chrono::milliseconds(1);
}

}  // namespace sijill::time
