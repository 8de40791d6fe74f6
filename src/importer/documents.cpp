#include "sijill/importer/documents.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "sijill/store/record.h"

namespace sijill::importer {

namespace {

Status sys_error(const std::string& what) { return Status::unavailable(what + ": " + std::strerror(errno)); }

// fsyncs a folder, so that a name created or renamed in it is durable.
Status sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error("cannot open " + dir.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return sys_error("cannot fsync " + dir.string());
  return Status::ok();
}

// Creates `dir` when missing, and makes its name durable in its parent.
Status ensure_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0750) == 0) return sync_dir(dir.parent_path());
  if (errno == EEXIST) return Status::ok();
  return sys_error("cannot create " + dir.string());
}

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct Digest {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

}  // namespace

DocumentStore::DocumentStore(std::filesystem::path data_dir) : root_(std::move(data_dir) / "documents") {}

std::filesystem::path DocumentStore::path_of(std::string_view sha256) const {
  return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

bool DocumentStore::contains(std::string_view sha256) const {
  std::error_code ec;
  return is_hex_digest(sha256) && std::filesystem::is_regular_file(path_of(sha256), ec);
}

Result<StoredDocument> DocumentStore::put(std::istream& in) {
  if (auto st = ensure_dir(root_); !st) return st;
  std::string tmp = (root_ / ".incoming-XXXXXX").string();
  Fd out;
  out.fd = ::mkstemp(tmp.data());
  if (out.fd < 0) return sys_error("cannot create a temporary file in " + root_.string());
  bool keep_tmp = false;
  struct Cleanup {
    const std::string& path;
    bool& keep;
    ~Cleanup() {
      if (!keep) ::unlink(path.c_str());
    }
  } cleanup{tmp, keep_tmp};
  ::fchmod(out.fd, 0640);

  Digest digest;
  if (!digest.ctx || EVP_DigestInit_ex(digest.ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Status::internal("SHA-256 is not available");
  }
  std::vector<char> buffer(1 << 16);
  std::uint64_t size = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    size += n;
    if (size > kMaxDocumentBytes) {
      return Status::too_large("the document is over " + std::to_string(kMaxDocumentBytes >> 20) + " MiB");
    }
    if (EVP_DigestUpdate(digest.ctx.get(), buffer.data(), n) != 1) return Status::internal("SHA-256 failed");
    for (std::size_t written = 0; written < n;) {
      const auto w = ::write(out.fd, buffer.data() + written, n - written);
      if (w < 0) {
        if (errno == EINTR) continue;
        return sys_error("cannot write " + tmp);
      }
      written += static_cast<std::size_t>(w);
    }
  }
  if (in.bad()) return Status::unavailable("cannot read the document");
  store::Hash hash{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(digest.ctx.get(), hash.data(), &len) != 1 || len != hash.size()) {
    return Status::internal("SHA-256 failed");
  }
  if (::fsync(out.fd) != 0) return sys_error("cannot fsync " + tmp);
  ::close(out.fd);
  out.fd = -1;

  StoredDocument doc;
  doc.sha256 = store::to_hex(hash);
  doc.size = size;
  doc.path = path_of(doc.sha256);
  const auto folder = doc.path.parent_path();
  if (auto st = ensure_dir(folder); !st) return st;
  std::error_code ec;
  if (std::filesystem::is_regular_file(doc.path, ec)) {
    doc.already_stored = true;  // the same bytes, by their digest: keep the first copy
    return doc;
  }
  if (::rename(tmp.c_str(), doc.path.c_str()) != 0)
    return sys_error("cannot rename " + tmp + " to " + doc.path.string());
  keep_tmp = true;  // it is the document now
  if (auto st = sync_dir(folder); !st) return st;
  if (auto st = sync_dir(root_); !st) return st;  // the temporary name is gone for good
  return doc;
}

Result<StoredDocument> DocumentStore::put_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return Status::not_found(file.string() + " is not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + file.string() + ": " + std::strerror(errno));
  return put(in);
}

}  // namespace sijill::importer
