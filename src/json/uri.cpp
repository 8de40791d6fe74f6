#include "uri.h"

#include <boost/url.hpp>

namespace sijill::json::detail {

std::optional<ResolvedUri> resolve_uri(std::string_view base, std::string_view reference, std::string* error) {
  auto parsed_base = boost::urls::parse_uri(base);
  if (!parsed_base) {
    *error = "the base URI '" + std::string(base) + "' is not an absolute URI";
    return std::nullopt;
  }
  auto parsed_reference = boost::urls::parse_uri_reference(reference);
  if (!parsed_reference) {
    *error = "'" + std::string(reference) + "' is not a URI reference";
    return std::nullopt;
  }
  boost::urls::url resolved;
  if (auto result = boost::urls::resolve(*parsed_base, *parsed_reference, resolved); !result) {
    *error = "cannot resolve '" + std::string(reference) + "' against '" + std::string(base) + "'";
    return std::nullopt;
  }
  resolved.normalize();
  ResolvedUri out;
  if (resolved.has_fragment()) out.fragment = std::string(resolved.fragment());
  resolved.remove_fragment();
  out.base = std::string(resolved.buffer());
  return out;
}

}  // namespace sijill::json::detail
