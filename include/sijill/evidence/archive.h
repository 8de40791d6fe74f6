// The evidence pack as one file for the HTTP API: a ZIP archive (libarchive, deflate), which
// Windows, macOS and Linux open without extra software.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "sijill/util/status.h"

namespace sijill::evidence {

// Writes `names` (files of `dir`, in that order) into the ZIP archive `zip`, each as
// `<folder>/<name>` with mode 0644 and the modification time `mtime`. unavailable, naming the
// file, when a file cannot be read or the archive cannot be written.
Status write_zip(const std::filesystem::path& dir, const std::vector<std::string>& names, const std::string& folder,
                 std::chrono::system_clock::time_point mtime, const std::filesystem::path& zip);

}  // namespace sijill::evidence
