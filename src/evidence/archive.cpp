#include "sijill/evidence/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>

namespace sijill::evidence {

Status write_zip(const std::filesystem::path& dir, const std::vector<std::string>& names, const std::string& folder,
                 std::chrono::system_clock::time_point mtime, const std::filesystem::path& zip) {
  std::unique_ptr<struct archive, decltype(&archive_write_free)> a(archive_write_new(), &archive_write_free);
  if (!a) return Status::unavailable("cannot start the archive: out of memory");
  auto failed = [&](const std::string& what) {
    const char* why = archive_error_string(a.get());
    return Status::unavailable(what + ": " + (why ? why : "unknown error"));
  };
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK ||
      archive_write_zip_set_compression_deflate(a.get()) != ARCHIVE_OK) {
    return failed("cannot set up the ZIP format");
  }
  if (archive_write_open_filename(a.get(), zip.c_str()) != ARCHIVE_OK) return failed("cannot write " + zip.string());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(mtime.time_since_epoch()).count();
  std::vector<char> buffer(1 << 16);
  for (const auto& name : names) {
    const auto path = dir / name;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return Status::unavailable("cannot read " + path.string() + ": " + ec.message());
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::unavailable("cannot read " + path.string());
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                               &archive_entry_free);
    archive_entry_set_pathname(entry.get(), (folder + "/" + name).c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(seconds), 0);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) return failed("cannot add " + name);
    std::uint64_t done = 0;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = in.gcount();
      if (n <= 0) break;
      if (archive_write_data(a.get(), buffer.data(), static_cast<std::size_t>(n)) != n) {
        return failed("cannot add " + name);
      }
      done += static_cast<std::uint64_t>(n);
    }
    if (in.bad() || done != size) return Status::unavailable("cannot read " + path.string());
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return failed("cannot finish " + zip.string());
  return Status::ok();
}

}  // namespace sijill::evidence
