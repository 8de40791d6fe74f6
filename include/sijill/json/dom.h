// Walking parsed JSON: simdjson's DOM, and the comparisons JSON Schema defines on it.
//
// Include this header only in the few files that read values out of a ParsedDocument; the rest of
// sijill includes parse.h and schema.h, which keep simdjson out of sight.
//
//   auto doc = sijill::json::parse(body);
//   if (!doc) return doc.status();
//   simdjson::dom::element root = doc->root();
//   std::string_view region;
//   if (root["region"].get(region) == simdjson::SUCCESS) { ... }
//
// Elements are cheap handles (two words) into their document; they are valid as long as the
// ParsedDocument they came from lives.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "sijill/json/parse.h"
#include "sijill/json/schema.h"

namespace sijill::json {

// JSON equality as JSON Schema defines it (enum, const, uniqueItems): numbers are equal when their
// mathematical values are (1, 1.0 and 1e0 are equal; int64, uint64 and double compared exactly,
// without rounding through double); strings when their UTF-8 bytes are; arrays item by item;
// objects when they have the same keys with equal values, in any order.
bool equal(simdjson::dom::element a, simdjson::dom::element b);

// A hash consistent with equal(): equal values hash alike (1 and 1.0 included).
std::size_t hash(simdjson::dom::element value);

// The JSON Schema type of `value`: "null", "boolean", "object", "array", "string", "integer" (an
// int64, a uint64, or a double with no fractional part, such as 1.0) or "number" (any other).
std::string_view type_name(simdjson::dom::element value);

// Compact JSON text of `value`, as simdjson serialises it (strings escaped by simdjson).
std::string to_json(simdjson::dom::element value);

}  // namespace sijill::json
