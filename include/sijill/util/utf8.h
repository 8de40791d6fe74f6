// UTF-8 checks for text that leaves sijill in JSON (RFC 8259 requires UTF-8).
//
// Input that reaches a message may be any bytes (a percent-decoded path, a header), and
// Boost.JSON writes strings byte for byte: text echoed into a problem+json detail or a record
// passes through here first.
#pragma once

#include <string>
#include <string_view>

namespace sijill {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong form, no surrogate, nothing
// above U+10FFFF, no truncated sequence).
bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD;
// valid text comes back unchanged.
std::string to_valid_utf8(std::string_view text);

}  // namespace sijill
