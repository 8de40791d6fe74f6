#include "sijill/util/files.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace sijill::util {

namespace {

Status sys_error(const std::string& what) { return Status::unavailable(what + ": " + std::strerror(errno)); }

}  // namespace

Status sync_directory(const std::filesystem::path& dir) {
  const auto name = dir.empty() ? std::filesystem::path(".") : dir;
  int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error("cannot open " + name.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return sys_error("cannot fsync " + name.string());
  return Status::ok();
}

Status write_file_durably(const std::filesystem::path& path, std::string_view bytes, unsigned mode) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return sys_error("cannot write " + tmp.string());
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto st = sys_error("cannot write " + tmp.string());
      ::close(fd);
      return st;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto st = sys_error("cannot fsync " + tmp.string());
    ::close(fd);
    return st;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return sys_error("cannot replace " + path.string());
  return sync_directory(path.parent_path());
}

}  // namespace sijill::util
