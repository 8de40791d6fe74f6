// Schema::compile(): from the schema's JSON to the tree of schema_tree.h.
//
// One walk over the schema positions of the document compiles every subschema, records each $id
// (a resource) and $anchor, and queues each $ref; the queue is then resolved against those records
// (compiling, on demand, a $ref target that is not at a schema position). Last, a search for
// cycles of $ref and in-place applicators rules out schemas whose evaluation would never end.
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dom_access.h"
#include "schema_tree.h"
#include "sijill/json/dom.h"
#include "sijill/json/pointer.h"
#include "uri.h"

namespace sijill::json {

namespace detail {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view kDialect = "https://json-schema.org/draft/2020-12/schema";

// Keywords that only annotate: accepted, not checked, without effect on validation.
bool is_annotation(std::string_view keyword) {
  static constexpr std::string_view kAnnotations[] = {
      "$comment", "title",     "description", "default",         "examples",         "deprecated",
      "readOnly", "writeOnly", "format",      "contentEncoding", "contentMediaType", "contentSchema",
  };
  return std::find(std::begin(kAnnotations), std::end(kAnnotations), keyword) != std::end(kAnnotations);
}

// Keywords of draft 2020-12 this validator does not implement: refused, never silently ignored.
bool is_unsupported(std::string_view keyword) {
  static constexpr std::string_view kUnsupported[] = {
      "$dynamicRef", "$dynamicAnchor",        "$recursiveRef",    "$recursiveAnchor",
      "$vocabulary", "unevaluatedProperties", "unevaluatedItems",
  };
  return std::find(std::begin(kUnsupported), std::end(kUnsupported), keyword) != std::end(kUnsupported);
}

// A hint for keywords of older drafts that draft 2020-12 renamed.
std::string_view hint_for(std::string_view keyword) {
  if (keyword == "definitions") return " (draft 2020-12 names it $defs)";
  if (keyword == "dependencies") return " (draft 2020-12 splits it into dependentRequired and dependentSchemas)";
  if (keyword == "additionalItems") return " (draft 2020-12 uses prefixItems with items)";
  return "";
}

bool is_anchor_name(std::string_view name) {
  // ^[A-Za-z_][-A-Za-z0-9._]*$ (draft 2020-12, section 8.2.2)
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (name.empty() || !letter(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; });
}

class Compiler {
 public:
  Compiler(SchemaTree& tree, const CompileOptions& options) : tree_(tree), options_(options) {}

  Status run() {
    element root = tree_.document.root();
    std::string error;
    auto base = resolve_uri(options_.base_uri, "", &error);
    if (!base) return Status::invalid_argument("invalid base URI: " + error);
    resources_.emplace(base->base, "");
    tree_.root = compile(root, "", base->base);
    while (!pending_.empty()) {
      PendingRef ref = std::move(pending_.back());
      pending_.pop_back();
      NodeId target = resolve(ref);
      tree_.nodes[ref.node].ref = target;
    }
    if (errors_.empty()) find_endless_cycles();
    if (!errors_.empty()) return Status::invalid_argument("invalid schema", std::move(errors_));
    return Status::ok();
  }

 private:
  struct PendingRef {
    NodeId node;
    std::string reference;
    std::string base;
    std::string location;  // of the $ref keyword
  };

  void fail(std::string location, std::string message) {
    errors_.push_back(Violation{std::move(location), std::move(message)});
  }

  // Compiles the schema at `location` (a JSON Pointer into the schema document), whose enclosing
  // base URI is `parent_base`. A location is compiled once; later calls return the same node.
  NodeId compile(element schema, const std::string& location, const std::string& parent_base) {
    if (auto found = by_location_.find(location); found != by_location_.end()) return found->second;
    auto id = static_cast<NodeId>(tree_.nodes.size());
    tree_.nodes.emplace_back();
    tree_.nodes[id].location = location;
    by_location_.emplace(location, id);

    if (schema.type() == element_type::BOOL) {
      tree_.nodes[id].is_boolean = true;
      tree_.nodes[id].boolean_value = schema.get_bool().value_unsafe();
      return id;
    }
    if (schema.type() != element_type::OBJECT) {
      fail(location, "a schema must be an object or a boolean");
      return id;
    }
    simdjson::dom::object object = schema.get_object().value_unsafe();

    // $id comes first: it is the base against which this schema's own $ref resolves.
    std::string base = parent_base;
    if (element id_value; object.at_key("$id").get(id_value) == simdjson::SUCCESS) {
      base = declare_resource(id_value, location + "/$id", location, parent_base);
    }
    for (simdjson::dom::key_value_pair member : object) {
      if (member.key == "$id") continue;
      std::string keyword_location = location;
      append_pointer_token(keyword_location, member.key);
      keyword(id, member.key, member.value, keyword_location, base);
    }
    return id;
  }

  // Records the resource a schema's $id names and returns its absolute URI.
  std::string declare_resource(element value, const std::string& id_location, const std::string& location,
                               const std::string& parent_base) {
    std::string_view text;
    if (value.get(text)) {
      fail(id_location, "must be a string (a URI reference)");
      return parent_base;
    }
    std::string error;
    auto resolved = resolve_uri(parent_base, text, &error);
    if (!resolved) {
      fail(id_location, error);
      return parent_base;
    }
    if (!resolved->fragment.empty()) {
      fail(id_location, "must not have a fragment (name a location with $anchor instead)");
      return parent_base;
    }
    auto [existing, inserted] = resources_.emplace(resolved->base, location);
    if (!inserted && existing->second != location) {
      fail(id_location, "the $id '" + resolved->base + "' is already used at '" + existing->second + "'");
    }
    return resolved->base;
  }

  void keyword(NodeId id, std::string_view key, element value, const std::string& at, const std::string& base) {
    // Node references are re-taken after each compile() call below: compiling may grow the vector.
    auto node = [&]() -> Node& { return tree_.nodes[id]; };

    if (key == "$schema") {
      std::string_view dialect;
      if (value.get(dialect) || (dialect != kDialect && dialect != std::string(kDialect) + "#")) {
        fail(at, "only JSON Schema draft 2020-12 is supported (\"$schema\": \"" + std::string(kDialect) + "\")");
      }
    } else if (key == "$ref") {
      std::string_view reference;
      if (value.get(reference)) return fail(at, "must be a string (a URI reference)");
      pending_.push_back(PendingRef{id, std::string(reference), base, at});
    } else if (key == "$anchor") {
      std::string_view name;
      if (value.get(name) || !is_anchor_name(name)) {
        return fail(at, "must be a name of letters, digits, '-', '_' and '.', starting with a letter or '_'");
      }
      std::string uri = base + "#" + std::string(name);
      auto [existing, inserted] = anchors_.emplace(uri, node().location);
      if (!inserted && existing->second != node().location) fail(at, "the anchor '" + uri + "' is defined twice");
    } else if (key == "$defs") {
      schema_map(value, at, base);
    } else if (key == "type") {
      node().types = types(value, at);
    } else if (key == "enum") {
      if (value.type() != element_type::ARRAY) return fail(at, "must be an array");
      node().has_enum = true;
      for (element item : as_array(value)) node().enum_values.push_back(item);
    } else if (key == "const") {
      node().const_value = value;
    } else if (key == "minimum") {
      node().minimum = number(value, at);
    } else if (key == "maximum") {
      node().maximum = number(value, at);
    } else if (key == "exclusiveMinimum") {
      node().exclusive_minimum = number(value, at);
    } else if (key == "exclusiveMaximum") {
      node().exclusive_maximum = number(value, at);
    } else if (key == "multipleOf") {
      auto n = number(value, at);
      if (n && compare(*n, Number::of(std::int64_t{0})) <= 0) return fail(at, "must be greater than 0");
      node().multiple_of = n;
    } else if (key == "minLength") {
      node().min_length = count(value, at);
    } else if (key == "maxLength") {
      node().max_length = count(value, at);
    } else if (key == "pattern") {
      node().pattern = pattern(value, at);
    } else if (key == "prefixItems") {
      node().prefix_items = schema_array(value, at, base);
    } else if (key == "items") {
      if (value.type() == element_type::ARRAY) {
        return fail(at, "must be a schema (in draft 2020-12 an array of schemas is written prefixItems)");
      }
      NodeId sub = compile(value, at, base);
      node().items = sub;
    } else if (key == "contains") {
      NodeId sub = compile(value, at, base);
      node().contains = sub;
    } else if (key == "minContains") {
      node().min_contains = count(value, at);
    } else if (key == "maxContains") {
      node().max_contains = count(value, at);
    } else if (key == "minItems") {
      node().min_items = count(value, at);
    } else if (key == "maxItems") {
      node().max_items = count(value, at);
    } else if (key == "uniqueItems") {
      if (value.type() != element_type::BOOL) return fail(at, "must be a boolean");
      node().unique_items = value.get_bool().value_unsafe();
    } else if (key == "properties") {
      auto subs = schema_map(value, at, base);
      std::sort(subs.begin(), subs.end());
      node().properties = std::move(subs);
    } else if (key == "patternProperties") {
      pattern_properties(id, value, at, base);
    } else if (key == "additionalProperties") {
      NodeId sub = compile(value, at, base);
      node().additional_properties = sub;
    } else if (key == "propertyNames") {
      NodeId sub = compile(value, at, base);
      node().property_names = sub;
    } else if (key == "required") {
      node().required = string_set(value, at);
    } else if (key == "minProperties") {
      node().min_properties = count(value, at);
    } else if (key == "maxProperties") {
      node().max_properties = count(value, at);
    } else if (key == "dependentRequired") {
      dependent_required(id, value, at);
    } else if (key == "dependentSchemas") {
      auto subs = schema_map(value, at, base);
      node().dependent_schemas = std::move(subs);
    } else if (key == "allOf") {
      auto subs = schema_array(value, at, base);
      node().all_of = std::move(subs);
    } else if (key == "anyOf") {
      auto subs = schema_array(value, at, base);
      node().any_of = std::move(subs);
    } else if (key == "oneOf") {
      auto subs = schema_array(value, at, base);
      node().one_of = std::move(subs);
    } else if (key == "not") {
      NodeId sub = compile(value, at, base);
      node().not_ = sub;
    } else if (key == "if") {
      NodeId sub = compile(value, at, base);
      node().if_ = sub;
    } else if (key == "then") {
      NodeId sub = compile(value, at, base);
      node().then_ = sub;
    } else if (key == "else") {
      NodeId sub = compile(value, at, base);
      node().else_ = sub;
    } else if (is_annotation(key)) {
      // accepted and ignored
    } else if (is_unsupported(key)) {
      fail(at, "the keyword '" + std::string(key) + "' is not supported (see docs/json-schema.md)");
    } else if (options_.reject_unknown_keywords) {
      fail(at, "unknown keyword '" + std::string(key) + "'" + std::string(hint_for(key)));
    }
  }

  // ---- Keyword values ------------------------------------------------------------------------

  std::uint8_t types(element value, const std::string& at) {
    auto bit = [&](element name, const std::string& where) -> std::uint8_t {
      std::string_view text;
      if (name.get(text) == simdjson::SUCCESS) {
        if (text == "null") return kNull;
        if (text == "boolean") return kBoolean;
        if (text == "object") return kObject;
        if (text == "array") return kArray;
        if (text == "number") return kNumber;
        if (text == "string") return kString;
        if (text == "integer") return kInteger;
      }
      fail(where, "must be one of \"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\", \"integer\"");
      return 0;
    };
    if (value.type() != element_type::ARRAY) return bit(value, at);
    std::uint8_t bits = 0;
    std::size_t index = 0;
    for (element name : as_array(value)) {
      std::string where = at;
      append_pointer_index(where, index++);
      std::uint8_t b = bit(name, where);
      if (bits & b) fail(where, "repeats a type already listed");
      bits |= b;
    }
    if (index == 0) fail(at, "must list at least one type");
    return bits;
  }

  std::optional<Number> number(element value, const std::string& at) {
    auto n = as_number(value);
    if (!n) fail(at, "must be a number");
    return n;
  }

  // A non-negative integer (1.0 counts as an integer).
  std::optional<std::uint64_t> count(element value, const std::string& at) {
    auto n = as_number(value);
    if (n && is_integral(*n) && compare(*n, Number::of(std::int64_t{0})) >= 0) {
      if (n->kind == Number::Kind::int64) return static_cast<std::uint64_t>(n->i);
      if (n->kind == Number::Kind::uint64) return n->u;
      if (n->d < 18446744073709551616.0) return static_cast<std::uint64_t>(n->d);
    }
    fail(at, "must be a non-negative integer");
    return std::nullopt;
  }

  std::optional<Pattern> pattern(element value, const std::string& at) {
    std::string_view source;
    if (value.get(source)) {
      fail(at, "must be a string (a regular expression)");
      return std::nullopt;
    }
    std::string error;
    auto compiled = Pattern::compile(source, &error);
    if (!compiled) fail(at, "is not a valid regular expression: " + error);
    return compiled;
  }

  std::vector<std::string> string_set(element value, const std::string& at) {
    std::vector<std::string> out;
    if (value.type() != element_type::ARRAY) {
      fail(at, "must be an array of strings");
      return out;
    }
    std::size_t index = 0;
    for (element item : as_array(value)) {
      std::string where = at;
      append_pointer_index(where, index++);
      std::string_view text;
      if (item.get(text)) {
        fail(where, "must be a string");
      } else if (std::find(out.begin(), out.end(), text) != out.end()) {
        fail(where, "repeats '" + std::string(text) + "'");
      } else {
        out.emplace_back(text);
      }
    }
    return out;
  }

  std::vector<NodeId> schema_array(element value, const std::string& at, const std::string& base) {
    std::vector<NodeId> out;
    if (value.type() != element_type::ARRAY) {
      fail(at, "must be a non-empty array of schemas");
      return out;
    }
    std::size_t index = 0;
    for (element item : as_array(value)) {
      std::string where = at;
      append_pointer_index(where, index++);
      out.push_back(compile(item, where, base));
    }
    if (out.empty()) fail(at, "must be a non-empty array of schemas");
    return out;
  }

  std::vector<std::pair<std::string, NodeId>> schema_map(element value, const std::string& at,
                                                         const std::string& base) {
    std::vector<std::pair<std::string, NodeId>> out;
    if (value.type() != element_type::OBJECT) {
      fail(at, "must be an object whose values are schemas");
      return out;
    }
    for (simdjson::dom::key_value_pair member : as_object(value)) {
      std::string where = at;
      append_pointer_token(where, member.key);
      NodeId sub = compile(member.value, where, base);
      out.emplace_back(std::string(member.key), sub);
    }
    return out;
  }

  void pattern_properties(NodeId id, element value, const std::string& at, const std::string& base) {
    if (value.type() != element_type::OBJECT) return fail(at, "must be an object whose values are schemas");
    for (simdjson::dom::key_value_pair member : as_object(value)) {
      std::string where = at;
      append_pointer_token(where, member.key);
      std::string error;
      auto compiled = Pattern::compile(member.key, &error);
      if (!compiled) fail(where, "the name is not a valid regular expression: " + error);
      NodeId sub = compile(member.value, where, base);
      if (compiled) tree_.nodes[id].pattern_properties.emplace_back(std::move(*compiled), sub);
    }
  }

  void dependent_required(NodeId id, element value, const std::string& at) {
    if (value.type() != element_type::OBJECT) return fail(at, "must be an object whose values are arrays of strings");
    for (simdjson::dom::key_value_pair member : as_object(value)) {
      std::string where = at;
      append_pointer_token(where, member.key);
      auto names = string_set(member.value, where);
      tree_.nodes[id].dependent_required.emplace_back(std::string(member.key), std::move(names));
    }
  }

  // ---- $ref ----------------------------------------------------------------------------------

  NodeId resolve(const PendingRef& ref) {
    std::string error;
    auto uri = resolve_uri(ref.base, ref.reference, &error);
    if (!uri) {
      fail(ref.location, error);
      return kNoNode;
    }
    auto resource = resources_.find(uri->base);
    if (resource == resources_.end()) {
      fail(ref.location, "cannot resolve '" + ref.reference + "': no schema in this document has the $id '" +
                             uri->base + "' (remote references are not fetched)");
      return kNoNode;
    }
    std::string target;
    if (uri->fragment.empty()) {
      target = resource->second;
    } else if (uri->fragment[0] == '/') {
      target = resource->second + uri->fragment;  // a JSON Pointer from the resource's root
    } else {
      auto anchor = anchors_.find(uri->base + "#" + uri->fragment);
      if (anchor == anchors_.end()) {
        fail(ref.location,
             "cannot resolve '" + ref.reference + "': no $anchor '" + uri->fragment + "' in '" + uri->base + "'");
        return kNoNode;
      }
      target = anchor->second;
    }
    if (auto found = by_location_.find(target); found != by_location_.end()) return found->second;
    element value;
    if (tree_.document.root().at_pointer(target).get(value)) {
      fail(ref.location, "cannot resolve '" + ref.reference + "': nothing at '" + target + "' in this document");
      return kNoNode;
    }
    return compile(value, target, uri->base);
  }

  // ---- Endless evaluation --------------------------------------------------------------------

  // The subschemas a node applies to the very same instance. A cycle of these edges means that
  // evaluation would recurse for ever without moving into the instance.
  static std::vector<NodeId> in_place(const Node& n) {
    std::vector<NodeId> out;
    for (NodeId x : {n.ref, n.not_, n.if_, n.then_, n.else_}) {
      if (x != kNoNode) out.push_back(x);
    }
    for (const auto* list : {&n.all_of, &n.any_of, &n.one_of}) out.insert(out.end(), list->begin(), list->end());
    for (const auto& [name, x] : n.dependent_schemas) out.push_back(x);
    return out;
  }

  void find_endless_cycles() {
    enum Color : std::uint8_t { white, grey, black };
    std::vector<Color> color(tree_.nodes.size(), white);
    std::vector<std::vector<NodeId>> edges(tree_.nodes.size());
    for (std::size_t i = 0; i < tree_.nodes.size(); ++i) edges[i] = in_place(tree_.nodes[i]);
    // Depth-first, with an explicit stack of (node, next edge).
    std::vector<std::pair<NodeId, std::size_t>> stack;
    for (NodeId start = 0; start < tree_.nodes.size(); ++start) {
      if (color[start] != white) continue;
      stack.emplace_back(start, 0);
      color[start] = grey;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next == edges[node].size()) {
          color[node] = black;
          stack.pop_back();
          continue;
        }
        NodeId to = edges[node][next++];
        if (color[to] == grey) {
          return fail(tree_.nodes[to].location,
                      "this schema applies itself to the same value again (through $ref, allOf, anyOf, oneOf, not, "
                      "if/then/else or dependentSchemas), so validation would never end");
        }
        if (color[to] == white) {
          color[to] = grey;
          stack.emplace_back(to, 0);
        }
      }
    }
  }

  SchemaTree& tree_;
  const CompileOptions& options_;
  std::vector<Violation> errors_;
  std::unordered_map<std::string, NodeId> by_location_;
  std::unordered_map<std::string, std::string> resources_;  // absolute URI -> location of its schema
  std::unordered_map<std::string, std::string> anchors_;    // absolute URI#name -> location
  std::vector<PendingRef> pending_;
};

}  // namespace
}  // namespace detail

Result<Schema> Schema::compile(std::string_view schema_json, const CompileOptions& options) {
  auto document = parse(schema_json, options.limits);
  if (!document) {
    Status status = document.status();
    std::vector<Violation> violations = status.violations();
    if (violations.empty()) violations.push_back(Violation{"", std::string(status.message())});
    return Status::invalid_argument("invalid schema: " + std::string(status.message()), std::move(violations));
  }
  auto tree = std::make_shared<detail::SchemaTree>(std::move(*document));
  if (Status status = detail::Compiler(*tree, options).run(); !status) return status;
  return Schema(std::move(tree));
}

}  // namespace sijill::json
