#include <catch2/catch.hpp>

#include "sijill/time/deadline.h"

using namespace std::chrono_literals;
using sijill::Code;
using sijill::time::Deadline;
using sijill::time::Instant;
using sijill::time::make_deadline;
using sijill::time::on_time;
using sijill::time::parse_instant;
using sijill::time::Zone;

namespace {
Instant at(const char* rfc3339) {
  auto r = parse_instant(rfc3339);
  REQUIRE(r.is_ok());
  return *r;
}
}  // namespace

TEST_CASE("the AMI deadline, 30/06/2026 20:00 local, is 19:00 UTC and keeps its text") {
  auto zone = Zone::locate();
  REQUIRE(zone.is_ok());
  auto d = make_deadline("30/06/2026 20:00", *zone);
  REQUIRE(d.is_ok());
  CHECK(d->local == "30/06/2026 20:00");
  CHECK(d->zone == "Africa/Casablanca");
  CHECK(d->instant == at("2026-06-30T19:00:00Z"));
  CHECK(*d == Deadline{"30/06/2026 20:00", "Africa/Casablanca", at("2026-06-30T19:00:00.000Z")});
}

TEST_CASE("on time means strictly before the deadline") {
  auto zone = Zone::locate();
  REQUIRE(zone.is_ok());
  auto d = make_deadline("30/06/2026 20:00", *zone);
  REQUIRE(d.is_ok());
  CHECK(on_time(at("2026-06-30T18:59:59.999Z"), *d));
  CHECK_FALSE(on_time(at("2026-06-30T19:00:00.000Z"), *d));
  CHECK_FALSE(on_time(at("2026-06-30T19:00:00.001Z"), *d));
  // The same instants written with the Moroccan offset.
  CHECK(on_time(at("2026-06-30T19:59:59.999+01:00"), *d));
  CHECK_FALSE(on_time(at("2026-06-30T20:00:00+01:00"), *d));
  // A sub-millisecond arrival just before the deadline stays on time (truncated, not rounded).
  CHECK(on_time(at("2026-06-30T18:59:59.9999Z"), *d));
}

TEST_CASE("a deadline in the ambiguous hour needs its offset") {
  auto zone = Zone::locate();
  REQUIRE(zone.is_ok());
  auto bare = make_deadline("20/09/2026 01:30", *zone);
  REQUIRE_FALSE(bare.is_ok());
  CHECK(bare.status().rule() == "ambiguous-local-time");
  auto first = make_deadline("20/09/2026 01:30 +01:00", *zone);
  REQUIRE(first.is_ok());
  CHECK(first->instant == at("2026-09-20T00:30:00Z"));
  CHECK(first->local == "20/09/2026 01:30 +01:00");
  auto second = make_deadline("20/09/2026 01:30 +00:00", *zone);
  REQUIRE(second.is_ok());
  CHECK(second->instant == at("2026-09-20T01:30:00Z"));
}

TEST_CASE("a malformed deadline is refused") {
  auto zone = Zone::locate();
  REQUIRE(zone.is_ok());
  auto d = make_deadline("30 juin 2026 20h", *zone);
  REQUIRE_FALSE(d.is_ok());
  CHECK(d.status().code() == Code::invalid_argument);
}
