#include "sijill/json/dom.h"

#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "dom_access.h"
#include "number.h"

namespace sijill::json {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class Kind { null, boolean, number, string, array, object };

Kind kind_of(element value) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return Kind::null;
    case element_type::BOOL:
      return Kind::boolean;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return Kind::number;
    case element_type::STRING:
      return Kind::string;
    case element_type::ARRAY:
      return Kind::array;
    case element_type::OBJECT:
      return Kind::object;
  }
  return Kind::null;
}

std::vector<std::pair<std::string_view, element>> sorted_members(simdjson::dom::object object) {
  std::vector<std::pair<std::string_view, element>> members;
  members.reserve(object.size());
  for (simdjson::dom::key_value_pair member : object) members.emplace_back(member.key, member.value);
  std::sort(members.begin(), members.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  return members;
}

std::size_t mix(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

bool equal(element a, element b) {
  Kind kind = kind_of(a);
  if (kind != kind_of(b)) return false;
  switch (kind) {
    case Kind::null:
      return true;
    case Kind::boolean:
      return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case Kind::number:
      return detail::compare(*detail::as_number(a), *detail::as_number(b)) == 0;
    case Kind::string:
      return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case Kind::array: {
      simdjson::dom::array x = a.get_array().value_unsafe();
      simdjson::dom::array y = b.get_array().value_unsafe();
      if (x.size() != y.size()) return false;
      auto j = y.begin();
      for (element item : x) {
        if (!equal(item, *j)) return false;
        ++j;
      }
      return true;
    }
    case Kind::object: {
      simdjson::dom::object x = a.get_object().value_unsafe();
      simdjson::dom::object y = b.get_object().value_unsafe();
      if (x.size() != y.size()) return false;
      auto xs = sorted_members(x);
      auto ys = sorted_members(y);
      for (std::size_t i = 0; i < xs.size(); ++i) {
        if (xs[i].first != ys[i].first || !equal(xs[i].second, ys[i].second)) return false;
      }
      return true;
    }
  }
  return false;
}

std::size_t hash(element value) {
  switch (kind_of(value)) {
    case Kind::null:
      return 0x6e756c6c;
    case Kind::boolean:
      return value.get_bool().value_unsafe() ? 0x74727565 : 0x66616c73;
    case Kind::number:
      return detail::hash(*detail::as_number(value));
    case Kind::string:
      return std::hash<std::string_view>{}(value.get_string().value_unsafe());
    case Kind::array: {
      std::size_t h = 0x61727261;
      for (element item : detail::as_array(value)) h = mix(h, hash(item));
      return h;
    }
    case Kind::object: {
      // Order-independent: a sum of per-member hashes.
      std::size_t h = 0x6f626a65;
      for (simdjson::dom::key_value_pair member : detail::as_object(value)) {
        h += mix(std::hash<std::string_view>{}(member.key), hash(member.value));
      }
      return h;
    }
  }
  return 0;
}

std::string_view type_name(element value) {
  switch (kind_of(value)) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return "boolean";
    case Kind::number:
      return detail::is_integral(*detail::as_number(value)) ? "integer" : "number";
    case Kind::string:
      return "string";
    case Kind::array:
      return "array";
    case Kind::object:
      return "object";
  }
  return "null";
}

std::string to_json(element value) { return simdjson::to_string(value); }

}  // namespace sijill::json
