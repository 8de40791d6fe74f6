// Is the installed time zone data current enough for Morocco?
//
// Morocco is UTC+0 for good from 20 Sep 2026 (decree 2.26.530, tz database release 2026c).
// Older zone data (Debian's tzdata 2025b, for one) still says UTC+1 after that date, so every
// local time shown or accepted after it would be an hour wrong. The server refuses to start on
// such data. The check looks at behaviour, not at a version string (the date library built
// with the system's zoneinfo reports its version as "unknown").
#pragma once

#include <filesystem>
#include <optional>

#include "sijill/util/status.h"

namespace sijill::time {

// The zoneinfo folder the date library reads. Debian builds it with USE_OS_TZDB: it reads the
// compiled zone files of this folder, found once at start, and ignores TZDIR; it cannot be
// pointed at another folder while running.
inline constexpr const char* kSystemZoneinfo = "/usr/share/zoneinfo";

// Checks the Africa/Casablanca zone data:
//   - at 2026-06-30T19:00:00Z its offset must be +01:00 (true of every release; anything else
//     means the data is not Morocco's, or could not be read);
//   - at 2026-10-01T12:00:00Z its offset must be +00:00 (true from tz 2026c on).
// Without a folder, it checks the data the date library itself uses (the system zoneinfo),
// through the date library. With a folder, it reads <folder>/Africa/Casablanca through the C
// library (TZ=":<file>", tzset, localtime_r), since the date library cannot be pointed at
// another folder; the previous TZ is restored before returning. That variant changes the
// process environment for a moment: call it before other threads start, or from tests.
// Returns ok when both hold, else a Status whose message says what is wrong and what to do:
//   rule_violation "stale-zone-data" when the offset after 20 Sep 2026 is not 0 (install a
//     current tzdata, 2026c or later: apt-get install tzdata, or tools/setup);
//   not_found when there is no zone data for Africa/Casablanca (there, or in the date library);
//   data_loss when the data is there but cannot be read or does not behave like Morocco's.
Status check_zone_data(std::optional<std::filesystem::path> zoneinfo_dir = std::nullopt);

}  // namespace sijill::time
