#include <catch2/catch.hpp>

#include <date/date.h>

#include "sijill/time/instant.h"

using namespace std::chrono;
using namespace date::literals;
using sijill::Code;
using sijill::time::format_utc;
using sijill::time::Instant;
using sijill::time::parse_instant;

namespace {
Instant utc(date::year_month_day d, hours h, minutes m = minutes{0}, seconds s = seconds{0},
            milliseconds ms = milliseconds{0}) {
  return date::sys_days{d} + h + m + s + ms;
}
}  // namespace

TEST_CASE("an instant is written in UTC with milliseconds") {
  CHECK(format_utc(utc(2026_y / 7 / 2, 9h, 15min, 3s, 123ms)) == "2026-07-02T09:15:03.123Z");
  CHECK(format_utc(utc(2026_y / 6 / 30, 19h)) == "2026-06-30T19:00:00.000Z");
  CHECK(format_utc(Instant{}) == "1970-01-01T00:00:00.000Z");
  CHECK(format_utc(Instant{-1ms}) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("an RFC 3339 instant is read with Z or an explicit offset") {
  CHECK(*parse_instant("2026-07-02T09:15:03.123Z") == utc(2026_y / 7 / 2, 9h, 15min, 3s, 123ms));
  CHECK(*parse_instant("2026-07-02T10:15:03.123+01:00") == utc(2026_y / 7 / 2, 9h, 15min, 3s, 123ms));
  CHECK(*parse_instant("2026-07-02T05:45:03-03:30") == utc(2026_y / 7 / 2, 9h, 15min, 3s));
  CHECK(*parse_instant("2026-07-02T09:15:03+00:00") == utc(2026_y / 7 / 2, 9h, 15min, 3s));
  CHECK(*parse_instant("2026-07-02T09:15:03-00:00") == utc(2026_y / 7 / 2, 9h, 15min, 3s));
  CHECK(*parse_instant("2026-07-02t09:15:03z") == utc(2026_y / 7 / 2, 9h, 15min, 3s));
  // An offset that crosses midnight and a year.
  CHECK(*parse_instant("2027-01-01T00:30:00+01:00") == utc(2026_y / 12 / 31, 23h, 30min));
  CHECK(*parse_instant("2028-02-29T12:00:00Z") == utc(2028_y / 2 / 29, 12h));
}

TEST_CASE("fraction digits beyond the millisecond are truncated") {
  CHECK(*parse_instant("2026-06-30T18:59:59.9999999Z") == utc(2026_y / 6 / 30, 18h, 59min, 59s, 999ms));
  CHECK(*parse_instant("2026-06-30T18:59:59.5Z") == utc(2026_y / 6 / 30, 18h, 59min, 59s, 500ms));
  CHECK(*parse_instant("2026-06-30T18:59:59.12Z") == utc(2026_y / 6 / 30, 18h, 59min, 59s, 120ms));
}

TEST_CASE("format_utc and parse_instant are inverse") {
  for (auto t : {utc(2026_y / 9 / 20, 0h, 59min, 59s, 999ms), utc(2026_y / 2 / 15, 2h), Instant{-1ms},
                 utc(0_y / 1 / 1, 0h), utc(9999_y / 12 / 31, 23h, 59min, 59s, 999ms)}) {
    CHECK(*parse_instant(format_utc(t)) == t);
  }
}

TEST_CASE("anything but an RFC 3339 instant is refused with a clear invalid_argument") {
  struct Bad {
    const char* text;
    const char* says;
  };
  const Bad bad[] = {
      {"", "the date must be YYYY-MM-DD"},
      {"2026-07-02T09:15:03", "the offset is missing"},
      {"2026-07-02 09:15:03Z", "'T'"},
      {"2026-7-2T09:15:03Z", "YYYY-MM-DD"},
      {"2026-07-02T9:15:03Z", "HH:MM:SS"},
      {"2026-07-02T09:15Z", "HH:MM:SS"},
      {"2026-07-02T09:15:03.Z", "followed by digits"},
      {"2026-07-02T09:15:03+0100", "+HH:MM"},
      {"2026-07-02T09:15:03+01", "+HH:MM"},
      {"2026-07-02T09:15:03+24:00", "hours 00-23"},
      {"2026-07-02T09:15:03 +01:00", "the offset must be"},
      {"2026-07-02T09:15:03ZZ", "unexpected text after the offset"},
      {"2026-07-02T09:15:03Z ", "unexpected text after the offset"},
      {"2026-07-02T09:15:03CEST", "the offset must be"},
      {"2026-02-30T09:15:03Z", "day 30 does not exist in 2026-02"},
      {"2027-02-29T09:15:03Z", "day 29 does not exist in 2027-02"},
      {"2026-13-01T09:15:03Z", "month 13 does not exist"},
      {"2026-07-02T24:00:00Z", "hour 24 does not exist"},
      {"2026-07-02T09:60:00Z", "minute 60 does not exist"},
      {"2026-12-31T23:59:60Z", "leap second"},
      {"1782846000000", "YYYY-MM-DD"},
      {"30/06/2026 20:00", "YYYY-MM-DD"},
      {"0000-01-01T00:00:00+00:01", "outside the years 0000 to 9999"},
      {"9999-12-31T23:59:59.999-00:01", "outside the years 0000 to 9999"},
  };
  for (const auto& b : bad) {
    INFO(b.text);
    auto r = parse_instant(b.text);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK_THAT(std::string(r.status().message()), Catch::Contains(b.says));
    CHECK_THAT(std::string(r.status().message()), Catch::Contains("2026-07-02T09:15:03.123Z"));
  }
}
