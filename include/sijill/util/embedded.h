// Files embedded in the binary at build time (cmake/Embed.cmake): the JSON Schemas, the default
// programme, the dashboard page. Keys are paths relative to the project root
// ("schemas/programmes/cap-2026.json"); values live for the whole program.
#pragma once

#include <map>
#include <string_view>

namespace sijill::embedded {

const std::map<std::string_view, std::string_view>& files();

// The dashboard page (src/web/: HTML, JavaScript modules, CSS), served by the HTTP server at `/`.
// Keys as above ("src/web/app.js"). Defined by the sijill_web_assets library.
const std::map<std::string_view, std::string_view>& web_files();

}  // namespace sijill::embedded
