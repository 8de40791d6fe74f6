// The document store: files kept by their content's SHA-256, beside the log
// (DOMAIN.md: "Documents are stored content-addressed (SHA-256); events carry the digest, so
// the hash chain also vouches for the documents").
//
// Layout, under the data folder:
//
//   <data>/documents/<first 2 hex digits>/<64 hex digits>     the file's bytes, as received
//
// A file is written to a temporary file in <data>/documents/ (same file system), fsynced,
// renamed to its name, and its folder fsynced (and <data>/documents/ when the two-digit
// folder is new), all before put() returns: a digest that put() returned names durable bytes,
// so an event may cite it. Storing bytes that are already there changes nothing (the
// temporary file is removed). Nothing is ever deleted or overwritten.
//
// Threads: several threads or processes may put() at once (each writes its own temporary
// file; rename is atomic). Files are at most kMaxDocumentBytes, as PUT /v1/documents takes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "sijill/util/status.h"

namespace sijill::importer {

inline constexpr std::uint64_t kMaxDocumentBytes = std::uint64_t{50} << 20;  // 50 MiB

struct StoredDocument {
  std::string sha256;           // 64 lower-case hex digits
  std::uint64_t size = 0;       // bytes
  std::filesystem::path path;   // where it is stored
  bool already_stored = false;  // the same bytes were there before
};

class DocumentStore {
 public:
  // The store of the data folder `data_dir` (documents live in <data_dir>/documents). Nothing
  // is created until the first put().
  explicit DocumentStore(std::filesystem::path data_dir);

  // Stores the bytes read from `in` until its end. Errors: too_large over kMaxDocumentBytes
  // (nothing kept), unavailable when a read, write, fsync or rename fails (nothing named).
  Result<StoredDocument> put(std::istream& in);
  // Opens `file` and put()s it; not_found when it cannot be opened.
  Result<StoredDocument> put_file(const std::filesystem::path& file);

  // Where the document with this digest is (or would be) stored.
  std::filesystem::path path_of(std::string_view sha256) const;
  // True when a document with this digest is stored.
  bool contains(std::string_view sha256) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // <data_dir>/documents
};

}  // namespace sijill::importer
