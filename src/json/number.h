// JSON numbers as simdjson holds them (int64, uint64 or double), compared exactly.
//
// Internal to sijill_json. No comparison here rounds an integer through double: 2^53 + 1 is
// greater than 2^53 as a double, and 1 equals 1.0.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>

namespace sijill::json::detail {

struct Number {
  enum class Kind { int64, uint64, float64 };
  Kind kind = Kind::int64;
  std::int64_t i = 0;   // when kind == int64
  std::uint64_t u = 0;  // when kind == uint64 (simdjson uses it only above INT64_MAX)
  double d = 0;         // when kind == float64 (always finite: JSON has no NaN or infinity)

  static Number of(std::int64_t v) { return Number{Kind::int64, v, 0, 0}; }
  static Number of(std::uint64_t v) { return Number{Kind::uint64, 0, v, 0}; }
  static Number of(double v) { return Number{Kind::float64, 0, 0, v}; }
};

// The number held by `value`, or nothing when it is not a number.
std::optional<Number> as_number(simdjson::dom::element value);

// -1, 0 or 1 as a is less than, equal to or greater than b, exactly.
int compare(const Number& a, const Number& b);

// True for int64 and uint64, and for doubles with no fractional part (1.0, 1e300).
bool is_integral(const Number& n);

// True when x / divisor is an integer, computed exactly on the decimal form of both numbers
// (0.0075 is a multiple of 0.0001). `divisor` must be greater than zero.
bool is_multiple_of(const Number& x, const Number& divisor);

// The number as a person would write it: integers in full, doubles in their shortest round-trip
// form (plain notation between 1e-6 and 1e21, scientific outside).
std::string format(const Number& n);

// A hash consistent with compare() == 0.
std::size_t hash(const Number& n);

}  // namespace sijill::json::detail
