// Small readers for command and event data. Command data has passed its JSON Schema and event
// data was written by this module, so a missing or mistyped member is a programming error or
// an old event: the readers fall back to the given default rather than throw.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "sijill/time/instant.h"

namespace sijill::domain::ami {

inline std::string str(const boost::json::object& o, std::string_view key, std::string_view fallback = {}) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
}

inline std::int64_t integer(const boost::json::object& o, std::string_view key, std::int64_t fallback = 0) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  // JSON Schema counts 30.0 as an integer: take a whole double as the integer it is. Only within
  // int64's range: casting 1e300 (also "an integer" to the schema) would be undefined behaviour.
  if (v && v->is_double()) {
    const double x = v->get_double();
    if (x >= -0x1p63 && x < 0x1p63 && x == std::trunc(x)) return static_cast<std::int64_t>(x);
  }
  return fallback;
}

inline bool boolean(const boost::json::object& o, std::string_view key, bool fallback = false) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

inline const boost::json::array& arr(const boost::json::object& o, std::string_view key) {
  static const boost::json::array empty;
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : empty;
}

inline const boost::json::object& obj(const boost::json::object& o, std::string_view key) {
  static const boost::json::object empty;
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : empty;
}

inline time::Instant instant(const boost::json::object& o, std::string_view key) {
  auto t = time::parse_instant(str(o, key));
  return t ? *t : time::Instant{};
}

}  // namespace sijill::domain::ami
