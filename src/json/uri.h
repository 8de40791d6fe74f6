// URI references of $id and $ref (RFC 3986), resolved with Boost.URL.
//
// Internal to sijill_json.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sijill::json::detail {

struct ResolvedUri {
  std::string base;      // absolute URI without its fragment, normalised (RFC 3986 section 6.2.2)
  std::string fragment;  // percent-decoded; empty when there is none or it is empty
};

// Resolves `reference` against the absolute URI `base` (RFC 3986 section 5.2).
// Returns nothing, and sets *error, when either does not parse as a URI reference.
std::optional<ResolvedUri> resolve_uri(std::string_view base, std::string_view reference, std::string* error);

}  // namespace sijill::json::detail
