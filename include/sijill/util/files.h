// Durable file writes: what a reader finds after a crash is the old file or the new one, whole.
#pragma once

#include <filesystem>
#include <string_view>

#include "sijill/util/status.h"

namespace sijill::util {

// Writes `bytes` to `path` by way of a temporary file beside it (`<path>.tmp`): write, fsync,
// rename over `path`, fsync the folder. Files are created with mode `mode` (before the umask).
// unavailable, naming the file and the system's reason, when any step fails.
Status write_file_durably(const std::filesystem::path& path, std::string_view bytes, unsigned mode = 0644);

// fsyncs a folder, so that names created, renamed or removed in it are durable.
Status sync_directory(const std::filesystem::path& dir);

}  // namespace sijill::util
