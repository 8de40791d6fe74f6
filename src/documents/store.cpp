#include "sijill/documents/store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace sijill::documents {

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

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

Status too_large(std::uint64_t limit) {
  return Status::too_large("the document is over " + std::to_string(limit >> 20) + " MiB");
}

}  // namespace

bool is_digest(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

struct Upload::Impl {
  std::filesystem::path root;
  std::string tmp;  // the temporary file; empty once removed or renamed
  int fd = -1;
  std::uint64_t limit = kMaxDocumentBytes;
  std::uint64_t size = 0;
  bool finished = false;  // committed, aborted or failed
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> digest{EVP_MD_CTX_new(), EVP_MD_CTX_free};

  ~Impl() { discard(); }

  void discard() {
    finished = true;
    if (fd >= 0) ::close(fd);
    fd = -1;
    if (!tmp.empty()) ::unlink(tmp.c_str());
    tmp.clear();
  }

  // Fails the upload: nothing is kept.
  Status fail(Status st) {
    discard();
    return st;
  }
};

Upload::Upload(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Upload::Upload(Upload&&) noexcept = default;
Upload& Upload::operator=(Upload&&) noexcept = default;
Upload::~Upload() = default;

std::uint64_t Upload::size() const { return impl_ ? impl_->size : 0; }

void Upload::abort() {
  if (impl_) impl_->discard();
}

Status Upload::write(const void* data, std::size_t n) {
  if (!impl_ || impl_->finished) return Status::internal("the upload is finished");
  auto& d = *impl_;
  if (n > d.limit - d.size) return d.fail(too_large(d.limit));
  d.size += n;
  if (EVP_DigestUpdate(d.digest.get(), data, n) != 1) return d.fail(Status::internal("SHA-256 failed"));
  const auto* bytes = static_cast<const char*>(data);
  for (std::size_t written = 0; written < n;) {
    const auto w = ::write(d.fd, bytes + written, n - written);
    if (w < 0) {
      if (errno == EINTR) continue;
      return d.fail(sys_error("cannot write " + d.tmp));
    }
    written += static_cast<std::size_t>(w);
  }
  return Status::ok();
}

Result<StoredDocument> Upload::commit() {
  if (!impl_ || impl_->finished) return Status::internal("the upload is finished");
  auto& d = *impl_;
  std::array<unsigned char, 32> hash{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(d.digest.get(), hash.data(), &len) != 1 || len != hash.size()) {
    return d.fail(Status::internal("SHA-256 failed"));
  }
  if (::fsync(d.fd) != 0) return d.fail(sys_error("cannot fsync " + d.tmp));
  ::close(d.fd);
  d.fd = -1;

  StoredDocument doc;
  doc.sha256 = to_hex(hash.data(), hash.size());
  doc.size = d.size;
  doc.path = d.root / doc.sha256.substr(0, 2) / doc.sha256;
  const auto folder = doc.path.parent_path();
  if (auto st = ensure_dir(folder); !st) return d.fail(st);
  std::error_code ec;
  if (std::filesystem::is_regular_file(doc.path, ec)) {
    doc.already_stored = true;  // the same bytes, by their digest: keep the first copy
    d.discard();
    return doc;
  }
  if (::rename(d.tmp.c_str(), doc.path.c_str()) != 0) {
    return d.fail(sys_error("cannot rename " + d.tmp + " to " + doc.path.string()));
  }
  d.tmp.clear();  // it is the document now
  d.finished = true;
  if (auto st = sync_dir(folder); !st) return st;
  if (auto st = sync_dir(d.root); !st) return st;  // the temporary name is gone for good
  return doc;
}

DocumentStore::DocumentStore(std::filesystem::path data_dir) : root_(std::move(data_dir) / "documents") {}

std::filesystem::path DocumentStore::path_of(std::string_view sha256) const {
  return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

bool DocumentStore::contains(std::string_view sha256) const {
  std::error_code ec;
  return is_digest(sha256) && std::filesystem::is_regular_file(path_of(sha256), ec);
}

Result<Upload> DocumentStore::begin(std::uint64_t limit) const {
  if (auto st = ensure_dir(root_); !st) return st;
  auto impl = std::make_unique<Upload::Impl>();
  impl->root = root_;
  impl->limit = limit;
  if (!impl->digest || EVP_DigestInit_ex(impl->digest.get(), EVP_sha256(), nullptr) != 1) {
    return Status::internal("SHA-256 is not available");
  }
  std::string tmp = (root_ / ".incoming-XXXXXX").string();
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return sys_error("cannot create a temporary file in " + root_.string());
  impl->fd = fd;
  impl->tmp = std::move(tmp);
  ::fchmod(fd, 0640);
  return Upload(std::move(impl));
}

Result<StoredDocument> DocumentStore::put(std::istream& in) const {
  auto upload = begin();
  if (!upload) return upload.status();
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    if (auto st = upload->write(buffer.data(), n); !st) return st;
  }
  if (in.bad()) return Status::unavailable("cannot read the document");
  return upload->commit();
}

Result<StoredDocument> DocumentStore::put_file(const std::filesystem::path& file) const {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return Status::not_found(file.string() + " is not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + file.string() + ": " + std::strerror(errno));
  return put(in);
}

}  // namespace sijill::documents
