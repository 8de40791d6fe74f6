#include <catch2/catch.hpp>

#include <date/tz.h>

#include "sijill/time/zone.h"

using namespace std::chrono;
using namespace date::literals;
using sijill::Code;
using sijill::time::format_local;
using sijill::time::format_local_fr;
using sijill::time::format_offset;
using sijill::time::Instant;
using sijill::time::parse_instant;
using sijill::time::resolve_local;
using sijill::time::Zone;

namespace {

Instant at(const char* rfc3339) {
  auto r = parse_instant(rfc3339);
  REQUIRE(r.is_ok());
  return *r;
}

const Zone& casablanca() {
  static const Zone zone = [] {
    auto z = Zone::locate();
    REQUIRE(z.is_ok());
    return *z;
  }();
  return zone;
}

std::string rule_of(const sijill::Result<Instant>& r) {
  REQUIRE_FALSE(r.is_ok());
  REQUIRE(r.status().code() == Code::rule_violation);
  return std::string(r.status().rule());
}

}  // namespace

TEST_CASE("the default zone is Africa/Casablanca and unknown zones are not found") {
  CHECK(casablanca().name() == "Africa/Casablanca");
  auto paris = Zone::locate("Europe/Paris");
  REQUIRE(paris.is_ok());
  CHECK(paris->name() == "Europe/Paris");
  auto nowhere = Zone::locate("Africa/Atlantis");
  REQUIRE_FALSE(nowhere.is_ok());
  CHECK(nowhere.status().code() == Code::not_found);
  CHECK_THAT(std::string(nowhere.status().message()), Catch::Contains("Africa/Atlantis"));
}

TEST_CASE("offsets are written as RFC 3339 writes them") {
  CHECK(format_offset(hours{1}) == "+01:00");
  CHECK(format_offset(seconds{0}) == "+00:00");
  CHECK(format_offset(-(hours{3} + minutes{30})) == "-03:30");
}

TEST_CASE("the AMI deadline shows as 20:00 local, +01:00") {
  const auto& z = casablanca();
  Instant t = at("2026-06-30T19:00:00Z");
  CHECK(format_local(t, z) == "2026-06-30T20:00:00+01:00");
  CHECK(format_local_fr(t, z) == "30/06/2026 20:00");
  // Milliseconds only when there are some; the French form truncates to the minute.
  Instant before = at("2026-06-30T18:59:59.999Z");
  CHECK(format_local(before, z) == "2026-06-30T19:59:59.999+01:00");
  CHECK(format_local_fr(before, z) == "30/06/2026 19:59");
  CHECK(*parse_instant(format_local(before, z)) == before);
}

TEST_CASE("after 20 Sep 2026 Morocco is at UTC+0") {
  const auto& z = casablanca();
  Instant t = at("2026-10-01T12:00:00Z");
  CHECK(z.offset_at(t) == seconds{0});
  CHECK(format_local(t, z) == "2026-10-01T12:00:00+00:00");
  CHECK(format_local_fr(t, z) == "01/10/2026 12:00");
  CHECK(*resolve_local("01/10/2026 12:00", z) == t);
  CHECK(*resolve_local("2026-10-01T12:00+00:00", z) == t);
  CHECK(*resolve_local("2026-10-01T12:00Z", z) == t);
  // Years later too: no more changes in the data.
  CHECK(format_local(at("2031-07-01T12:00:00Z"), z) == "2031-07-01T12:00:00+00:00");
}

TEST_CASE("the zone data has the 2026 transitions the project relies on") {
  // Found with `zdump -v -c 2025,2028 Africa/Casablanca` on tzdata 2026f; checked here through
  // the date library, which is what the server uses.
  const auto& tz = casablanca().tz();
  struct Transition {
    const char* utc;
    seconds before, after;
  };
  const Transition transitions[] = {
      {"2026-02-15T02:00:00Z", hours{1}, seconds{0}},  // Ramadan starts: 03:00 +01 -> 02:00 +00
      {"2026-03-22T02:00:00Z", seconds{0}, hours{1}},  // Ramadan ends: 02:00 +00 -> 03:00 +01
      {"2026-09-20T01:00:00Z", hours{1}, seconds{0}},  // UTC+0 for good: 02:00 +01 -> 01:00 +00
  };
  for (const auto& tr : transitions) {
    INFO(tr.utc);
    Instant t = at(tr.utc);
    auto before = tz.get_info(t - 1ms);
    auto after = tz.get_info(t);
    CHECK(before.end == t);
    CHECK(after.begin == t);
    CHECK(before.offset == tr.before);
    CHECK(after.offset == tr.after);
  }
  // Nothing after 20 Sep 2026.
  CHECK(tz.get_info(at("2026-09-20T01:00:00Z")).end > date::sys_days{2100_y / 1 / 1});
}

TEST_CASE("the last change, 20 Sep 2026: both sides of the transition") {
  const auto& z = casablanca();
  CHECK(format_local(at("2026-09-20T00:00:00Z"), z) == "2026-09-20T01:00:00+01:00");
  CHECK(format_local(at("2026-09-20T00:59:59.999Z"), z) == "2026-09-20T01:59:59.999+01:00");
  CHECK(format_local(at("2026-09-20T01:00:00Z"), z) == "2026-09-20T01:00:00+00:00");
  CHECK(format_local(at("2026-09-20T01:59:59Z"), z) == "2026-09-20T01:59:59+00:00");
  CHECK(format_local(at("2026-09-20T02:00:00Z"), z) == "2026-09-20T02:00:00+00:00");
  // Just outside the ambiguous hour, local times are unique.
  CHECK(*resolve_local("20/09/2026 00:59:59", z) == at("2026-09-19T23:59:59Z"));
  CHECK(*resolve_local("20/09/2026 02:00", z) == at("2026-09-20T02:00:00Z"));
}

TEST_CASE("the ambiguous hour of 20 Sep 2026 is refused without an offset") {
  const auto& z = casablanca();
  for (const char* text : {"20/09/2026 01:00", "20/09/2026 01:30", "2026-09-20T01:59:59", "2026-09-20T01:59:59.999"}) {
    INFO(text);
    auto r = resolve_local(text, z);
    CHECK(rule_of(r) == "ambiguous-local-time");
  }
  auto r = resolve_local("20/09/2026 01:30", z);
  std::string m(r.status().message());
  CHECK_THAT(m, Catch::Contains("happens twice"));
  CHECK_THAT(m, Catch::Contains("2026-09-20T01:00:00.000Z"));           // the transition
  CHECK_THAT(m, Catch::Contains("+01:00 (2026-09-20T00:30:00.000Z)"));  // first reading
  CHECK_THAT(m, Catch::Contains("+00:00 (2026-09-20T01:30:00.000Z)"));  // second reading
}

TEST_CASE("the ambiguous hour of 20 Sep 2026 is accepted with either offset") {
  const auto& z = casablanca();
  CHECK(*resolve_local("2026-09-20T01:30+01:00", z) == at("2026-09-20T00:30:00Z"));
  CHECK(*resolve_local("2026-09-20T01:30+00:00", z) == at("2026-09-20T01:30:00Z"));
  CHECK(*resolve_local("20/09/2026 01:30 +01:00", z) == at("2026-09-20T00:30:00Z"));
  CHECK(*resolve_local("20/09/2026 01:30 +00:00", z) == at("2026-09-20T01:30:00Z"));
  CHECK(*resolve_local("2026-09-20T01:00:00+01:00", z) == at("2026-09-20T00:00:00Z"));
  CHECK(*resolve_local("2026-09-20T01:59:59.999+01:00", z) == at("2026-09-20T00:59:59.999Z"));
  CHECK(*resolve_local("2026-09-20T01:00:00+00:00", z) == at("2026-09-20T01:00:00Z"));
  // An offset the zone never has then is refused.
  CHECK(rule_of(resolve_local("2026-09-20T01:30+02:00", z)) == "offset-mismatch");
}

TEST_CASE("Ramadan 2026: UTC+0 from 15 Feb to 22 Mar") {
  const auto& z = casablanca();
  Instant mid = at("2026-03-01T12:00:00Z");
  CHECK(z.offset_at(mid) == seconds{0});
  CHECK(format_local(mid, z) == "2026-03-01T12:00:00+00:00");
  CHECK(format_local_fr(mid, z) == "01/03/2026 12:00");
  CHECK(*resolve_local("01/03/2026 12:00", z) == mid);
  // Into Ramadan: 15 Feb, 03:00 +01 becomes 02:00 +00; 02:00-02:59 happens twice.
  CHECK(format_local(at("2026-02-15T01:59:59.999Z"), z) == "2026-02-15T02:59:59.999+01:00");
  CHECK(format_local(at("2026-02-15T02:00:00Z"), z) == "2026-02-15T02:00:00+00:00");
  CHECK(rule_of(resolve_local("15/02/2026 02:30", z)) == "ambiguous-local-time");
  CHECK(*resolve_local("15/02/2026 02:30 +01:00", z) == at("2026-02-15T01:30:00Z"));
  CHECK(*resolve_local("15/02/2026 02:30 +00:00", z) == at("2026-02-15T02:30:00Z"));
  CHECK(*resolve_local("15/02/2026 01:59", z) == at("2026-02-15T00:59:00Z"));
  CHECK(*resolve_local("15/02/2026 03:00", z) == at("2026-02-15T03:00:00Z"));
  // Out of Ramadan: 22 Mar, 02:00 +00 becomes 03:00 +01; 02:00-02:59 does not exist.
  CHECK(format_local(at("2026-03-22T01:59:59.999Z"), z) == "2026-03-22T01:59:59.999+00:00");
  CHECK(format_local(at("2026-03-22T02:00:00Z"), z) == "2026-03-22T03:00:00+01:00");
  CHECK(*resolve_local("22/03/2026 01:59:59", z) == at("2026-03-22T01:59:59Z"));
  CHECK(*resolve_local("22/03/2026 03:00", z) == at("2026-03-22T02:00:00Z"));
}

TEST_CASE("a local time in the spring-forward gap is refused unless its offset decides") {
  const auto& z = casablanca();
  auto r = resolve_local("22/03/2026 02:30", z);
  CHECK(rule_of(r) == "nonexistent-local-time");
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("2026-03-22T02:00:00.000Z"));
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("does not exist"));
  CHECK(rule_of(resolve_local("2026-03-22T02:00", z)) == "nonexistent-local-time");
  CHECK(rule_of(resolve_local("2026-03-22T02:59:59.999", z)) == "nonexistent-local-time");
  // With the offset of either side, the offset decides.
  CHECK(*resolve_local("2026-03-22T02:30+00:00", z) == at("2026-03-22T02:30:00Z"));
  CHECK(*resolve_local("2026-03-22T02:30+01:00", z) == at("2026-03-22T01:30:00Z"));
}

TEST_CASE("an offset the zone does not have at that local time is refused") {
  const auto& z = casablanca();
  // A sender with stale zone data would put 15 Oct 2026 at +01:00.
  auto r = resolve_local("2026-10-15T10:00+01:00", z);
  CHECK(rule_of(r) == "offset-mismatch");
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("+00:00"));
  CHECK_THAT(std::string(r.status().message()), Catch::Contains("stale"));
  CHECK(rule_of(resolve_local("30/06/2026 20:00 +00:00", z)) == "offset-mismatch");
  CHECK(rule_of(resolve_local("2026-06-30T19:00Z", z)) == "offset-mismatch");
  CHECK(*resolve_local("30/06/2026 20:00 +01:00", z) == at("2026-06-30T19:00:00Z"));
}

TEST_CASE("local times in both written forms") {
  const auto& z = casablanca();
  Instant deadline = at("2026-06-30T19:00:00Z");
  CHECK(*resolve_local("30/06/2026 20:00", z) == deadline);
  CHECK(*resolve_local("30/06/2026 20:00:00", z) == deadline);
  CHECK(*resolve_local("2026-06-30T20:00", z) == deadline);
  CHECK(*resolve_local("2026-06-30T20:00:00", z) == deadline);
  CHECK(*resolve_local("2026-06-30T20:00:00.000", z) == deadline);
  CHECK(*resolve_local("2026-06-30T19:59:59.999", z) == deadline - 1ms);
  CHECK(*resolve_local("2026-06-30T20:00:00+01:00", z) == deadline);
  // What format_local writes reads back.
  for (auto t : {deadline, deadline - 1ms, at("2026-09-20T00:30:00Z"), at("2026-09-20T01:30:00Z")}) {
    CHECK(*resolve_local(format_local(t, z), z) == t);
  }
}

TEST_CASE("malformed local times are refused with invalid_argument") {
  const auto& z = casablanca();
  const char* bad[] = {
      "",
      "30/06/2026",
      "30/06/2026 20h00",
      "30/06/2026T20:00",
      "30-06-2026 20:00",
      "3/6/2026 20:00",
      "30/06/26 20:00",
      "30/06/2026 20:00:00.000",
      "30/06/2026 20:00+01:00",
      "30/06/2026 20:00 ",
      "2026-06-30 20:00",
      "2026-06-30T20",
      "2026-06-30T20:00:00+0100",
      "2026-06-30T20:00-00:00",
      "2026-06-30T20:00 +01:00",
      "31/06/2026 20:00",
      "30/06/2026 24:00",
      "30/06/2026 20:60",
      "30/06/2026 20:00:60",
      " 30/06/2026 20:00",
  };
  for (const char* text : bad) {
    INFO(text);
    auto r = resolve_local(text, z);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Code::invalid_argument);
    CHECK_THAT(std::string(r.status().message()),
               Catch::Contains("local time") || Catch::Contains("does not exist") || Catch::Contains("leap second"));
  }
}
