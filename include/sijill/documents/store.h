// The document store: files kept by their content's SHA-256, beside the log
// (DOMAIN.md: "Documents are stored content-addressed (SHA-256); events carry the digest, so
// the hash chain also vouches for the documents").
//
// Layout, under the data folder:
//
//   <data>/documents/<first 2 hex digits>/<64 hex digits>     the file's bytes, as received
//
// A file is written to a temporary file in <data>/documents/ (same file system) while its
// SHA-256 is computed, fsynced, renamed to its name, and its folder fsynced (and
// <data>/documents/ when the two-digit folder is new), all before commit() returns: a digest
// that commit() returned names durable bytes, so an event may cite it. Storing bytes that are
// already there changes nothing (the temporary file is removed). Nothing is ever deleted or
// overwritten. Temporary files are named .incoming-*; an upload that fails or is abandoned
// removes its own.
//
// The server streams PUT /v1/documents into an Upload, chunk by chunk, and `sijill import
// documents` stores files on a stopped data folder with put_file(): both write the same layout.
//
// Threads: several threads or processes may write at once (each upload writes its own
// temporary file; rename is atomic). One Upload is used by one thread at a time. Files are at
// most kMaxDocumentBytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "sijill/util/status.h"

namespace sijill::documents {

inline constexpr std::uint64_t kMaxDocumentBytes = std::uint64_t{50} << 20;  // 50 MiB

struct StoredDocument {
  std::string sha256;           // 64 lower-case hex digits
  std::uint64_t size = 0;       // bytes
  std::filesystem::path path;   // where it is stored
  bool already_stored = false;  // the same bytes were there before
};

// True for 64 lower-case hexadecimal digits (the only names the store has).
bool is_digest(std::string_view text);

// One document being written: its temporary file and the SHA-256 of the bytes so far. The
// destructor removes the temporary file unless commit() succeeded.
class Upload {
 public:
  Upload(Upload&&) noexcept;
  Upload& operator=(Upload&&) noexcept;
  ~Upload();

  // Appends `n` bytes. Errors: too_large when the document would go over its limit (the
  // temporary file is removed at once: nothing is kept), unavailable when the write fails.
  // After an error the upload is finished: every later call fails.
  Status write(const void* data, std::size_t n);
  // fsyncs the bytes, names the file by its digest and makes the name durable. Call once.
  Result<StoredDocument> commit();
  // Removes the temporary file now (also what the destructor does).
  void abort();

  std::uint64_t size() const;

 private:
  friend class DocumentStore;
  struct Impl;
  explicit Upload(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DocumentStore {
 public:
  // The store of the data folder `data_dir` (documents live in <data_dir>/documents). Nothing
  // is created until the first upload.
  explicit DocumentStore(std::filesystem::path data_dir);

  // Starts a document of at most `limit` bytes: creates <data>/documents/ when missing and a
  // temporary file in it. unavailable when either fails.
  Result<Upload> begin(std::uint64_t limit = kMaxDocumentBytes) const;

  // Stores the bytes read from `in` until its end (begin, write, commit). Errors: too_large
  // over kMaxDocumentBytes (nothing kept), unavailable when a read, write, fsync or rename
  // fails (nothing named).
  Result<StoredDocument> put(std::istream& in) const;
  // Opens `file` and put()s it; not_found when it cannot be opened.
  Result<StoredDocument> put_file(const std::filesystem::path& file) const;

  // Where the document with this digest is (or would be) stored.
  std::filesystem::path path_of(std::string_view sha256) const;
  // True when a document with this digest is stored.
  bool contains(std::string_view sha256) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // <data_dir>/documents
};

}  // namespace sijill::documents
