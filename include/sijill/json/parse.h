// Parsing a request body into a JSON document, within limits.
//
// parse() is the only way JSON from outside (a command's body, an import line) enters sijill. It
// accepts exactly RFC 8259 JSON in UTF-8 and refuses, before anything reads the values:
//   - a body over Limits::max_body_bytes -> Code::too_large, nothing parsed.
//   - malformed or truncated JSON, invalid UTF-8 (overlong forms, encoded surrogates, code points
//     above U+10FFFF, stray or missing continuation bytes, bytes 0xF5 to 0xFF), an invalid escape
//     or a \u escape that is half of a UTF-16 surrogate pair, an unescaped control character in a
//     string, a number outside the range of int64, uint64 and double, data after the value, an
//     empty body -> Code::invalid_argument with one Violation at path "" whose message says what
//     and where: "unexpected end of input (the JSON is truncated) at byte 42 (line 3, column 7)"
//     (byte offsets from 0; lines and columns, in bytes, from 1).
//   - nesting deeper than Limits::max_depth, checked while parsing, without recursion (a
//     10,000-deep array is refused at the byte where it gets too deep; an empty array or object
//     one level too deep is reported with its JSON Pointer instead) -> Code::invalid_argument.
//   - a string or key longer than max_string_bytes, an array longer than max_array_elements, an
//     object with more than max_object_members members, a key that appears twice in one object
//     (compared after unescaping) -> Code::invalid_argument with one Violation per offence, at the
//     JSON Pointer (RFC 6901) of the offending value, e.g. {"/applicant/name", "duplicate key: ..."};
//     at most max_violations of them.
// The Status's message is a title: "the body is not valid JSON: <the violation>" for a syntax error,
// "the body breaks the limits on JSON input" for the others.
//
// This header does not include simdjson. Code that walks the values includes sijill/json/dom.h,
// which declares what is needed to call ParsedDocument::root().
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "sijill/util/status.h"

namespace simdjson::dom {
class element;
}

namespace sijill::json {

// Input limits. The defaults are those of a command body (API.md: 413 above 1 MiB).
struct Limits {
  std::size_t max_body_bytes = std::size_t{1} << 20;     // whole body, in bytes
  std::size_t max_depth = 64;                            // nested arrays and objects; a scalar is 0, [] is 1
  std::size_t max_string_bytes = std::size_t{64} << 10;  // a string or key, in bytes of UTF-8 after unescaping
  std::size_t max_array_elements = 10'000;               // elements of one array
  std::size_t max_object_members = 1'000;                // members of one object
  std::size_t max_violations = 100;                      // parse() stops listing offences after this many
};

// A parsed JSON document: immutable, owns all its values (nothing points into the body it was
// parsed from, which may be freed). Move-only; moving does not invalidate elements taken from it.
// Any number of threads may read one document at the same time.
class ParsedDocument {
 public:
  ParsedDocument(ParsedDocument&&) noexcept;
  ParsedDocument& operator=(ParsedDocument&&) noexcept;
  ~ParsedDocument();

  // The root value (include sijill/json/dom.h to call this). The element and every element
  // reached from it stay valid as long as this document lives.
  simdjson::dom::element root() const;

  // The size in bytes of the body this document was parsed from.
  std::size_t body_bytes() const;

 private:
  struct Impl;
  explicit ParsedDocument(std::unique_ptr<Impl> impl);
  friend Result<ParsedDocument> parse(std::string_view body, const Limits& limits);
  std::unique_ptr<Impl> impl_;
};

// Parses `body` (UTF-8 JSON text, no byte-order mark) within `limits`.
// Returns the document, or:
//   - Status::too_large when body.size() > limits.max_body_bytes (nothing is parsed);
//   - Status::invalid_argument with the violations listed at the top of this file.
// Thread-safe: each thread reuses its own internal parser (whose buffers grow to the largest body
// that thread has parsed and are kept for the next call).
Result<ParsedDocument> parse(std::string_view body, const Limits& limits = {});

}  // namespace sijill::json
