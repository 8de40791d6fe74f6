// JSON Schema (draft 2020-12) validation of parsed JSON.
//
// A Schema is compiled once from its JSON text into an internal tree (keywords checked, patterns
// compiled, $ref resolved, numbers converted), then validates any number of instances without
// reading the schema text again. Validation reports EVERY violation, each with the JSON Pointer
// (RFC 6901) of the offending value in the instance and a message a person can act on:
//   /scores/pertinence   must be at most 30 (got 31)
//   /applicant           required property 'region' is missing
//   /sector              must be one of: "omi", "agr" (got "fish")
// docs/json-schema.md lists the supported keywords, the message of each, and what is not
// supported ($dynamicRef, unevaluatedProperties and unevaluatedItems, remote references).
//
// This header does not include simdjson; the overloads taking a simdjson::dom::element need
// sijill/json/dom.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/json/parse.h"
#include "sijill/util/status.h"

namespace sijill::json {

namespace detail {
struct SchemaTree;  // the compiled form, defined in the implementation
}

struct CompileOptions {
  // A keyword that draft 2020-12 does not define (a typo such as "requried", or "definitions" from
  // an older draft) is refused when true, and ignored as an annotation when false. Keywords that
  // are defined but not supported ($dynamicRef, unevaluatedProperties, ...) are always refused.
  bool reject_unknown_keywords = true;
  // The base URI of the schema when its root has no $id; relative $id and $ref resolve against it.
  std::string base_uri = "urn:sijill:schema";
  // Limits on the schema text itself (schemas are written by the project, not by clients).
  Limits limits = {.max_body_bytes = std::size_t{16} << 20,
                   .max_depth = 512,
                   .max_string_bytes = std::size_t{1} << 20,
                   .max_array_elements = std::size_t{1} << 20,
                   .max_object_members = std::size_t{1} << 20,
                   .max_violations = 100};
};

// A compiled schema. Immutable once compiled: copies share the compiled tree, and any number of
// threads may validate with one Schema at the same time.
class Schema {
 public:
  // Compiles `schema_json`, the text of a draft 2020-12 schema (an object or a boolean).
  // Returns the schema, or Status::invalid_argument whose violations point into the schema text
  // (e.g. {"/properties/age/minimum", "must be a number"}) when it is not valid JSON, breaks
  // options.limits, is not a valid schema, uses an unsupported or (by default) an unknown
  // keyword, declares a $schema other than draft 2020-12, has a $ref that does not resolve
  // within the document (remote references are not fetched), has a pattern that does not compile,
  // or has a cycle of $ref that never moves into the instance (so validation would never end).
  static Result<Schema> compile(std::string_view schema_json, const CompileOptions& options = {});

  // Validates a whole parsed document.
  // Returns ok when it matches, else Status::invalid_argument("the body does not match its
  // schema", violations) listing every violation, in the order the schema's keywords find them.
  Status validate(const ParsedDocument& document) const;

  // Every violation of `instance` (an element of any document; needs sijill/json/dom.h); empty
  // when it matches. Paths are JSON Pointers into the instance, each prefixed with `base_path`
  // (pass the pointer of `instance` when it is not the root of its document).
  std::vector<Violation> violations(const simdjson::dom::element& instance, std::string_view base_path = "") const;

  // Whether `instance` matches; faster than violations() as it stops at the first failure.
  bool is_valid(const simdjson::dom::element& instance) const;

 private:
  explicit Schema(std::shared_ptr<const detail::SchemaTree> tree) : tree_(std::move(tree)) {}
  std::shared_ptr<const detail::SchemaTree> tree_;
};

}  // namespace sijill::json
