// Schema validation: a walk of the compiled tree over the instance.
//
// eval() returns whether the instance matches a node. With a list to fill, it reports every
// violation; without one (inside anyOf, oneOf, not, if, contains) it stops at the first failure,
// and keeps no path.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "schema_tree.h"
#include "sijill/json/dom.h"
#include "sijill/json/pointer.h"

namespace sijill::json {

namespace detail {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

using Out = std::vector<Violation>*;  // null: only the verdict is wanted

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string in_quotes(std::string_view name) { return "'" + std::string(name) + "'"; }

// The instance in a few words, for "(got ...)": its type, and its value when short.
std::string describe(element value) {
  std::string type(type_name(value));
  switch (value.type()) {
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return type + " " + format(*as_number(value));
    case element_type::BOOL:
      return value.get_bool().value_unsafe() ? "true" : "false";
    case element_type::NULL_VALUE:
      return "null";
    case element_type::STRING: {
      std::string json = to_json(value);
      return json.size() <= 40 ? "string " + json : type;
    }
    default:
      return type;
  }
}

// Values of enum and const as JSON, shortened past a few hundred characters.
std::string list_values(const std::vector<element>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string json = to_json(values[i]);
    if (out.size() + json.size() > 300) {
      out += ", ... (" + std::to_string(values.size()) + " values in all)";
      break;
    }
    if (i > 0) out += ", ";
    out += json;
  }
  return out;
}

std::string type_list(std::uint8_t types) {
  static constexpr std::pair<std::uint8_t, std::string_view> kNames[] = {
      {kNull, "null"},     {kBoolean, "boolean"}, {kObject, "object"},   {kArray, "array"},
      {kNumber, "number"}, {kString, "string"},   {kInteger, "integer"},
  };
  static constexpr std::pair<std::uint8_t, std::string_view> kArticles[] = {
      {kNull, "null"},       {kBoolean, "a boolean"}, {kObject, "an object"},   {kArray, "an array"},
      {kNumber, "a number"}, {kString, "a string"},   {kInteger, "an integer"},
  };
  std::vector<std::string_view> names;
  for (auto [bit, name] : kNames) {
    if (types & bit) names.push_back(name);
  }
  if (names.size() == 1) {
    for (auto [bit, article] : kArticles) {
      if (types == bit) return std::string(article);
    }
  }
  std::string out = "one of the types ";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out;
}

bool has_type(std::uint8_t types, element value) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return types & kNull;
    case element_type::BOOL:
      return types & kBoolean;
    case element_type::OBJECT:
      return types & kObject;
    case element_type::ARRAY:
      return types & kArray;
    case element_type::STRING:
      return types & kString;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return (types & kNumber) || ((types & kInteger) && is_integral(*as_number(value)));
  }
  return false;
}

// Length in Unicode code points of valid UTF-8: the bytes that do not continue a sequence.
std::uint64_t code_points(std::string_view utf8) {
  return static_cast<std::uint64_t>(
      std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class Validator {
 public:
  Validator(const SchemaTree& tree, std::string_view base_path) : nodes_(tree.nodes), path_(base_path) {}

  bool eval(NodeId id, element value, Out out) {
    const Node& n = nodes_[id];
    if (n.is_boolean) {
      if (!n.boolean_value && out) report(out, "no value is allowed here (the schema is false)");
      return n.boolean_value;
    }
    bool ok = true;
    // Records a failure; true when evaluation may stop there (nobody wants the details).
    auto failed = [&]() {
      ok = false;
      return out == nullptr;
    };

    if (n.ref != kNoNode && !eval(n.ref, value, out) && failed()) return false;

    if (n.types != 0 && !has_type(n.types, value)) {
      if (failed()) return false;
      report(out, "must be " + type_list(n.types) + " (got " + describe(value) + ")");
    }
    if (n.has_enum &&
        std::none_of(n.enum_values.begin(), n.enum_values.end(), [&](element v) { return equal(v, value); })) {
      if (failed()) return false;
      std::string message = n.enum_values.empty() ? "no value is allowed here (the enum is empty)"
                                                  : "must be one of: " + list_values(n.enum_values);
      report(out, message + " (got " + describe(value) + ")");
    }
    if (n.const_value && !equal(*n.const_value, value)) {
      if (failed()) return false;
      report(out, "must be " + to_json(*n.const_value) + " (got " + describe(value) + ")");
    }

    switch (value.type()) {
      case element_type::INT64:
      case element_type::UINT64:
      case element_type::DOUBLE:
        if (!eval_number(n, *as_number(value), out) && failed()) return false;
        break;
      case element_type::STRING:
        if (!eval_string(n, value.get_string().value_unsafe(), out) && failed()) return false;
        break;
      case element_type::ARRAY:
        if (!eval_array(n, value.get_array().value_unsafe(), out) && failed()) return false;
        break;
      case element_type::OBJECT:
        if (!eval_object(n, value, out) && failed()) return false;
        break;
      default:
        break;
    }

    for (NodeId sub : n.all_of) {
      if (!eval(sub, value, out) && failed()) return false;
    }
    if (!n.any_of.empty() && !eval_any_of(n.any_of, value, out) && failed()) return false;
    if (!n.one_of.empty() && !eval_one_of(n.one_of, value, out) && failed()) return false;
    if (n.not_ != kNoNode && eval(n.not_, value, nullptr)) {
      if (failed()) return false;
      report(out, "must not match the schema in 'not'");
    }
    if (n.if_ != kNoNode && (n.then_ != kNoNode || n.else_ != kNoNode)) {
      NodeId branch = eval(n.if_, value, nullptr) ? n.then_ : n.else_;
      if (branch != kNoNode && !eval(branch, value, out) && failed()) return false;
    }
    return ok;
  }

 private:
  void report(Out out, std::string message) { out->push_back(Violation{path_, std::move(message)}); }

  // Appends a token to the path for the life of the object (and only when reporting).
  class Step {
   public:
    Step(std::string& path, Out out, std::string_view key) : path_(path), mark_(path.size()) {
      if (out) append_pointer_token(path_, key);
    }
    Step(std::string& path, Out out, std::size_t index) : path_(path), mark_(path.size()) {
      if (out) append_pointer_index(path_, index);
    }
    ~Step() { path_.resize(mark_); }
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;

   private:
    std::string& path_;
    std::size_t mark_;
  };

  bool eval_number(const Node& n, const Number& x, Out out) {
    bool ok = true;
    auto check = [&](bool good, auto message) {
      if (good) return true;
      ok = false;
      if (out) report(out, message() + " (got " + format(x) + ")");
      return out != nullptr;
    };
    if (n.minimum && !check(compare(x, *n.minimum) >= 0, [&] { return "must be at least " + format(*n.minimum); }))
      return false;
    if (n.maximum && !check(compare(x, *n.maximum) <= 0, [&] { return "must be at most " + format(*n.maximum); }))
      return false;
    if (n.exclusive_minimum && !check(compare(x, *n.exclusive_minimum) > 0,
                                      [&] { return "must be greater than " + format(*n.exclusive_minimum); }))
      return false;
    if (n.exclusive_maximum && !check(compare(x, *n.exclusive_maximum) < 0,
                                      [&] { return "must be less than " + format(*n.exclusive_maximum); }))
      return false;
    if (n.multiple_of &&
        !check(is_multiple_of(x, *n.multiple_of), [&] { return "must be a multiple of " + format(*n.multiple_of); }))
      return false;
    return ok;
  }

  bool eval_string(const Node& n, std::string_view s, Out out) {
    bool ok = true;
    if (n.min_length || n.max_length) {
      std::uint64_t length = code_points(s);
      if (n.min_length && length < *n.min_length) {
        ok = false;
        if (!out) return false;
        report(out, "must be at least " + plural(*n.min_length, "character", "characters") + " long (got " +
                        std::to_string(length) + ")");
      }
      if (n.max_length && length > *n.max_length) {
        ok = false;
        if (!out) return false;
        report(out, "must be at most " + plural(*n.max_length, "character", "characters") + " long (got " +
                        std::to_string(length) + ")");
      }
    }
    if (n.pattern) {
      std::optional<bool> found = n.pattern->search(s);
      if (found != true) {
        ok = false;
        if (!out) return false;
        report(out, found ? "must match the pattern " + n.pattern->source()
                          : "could not be checked against the pattern " + n.pattern->source() +
                                " (matching is too complex for this value)");
      }
    }
    return ok;
  }

  bool eval_array(const Node& n, simdjson::dom::array array, Out out) {
    bool ok = true;
    std::vector<element> items(array.begin(), array.end());
    const std::uint64_t size = items.size();
    auto fail = [&](std::string message) {
      ok = false;
      if (out) report(out, std::move(message));
      return out == nullptr;
    };
    if (n.min_items && size < *n.min_items &&
        fail("must have at least " + plural(*n.min_items, "item", "items") + " (got " + std::to_string(size) + ")"))
      return false;
    if (n.max_items && size > *n.max_items &&
        fail("must have at most " + plural(*n.max_items, "item", "items") + " (got " + std::to_string(size) + ")"))
      return false;
    if (n.unique_items) {
      if (auto pair = first_duplicate(items)) {
        if (fail("must not contain duplicate items (items " + std::to_string(pair->first) + " and " +
                 std::to_string(pair->second) + " are equal)"))
          return false;
      }
    }

    const std::size_t prefix = std::min<std::size_t>(n.prefix_items.size(), items.size());
    for (std::size_t i = 0; i < prefix; ++i) {
      Step step(path_, out, i);
      if (!eval(n.prefix_items[i], items[i], out) && fail_silently(ok, out)) return false;
    }
    if (n.items != kNoNode && items.size() > n.prefix_items.size()) {
      const Node& rest = nodes_[n.items];
      if (rest.is_boolean && !rest.boolean_value) {
        std::size_t allowed = n.prefix_items.size();
        if (fail(allowed == 0
                     ? "must be empty (got " + plural(size, "item", "items") + ")"
                     : "must have at most " + plural(allowed, "item", "items") + " (got " + std::to_string(size) +
                           "): no item is allowed after the first " + std::to_string(allowed)))
          return false;
      } else {
        for (std::size_t i = n.prefix_items.size(); i < items.size(); ++i) {
          Step step(path_, out, i);
          if (!eval(n.items, items[i], out) && fail_silently(ok, out)) return false;
        }
      }
    }

    if (n.contains != kNoNode) {
      std::uint64_t matches = 0;
      for (element item : items) matches += eval(n.contains, item, nullptr) ? 1 : 0;
      std::uint64_t at_least = n.min_contains.value_or(1);
      if (matches < at_least && fail("must contain at least " + plural(at_least, "item", "items") +
                                     " matching the 'contains' schema (found " + std::to_string(matches) + ")"))
        return false;
      if (n.max_contains && matches > *n.max_contains &&
          fail("must contain at most " + plural(*n.max_contains, "item", "items") +
               " matching the 'contains' schema (found " + std::to_string(matches) + ")"))
        return false;
    }
    return ok;
  }

  // Indices (i < j) of the first pair of equal items, comparing only items of equal hash.
  static std::optional<std::pair<std::size_t, std::size_t>> first_duplicate(const std::vector<element>& items) {
    std::unordered_multimap<std::size_t, std::size_t> seen;
    for (std::size_t j = 0; j < items.size(); ++j) {
      std::size_t h = sijill::json::hash(items[j]);
      auto [begin, end] = seen.equal_range(h);
      for (auto it = begin; it != end; ++it) {
        if (equal(items[it->second], items[j])) return std::make_pair(it->second, j);
      }
      seen.emplace(h, j);
    }
    return std::nullopt;
  }

  static bool fail_silently(bool& ok, Out out) {
    ok = false;
    return out == nullptr;
  }

  bool eval_object(const Node& n, element value, Out out) {
    simdjson::dom::object object = value.get_object().value_unsafe();
    bool ok = true;
    auto fail = [&](std::string message) {
      ok = false;
      if (out) report(out, std::move(message));
      return out == nullptr;
    };
    const std::uint64_t size = object.size();
    if (n.min_properties && size < *n.min_properties &&
        fail("must have at least " + plural(*n.min_properties, "property", "properties") + " (got " +
             std::to_string(size) + ")"))
      return false;
    if (n.max_properties && size > *n.max_properties &&
        fail("must have at most " + plural(*n.max_properties, "property", "properties") + " (got " +
             std::to_string(size) + ")"))
      return false;

    // Sorted names, for the keywords that ask whether a property is present.
    std::vector<std::string_view> names;
    if (!n.required.empty() || !n.dependent_required.empty() || !n.dependent_schemas.empty()) {
      for (simdjson::dom::key_value_pair member : object) names.push_back(member.key);
      std::sort(names.begin(), names.end());
    }
    auto has = [&](std::string_view name) { return std::binary_search(names.begin(), names.end(), name); };

    for (const std::string& name : n.required) {
      if (!has(name) && fail("required property " + in_quotes(name) + " is missing")) return false;
    }

    const bool per_member = !n.properties.empty() || !n.pattern_properties.empty() ||
                            n.additional_properties != kNoNode || n.property_names != kNoNode;
    if (per_member) {
      for (simdjson::dom::key_value_pair member : object) {
        Step step(path_, out, member.key);
        if (!eval_member(n, member.key, member.value, out) && fail_silently(ok, out)) return false;
      }
    }

    for (const auto& [name, needed] : n.dependent_required) {
      if (!has(name)) continue;
      for (const std::string& other : needed) {
        if (!has(other) &&
            fail("property " + in_quotes(other) + " is required when " + in_quotes(name) + " is present"))
          return false;
      }
    }
    for (const auto& [name, sub] : n.dependent_schemas) {
      if (has(name) && !eval(sub, value, out) && fail_silently(ok, out)) return false;
    }
    return ok;
  }

  // properties, patternProperties, additionalProperties and propertyNames for one member (the
  // path already points at it).
  bool eval_member(const Node& n, std::string_view key, element value, Out out) {
    bool ok = true;
    bool matched = false;
    auto property = std::lower_bound(n.properties.begin(), n.properties.end(), key,
                                     [](const auto& entry, std::string_view k) { return entry.first < k; });
    if (property != n.properties.end() && property->first == key) {
      matched = true;
      if (!eval_property(property->second, n, key, value, out) && fail_silently(ok, out)) return false;
    }
    for (const auto& [pattern, sub] : n.pattern_properties) {
      std::optional<bool> found = pattern.search(key);
      if (!found) {
        if (fail_silently(ok, out)) return false;
        report(out, "the property name could not be checked against the pattern " + pattern.source() +
                        " (matching is too complex for this name)");
      } else if (*found) {
        matched = true;
        if (!eval_property(sub, n, key, value, out) && fail_silently(ok, out)) return false;
      }
    }
    if (!matched && n.additional_properties != kNoNode) {
      if (!eval_property(n.additional_properties, n, key, value, out) && fail_silently(ok, out)) return false;
    }
    if (n.property_names != kNoNode && !eval_name(n.property_names, key, out) && fail_silently(ok, out)) {
      return false;
    }
    return ok;
  }

  // A property's schema; a false schema says the property is not allowed, and which are.
  bool eval_property(NodeId sub, const Node& parent, std::string_view key, element value, Out out) {
    const Node& s = nodes_[sub];
    if (!s.is_boolean || s.boolean_value) return eval(sub, value, out);
    if (out) {
      std::string message = "property " + in_quotes(key) + " is not allowed";
      if (parent.pattern_properties.empty() && !parent.properties.empty() && parent.properties.size() <= 12) {
        std::string allowed;
        for (const auto& [name, id] : parent.properties) {
          if (nodes_[id].is_boolean && !nodes_[id].boolean_value) continue;
          allowed += (allowed.empty() ? "" : ", ") + in_quotes(name);
        }
        if (!allowed.empty()) message += " (allowed: " + allowed + ")";
      }
      report(out, std::move(message));
    }
    return false;
  }

  // propertyNames: the name is validated as a JSON string of its own.
  bool eval_name(NodeId sub, std::string_view key, Out out) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::document document;
    std::string json = boost::json::serialize(boost::json::string_view(key.data(), key.size()));
    element name;
    if (parser.parse_into_document(document, json).get(name)) {
      if (out) report(out, "the property name could not be checked");
      return false;
    }
    if (!out) return eval(sub, name, nullptr);
    std::vector<Violation> found;
    bool ok = eval(sub, name, &found);
    for (Violation& v : found) {
      report(out, "the property name " + in_quotes(key) + " is not allowed: " + v.message);
    }
    return ok;
  }

  bool eval_any_of(const std::vector<NodeId>& subs, element value, Out out) {
    for (NodeId sub : subs) {
      if (eval(sub, value, nullptr)) return true;
    }
    if (out) {
      report(out, "must match at least one of the " + std::to_string(subs.size()) + " schemas in anyOf" +
                      why_not(subs, value));
    }
    return false;
  }

  bool eval_one_of(const std::vector<NodeId>& subs, element value, Out out) {
    std::vector<std::size_t> matching;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      if (eval(subs[i], value, nullptr)) matching.push_back(i + 1);
      if (matching.size() > 1 && !out) return false;
    }
    if (matching.size() == 1) return true;
    if (out) {
      std::string message = "must match exactly one of the " + std::to_string(subs.size()) + " schemas in oneOf";
      if (matching.empty()) {
        message += why_not(subs, value);
      } else {
        message += ", but matches schemas ";
        for (std::size_t i = 0; i < matching.size(); ++i) {
          message += (i == 0 ? "" : (i + 1 == matching.size() ? " and " : ", ")) + std::to_string(matching[i]);
        }
      }
      report(out, std::move(message));
    }
    return false;
  }

  // Why each alternative failed, in short: "; schema 1: must be a string; schema 2: at /x: ...".
  std::string why_not(const std::vector<NodeId>& subs, element value) {
    std::string out;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      std::vector<Violation> found;
      eval(subs[i], value, &found);
      out += "; schema " + std::to_string(i + 1) + ": ";
      for (std::size_t k = 0; k < found.size() && k < 3; ++k) {
        std::string_view relative = std::string_view(found[k].path).substr(path_.size());
        if (k > 0) out += ", ";
        if (!relative.empty()) out += "at " + std::string(relative) + " ";
        out += found[k].message;
      }
      if (found.size() > 3) out += ", ...";
    }
    return out;
  }

  const std::vector<Node>& nodes_;
  std::string path_;
};

}  // namespace
}  // namespace detail

std::vector<Violation> Schema::violations(const simdjson::dom::element& instance, std::string_view base_path) const {
  std::vector<Violation> out;
  detail::Validator(*tree_, base_path).eval(tree_->root, instance, &out);
  return out;
}

bool Schema::is_valid(const simdjson::dom::element& instance) const {
  return detail::Validator(*tree_, "").eval(tree_->root, instance, nullptr);
}

Status Schema::validate(const ParsedDocument& document) const {
  std::vector<Violation> found = violations(document.root());
  if (found.empty()) return Status::ok();
  return Status::invalid_argument("the body does not match its schema", std::move(found));
}

}  // namespace sijill::json
