// Local time in the programme's legal time zone (Africa/Casablanca by default).
//
// The register stores UTC instants and shows and accepts local time: the server converts with
// the date library and the system zone data (checked at start-up, see zone_data.h), never
// trusting a browser's own, possibly stale, zone data. A local time that the zone's clocks
// show twice (ambiguous) or skip (nonexistent) is refused unless it carries its offset.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sijill/time/instant.h"
#include "sijill/util/status.h"

namespace date {
class time_zone;
}

namespace sijill::time {

// Morocco's legal time zone, the default for a programme.
inline constexpr std::string_view kDefaultZone = "Africa/Casablanca";

// A time zone of the date library's database. Cheap to copy; refers to data that lives as long
// as the program. Safe to use from several threads.
class Zone {
 public:
  // The zone named `name` (an IANA name such as "Africa/Casablanca").
  // Returns not_found when the zone database has no such zone, unavailable when the zone data
  // cannot be read (no zoneinfo installed, a damaged file).
  static Result<Zone> locate(std::string_view name = kDefaultZone);

  // The IANA name, e.g. "Africa/Casablanca".
  const std::string& name() const;

  // The zone's offset from UTC in effect at t (local time = t + offset).
  std::chrono::seconds offset_at(Instant t) const;

  const date::time_zone& tz() const { return *tz_; }

 private:
  explicit Zone(const date::time_zone* tz) : tz_(tz) {}
  const date::time_zone* tz_;
};

// The instant as local time in `zone` with its offset, RFC 3339: "2026-06-30T20:00:00+01:00".
// Milliseconds appear only when they are not zero ("2026-06-30T19:59:59.999+01:00"), so that
// the text reads back (parse_instant, resolve_local) to exactly the same instant. (RFC 3339
// offsets have no seconds: local mean time, before 1913 in Morocco, is cut to the minute.)
std::string format_local(Instant t, const Zone& zone);

// The instant as local time in `zone`, in the French form people read: "30/06/2026 20:00".
// Minutes only, truncated: 19:59:59.999 shows as "19:59", never as the minute after it.
std::string format_local_fr(Instant t, const Zone& zone);

// The UTC instant of a local time in `zone`, as a person writes it. Accepted forms:
//   "2026-06-30T20:00", "2026-06-30T20:00:00", "2026-06-30T20:00:00.000"  (ISO 8601 local)
//   "30/06/2026 20:00", "30/06/2026 20:00:00"                              (French)
// each optionally followed by the offset in effect, "+01:00" (after a space in the French form:
// "20/09/2026 01:30 +01:00"); "Z" counts as "+00:00".
// Without an offset the local time must occur exactly once in the zone. With one, the offset
// decides, and it must be an offset the zone has at that local time.
// Returns:
//   invalid_argument for text in none of these forms or a date/time that does not exist on any
//     calendar (31/06, 24:00, seconds 60), the offset "-00:00" (offset unknown), or an instant
//     outside the years 0000 to 9999;
//   rule_violation "ambiguous-local-time" when the local time happens twice (clocks went back,
//     e.g. 01:00-01:59 on 20/09/2026 in Africa/Casablanca) and no offset is given; the message
//     gives both offsets and their UTC instants;
//   rule_violation "nonexistent-local-time" when clocks skipped the local time (e.g. 02:00-02:59
//     on 22/03/2026) and no offset is given;
//   rule_violation "offset-mismatch" when the given offset is not one the zone has at that local
//     time (e.g. "2026-10-15T10:00+01:00": the sender's zone data is probably stale).
Result<Instant> resolve_local(std::string_view text, const Zone& zone);

// The last millisecond of the local day `days` days after the local day of `t` (a period of
// `days` days that ends with its last day): t on 10/09 10:00 local, days 15, gives
// 25/09 23:59:59.999 local, as a UTC instant.
Instant end_of_local_day(Instant t, int days, const Zone& zone);

// The offset as RFC 3339 writes it: "+01:00", "+00:00", "-03:30" (seconds, if any, dropped).
std::string format_offset(std::chrono::seconds offset);

}  // namespace sijill::time
