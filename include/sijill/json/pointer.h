// JSON Pointers (RFC 6901): how sijill names a place in a JSON document.
//
// Every violation the JSON layer reports (a limit, a duplicate key, a schema keyword) carries the
// pointer of the offending value in the request body: "" is the whole document, "/scores/0" the
// first item of the member "scores". Within a token, '~' is written "~0" and '/' is written "~1".
// This header does not include simdjson.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace sijill::json {

// Appends "/" and `key` to `pointer`, escaping '~' as "~0" and '/' as "~1".
// Example: append_pointer_token(p = "/a", "x/y") leaves p == "/a/x~1y".
void append_pointer_token(std::string& pointer, std::string_view key);

// Appends "/" and the decimal `index` (an array position) to `pointer`.
void append_pointer_index(std::string& pointer, std::size_t index);

// The pointer made of `tokens`, each escaped: make_pointer({"a~b", "c"}) == "/a~0b/c".
// make_pointer({}) == "" (the whole document).
std::string make_pointer(std::initializer_list<std::string_view> tokens);

}  // namespace sijill::json
