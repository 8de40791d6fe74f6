// Regular expressions of the "pattern" and "patternProperties" keywords.
//
// Internal to sijill_json. JSON Schema patterns are ECMA-262 regular expressions; they run here on
// Boost.Regex in its ECMAScript mode over UTF-32 (a pattern and a subject are decoded from UTF-8
// first, so "." and character classes see code points, not bytes), with ECMA-262's defaults: "^"
// and "$" match only at the ends of the subject and "." does not match a line terminator; \d, \w
// and \b are ASCII, as in ECMA-262. Unicode property escapes (\p{L}, \p{Script=Arabic}, \P{...})
// are expanded into classes of code points from ICU's character database before compiling.
// Boost.Regex matches without recursion and gives up with an error, instead of running for ever or
// overflowing the stack, on catastrophic patterns. docs/json-schema.md lists what differs from
// ECMA-262.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sijill::json::detail {

class Pattern {
 public:
  // Compiles `source`; on failure returns nothing and sets *error to Boost.Regex's reason.
  static std::optional<Pattern> compile(std::string_view source, std::string* error);

  // Whether the pattern matches somewhere in `subject` (UTF-8; patterns are not anchored).
  // Returns nothing when the matcher gave up (the pattern is too complex for this subject).
  std::optional<bool> search(std::string_view subject) const;

  const std::string& source() const { return source_; }

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::string source_;
};

}  // namespace sijill::json::detail
