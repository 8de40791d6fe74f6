#include "sijill/time/zone_data.h"

#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>
#include <system_error>

#include <date/tz.h>

#include "sijill/time/instant.h"
#include "sijill/time/zone.h"

namespace sijill::time {

namespace {

using std::chrono::seconds;
using namespace date::literals;

constexpr const char* kZone = "Africa/Casablanca";
// Summer 2026: UTC+1 in every release of the data (the sanity probe).
const Instant kSummer = date::sys_days{2026_y / 6 / 30} + std::chrono::hours{19};
// After Morocco left UTC+1 for good (20 Sep 2026, tz 2026c): UTC+0.
const Instant kAfter = date::sys_days{2026_y / 10 / 1} + std::chrono::hours{12};

constexpr const char* kRemedy =
    "install a current tzdata (2026c or later): apt-get install tzdata (or run tools/setup), then start again";

// The verdict on the two offsets read from `source`.
Status judge(seconds summer, seconds after, const std::string& source) {
  if (summer != std::chrono::hours{1}) {
    return Status::data_loss("the zone data for " + std::string(kZone) + " in " + source +
                             " does not behave like Morocco's: at " + format_utc(kSummer) + " it gives " +
                             format_offset(summer) + " where every release gives +01:00; " + kRemedy);
  }
  if (after != seconds{0}) {
    return Status::rule_violation("stale-zone-data",
                                  "the zone data in " + source + " is stale: it puts " + kZone + " at " +
                                      format_offset(after) + " on " + format_utc(kAfter) +
                                      ", but Morocco is at UTC+0 for good since 20 Sep 2026 (decree 2.26.530, "
                                      "tz 2026c), so every local time after that date would be an hour wrong; " +
                                      kRemedy);
  }
  return Status::ok();
}

// What the date library itself uses.
Status check_date_library() {
  const std::string source = std::string("the date library's zoneinfo (") + kSystemZoneinfo + ")";
  auto zone = Zone::locate(kZone);
  if (!zone) {
    std::string m = "no usable zone data for " + std::string(kZone) + " in " + source + ": " +
                    std::string(zone.status().message()) + "; " + kRemedy;
    return zone.status().code() == Code::not_found ? Status::not_found(m) : Status::data_loss(m);
  }
  return judge(zone->offset_at(kSummer), zone->offset_at(kAfter), source);
}

// A zoneinfo file read through the C library: TZ=":<file>" names a TZif file by its path.
// The environment and the C library's zone state are process-wide: serialise, and restore.
std::mutex tz_env_mutex;

class TzOverride {
 public:
  explicit TzOverride(const std::string& value) {
    if (const char* old = std::getenv("TZ")) saved_ = std::string(old);
    ::setenv("TZ", value.c_str(), 1);
    ::tzset();
  }
  ~TzOverride() {
    if (saved_) {
      ::setenv("TZ", saved_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  TzOverride(const TzOverride&) = delete;
  TzOverride& operator=(const TzOverride&) = delete;

 private:
  std::optional<std::string> saved_;
};

seconds c_library_offset(Instant t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<seconds>(t));
  std::tm tm{};
  if (::localtime_r(&tt, &tm) == nullptr) return seconds{-1};  // fails the summer probe
  return seconds{tm.tm_gmtoff};
}

Status check_folder(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / kZone;
  const std::string source = "the zoneinfo folder " + dir.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    // Without this, the C library would silently fall back to UTC and the check would pass.
    return Status::not_found("no zone data for " + std::string(kZone) + " in " + source + " (" + file.string() +
                             " is not a file); " + kRemedy);
  }
  seconds summer, after;
  {
    std::lock_guard lock(tz_env_mutex);
    TzOverride tz(":" + std::filesystem::absolute(file, ec).string());
    summer = c_library_offset(kSummer);
    after = c_library_offset(kAfter);
  }
  return judge(summer, after, source);
}

}  // namespace

Status check_zone_data(std::optional<std::filesystem::path> zoneinfo_dir) {
  return zoneinfo_dir ? check_folder(*zoneinfo_dir) : check_date_library();
}

}  // namespace sijill::time
