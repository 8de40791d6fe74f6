#include <catch2/catch.hpp>

#include "sijill/util/status.h"

using sijill::Code;
using sijill::Result;
using sijill::Status;

TEST_CASE("an ok Status carries no code, rule or message") {
  Status s;
  CHECK(s.is_ok());
  CHECK(s.code() == Code::ok);
  CHECK(s.to_string() == "ok");
}

TEST_CASE("each code maps to the HTTP status of the wire contract") {
  CHECK(sijill::http_status(Code::invalid_argument) == 400);
  CHECK(sijill::http_status(Code::unauthenticated) == 401);
  CHECK(sijill::http_status(Code::permission_denied) == 403);
  CHECK(sijill::http_status(Code::not_found) == 404);
  CHECK(sijill::http_status(Code::conflict) == 409);
  CHECK(sijill::http_status(Code::version_mismatch) == 412);
  CHECK(sijill::http_status(Code::too_large) == 413);
  CHECK(sijill::http_status(Code::rule_violation) == 422);
  CHECK(sijill::http_status(Code::unavailable) == 503);
}

TEST_CASE("a rule violation names its rule, other codes name themselves") {
  auto s = Status::rule_violation("quota-full", "Souss-Massa has selected 30 of 30");
  CHECK_FALSE(s.is_ok());
  CHECK(s.rule() == "quota-full");
  CHECK(s.to_string() == "quota-full: Souss-Massa has selected 30 of 30");
  CHECK(Status::conflict("x").rule() == "conflict");
}

TEST_CASE("violations keep their JSON Pointers") {
  auto s = Status::invalid_argument("bad body", {{"/scores/pertinence", "must be at most 60"}, {"", "x"}});
  REQUIRE(s.violations().size() == 2);
  CHECK(s.violations()[0].path == "/scores/pertinence");
  CHECK(s.to_string() == "invalid-argument: bad body\n  /scores/pertinence: must be at most 60\n  /: x");
}

TEST_CASE("a Result holds a value or a failed Status, never an ok Status") {
  Result<int> r = 7;
  REQUIRE(r.is_ok());
  CHECK(*r == 7);
  Result<int> e = Status::not_found("no such stream");
  CHECK_FALSE(e.is_ok());
  CHECK(e.status().code() == Code::not_found);
  Result<int> bogus = Status::ok();
  CHECK(bogus.status().code() == Code::internal);
}
