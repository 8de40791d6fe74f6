// The compiled form of a JSON Schema: a flat vector of nodes, one per (sub)schema, that refer to
// each other by index (so $ref cycles are plain indices).
//
// Internal to sijill_json: schema_compile.cpp builds it, schema_validate.cpp walks it.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "number.h"
#include "pattern.h"
#include "sijill/json/parse.h"

namespace sijill::json::detail {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = std::numeric_limits<NodeId>::max();

// Bits of the "type" keyword.
enum TypeBit : std::uint8_t {
  kNull = 1 << 0,
  kBoolean = 1 << 1,
  kObject = 1 << 2,
  kArray = 1 << 3,
  kNumber = 1 << 4,
  kString = 1 << 5,
  kInteger = 1 << 6,
};

struct Node {
  std::string location;  // JSON Pointer of this schema in the schema document

  // A boolean schema: true accepts everything, false nothing.
  bool is_boolean = false;
  bool boolean_value = true;

  NodeId ref = kNoNode;  // $ref, resolved

  std::uint8_t types = 0;  // "type" as TypeBits; 0 when absent
  bool has_enum = false;
  std::vector<simdjson::dom::element> enum_values;  // elements of the schema document
  std::optional<simdjson::dom::element> const_value;

  std::optional<Number> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;

  std::optional<std::uint64_t> min_length, max_length;  // in code points
  std::optional<Pattern> pattern;

  std::vector<NodeId> prefix_items;
  NodeId items = kNoNode;
  NodeId contains = kNoNode;
  std::optional<std::uint64_t> min_contains, max_contains, min_items, max_items;
  bool unique_items = false;

  std::vector<std::pair<std::string, NodeId>> properties;  // sorted by name
  std::vector<std::pair<Pattern, NodeId>> pattern_properties;
  NodeId additional_properties = kNoNode;
  NodeId property_names = kNoNode;
  std::vector<std::string> required;
  std::optional<std::uint64_t> min_properties, max_properties;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependent_required;
  std::vector<std::pair<std::string, NodeId>> dependent_schemas;

  std::vector<NodeId> all_of, any_of, one_of;
  NodeId not_ = kNoNode;
  NodeId if_ = kNoNode, then_ = kNoNode, else_ = kNoNode;
};

struct SchemaTree {
  explicit SchemaTree(ParsedDocument doc) : document(std::move(doc)) {}
  ParsedDocument document;  // the schema's JSON: enum and const values point into it
  std::vector<Node> nodes;
  NodeId root = kNoNode;
};

}  // namespace sijill::json::detail
