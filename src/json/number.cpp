#include "number.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <string_view>

namespace sijill::json::detail {

namespace {

__extension__ using uint128 = unsigned __int128;

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

int sign_of(double x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

// Compares an integer with a double exactly: the double's integral part is converted to the
// integer's type only once it is known to fit, and its fractional part decides ties.
int compare_int_double(std::int64_t i, double d) {
  if (d >= kTwoTo63) return -1;
  if (d < -kTwoTo63) return 1;
  double whole = std::trunc(d);
  auto w = static_cast<std::int64_t>(whole);
  if (i != w) return i < w ? -1 : 1;
  return -sign_of(d - whole);
}

int compare_uint_double(std::uint64_t u, double d) {
  if (d >= kTwoTo64) return -1;
  if (d < 0) return 1;
  double whole = std::trunc(d);
  auto w = static_cast<std::uint64_t>(whole);
  if (u != w) return u < w ? -1 : 1;
  return -sign_of(d - whole);
}

int compare_int_uint(std::int64_t i, std::uint64_t u) {
  if (i < 0) return -1;
  auto v = static_cast<std::uint64_t>(i);
  return v < u ? -1 : (v > u ? 1 : 0);
}

// |n| as digits * 10^exponent, with no trailing zero in digits (0 is {0, 0}).
struct Decimal {
  std::uint64_t digits = 0;
  int exponent = 0;
};

Decimal normalise(Decimal x) {
  if (x.digits == 0) return Decimal{};
  while (x.digits % 10 == 0) {
    x.digits /= 10;
    ++x.exponent;
  }
  return x;
}

// The decimal form of a double is that of its shortest round-trip text (std::to_chars), which
// is what the author of the schema or the body wrote for any number of up to 17 digits.
Decimal decimal_of(double d) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(d));
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  Decimal x;
  std::size_t i = 0;
  bool after_point = false;
  for (; i < text.size() && text[i] != 'e'; ++i) {
    if (text[i] == '.') {
      after_point = true;
      continue;
    }
    x.digits = x.digits * 10 + static_cast<std::uint64_t>(text[i] - '0');  // at most 17 digits
    if (after_point) --x.exponent;
  }
  if (i < text.size()) {
    int e = 0;
    std::from_chars(text.data() + i + (text[i + 1] == '+' ? 2 : 1), text.data() + text.size(), e);
    x.exponent += e;
  }
  return normalise(x);
}

Decimal decimal_of(const Number& n) {
  switch (n.kind) {
    case Number::Kind::int64: {
      std::uint64_t magnitude = n.i < 0 ? ~static_cast<std::uint64_t>(n.i) + 1 : static_cast<std::uint64_t>(n.i);
      return normalise(Decimal{magnitude, 0});
    }
    case Number::Kind::uint64:
      return normalise(Decimal{n.u, 0});
    case Number::Kind::float64:
      return decimal_of(n.d);
  }
  return Decimal{};
}

}  // namespace

std::optional<Number> as_number(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      return Number::of(value.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return Number::of(value.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE:
      return Number::of(value.get_double().value_unsafe());
    default:
      return std::nullopt;
  }
}

int compare(const Number& a, const Number& b) {
  using K = Number::Kind;
  switch (a.kind) {
    case K::int64:
      switch (b.kind) {
        case K::int64:
          return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
        case K::uint64:
          return compare_int_uint(a.i, b.u);
        case K::float64:
          return compare_int_double(a.i, b.d);
      }
      break;
    case K::uint64:
      switch (b.kind) {
        case K::int64:
          return -compare_int_uint(b.i, a.u);
        case K::uint64:
          return a.u < b.u ? -1 : (a.u > b.u ? 1 : 0);
        case K::float64:
          return compare_uint_double(a.u, b.d);
      }
      break;
    case K::float64:
      switch (b.kind) {
        case K::int64:
          return -compare_int_double(b.i, a.d);
        case K::uint64:
          return -compare_uint_double(b.u, a.d);
        case K::float64:
          return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
      }
      break;
  }
  return 0;
}

bool is_integral(const Number& n) { return n.kind != Number::Kind::float64 || std::trunc(n.d) == n.d; }

bool is_multiple_of(const Number& x, const Number& divisor) {
  // x / divisor = (a / b) * 10^(p - q). With a and b free of trailing zeros, this is an integer
  // only when p >= q and b divides a * 10^(p - q), which is checked digit by digit modulo b.
  Decimal a = decimal_of(x);
  Decimal b = decimal_of(divisor);
  if (a.digits == 0) return true;
  if (b.digits == 0) return false;
  if (a.exponent < b.exponent) return false;
  uint128 remainder = a.digits % b.digits;
  for (int e = a.exponent - b.exponent; e > 0 && remainder != 0; --e) remainder = remainder * 10 % b.digits;
  return remainder == 0;
}

std::string format(const Number& n) {
  switch (n.kind) {
    case Number::Kind::int64:
      return std::to_string(n.i);
    case Number::Kind::uint64:
      return std::to_string(n.u);
    case Number::Kind::float64: {
      char buffer[64];
      double magnitude = std::fabs(n.d);
      bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
      auto result = plain ? std::to_chars(buffer, buffer + sizeof buffer, n.d, std::chars_format::fixed)
                          : std::to_chars(buffer, buffer + sizeof buffer, n.d);
      return std::string(buffer, result.ptr);
    }
  }
  return {};
}

std::size_t hash(const Number& n) {
  // Integral values hash as the integer they equal, whatever their representation.
  if (n.kind == Number::Kind::int64) return std::hash<std::int64_t>{}(n.i);
  if (n.kind == Number::Kind::uint64) {
    if (n.u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::hash<std::int64_t>{}(static_cast<std::int64_t>(n.u));
    }
    return std::hash<std::uint64_t>{}(n.u);
  }
  if (is_integral(n)) {
    if (n.d >= -kTwoTo63 && n.d < kTwoTo63) return std::hash<std::int64_t>{}(static_cast<std::int64_t>(n.d));
    if (n.d >= 0 && n.d < kTwoTo64) return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(n.d));
  }
  return std::hash<double>{}(n.d == 0 ? 0.0 : n.d);
}

}  // namespace sijill::json::detail
