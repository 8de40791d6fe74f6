// Query parameters of a request target, for the routes (private to src/server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/url/url_view.hpp>

#include "sijill/util/status.h"

namespace sijill::server {

// A query parameter as an unsigned integer (nullopt when absent); invalid_argument names it.
Result<std::optional<std::uint64_t>> query_u64(const boost::urls::url_view& u, std::string_view name);

// A query parameter's decoded value; empty when absent.
std::string query_string(const boost::urls::url_view& u, std::string_view name);

}  // namespace sijill::server
