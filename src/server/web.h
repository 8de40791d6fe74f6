// The dashboard page (src/web/, embedded in the binary at build time) as HTTP responses
// (private to src/server): `GET /` is the page, `GET /ui/<file>` its modules and style sheet.
//
// Every answer carries a strict Content-Security-Policy (scripts, styles and connections from
// this origin only; no inline script or style), nosniff, no referrer, no framing; and a strong
// ETag computed from the file's bytes, with `Cache-Control: no-cache`, so a browser revalidates
// (304) and never runs a stale module after an upgrade.
#pragma once

#include <optional>
#include <string_view>

#include "api.h"

namespace sijill::server {

// The page's answer to `request` (whose decoded path is `path`), or nullopt when the path is not
// the page's ("/", "/index.html", "/ui/..."). Methods other than GET: 405.
std::optional<ApiResponse> web_response(const ApiRequest& request, std::string_view path);

}  // namespace sijill::server
