// Personal data: one key per person, kept outside the log, so that a person can be forgotten
// while the hash chain stays verifiable (crypto-shredding; DOMAIN.md, "Personal data").
//
// Names, e-mails and phone numbers never enter a record in clear: the writer seals them with
// the person's key (XChaCha20-Poly1305, libsodium) and the record carries the ciphertext:
//
//   {"$sealed":{"v":1,"subject":"person/P-0001","nonce":"<base64>","ciphertext":"<base64>"}}
//
// The subject is the associated data, so a ciphertext cannot be moved to another person.
// Readers open sealed values; once the key is destroyed they show the person as erased:
//
//   {"$erased":{"subject":"person/P-0001"}}
//
// The keys live in one small file (<data>/keys, mode 0600), never in RocksDB, where a deleted
// key would linger in tombstones, old SST files and the WAL. The file is rewritten atomically
// (write a temporary file, fsync it, rename it over the old one, fsync the folder) before
// ensure_key() or forget() return, so a key is durable before any event that uses it is
// appended. The key file is backed up apart from the log (docs/operations.md).
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "sijill/util/status.h"

namespace sijill::store {

class KeyStore {
 public:
  // Opens <path>, creating an empty key file when it does not exist.
  static Result<std::unique_ptr<KeyStore>> open(std::filesystem::path path);
  ~KeyStore();

  // Makes sure `subject` ("person/<id>") has a key, creating and durably storing one if not.
  // Fails with failed writes as unavailable, and with invalid_argument for a malformed subject.
  Status ensure_key(std::string_view subject);

  // Destroys the subject's key durably. Forgetting an unknown subject is ok (idempotent).
  Status forget(std::string_view subject);

  bool has_key(std::string_view subject) const;

  // Seals `plaintext` (any JSON value) for `subject`, creating its key when needed.
  Result<boost::json::value> seal(std::string_view subject, const boost::json::value& plaintext);

  // Returns a copy of `value` in which every sealed object is replaced by its plaintext, or by
  // {"$erased":{"subject":...}} when the key is gone. A sealed object that does not open (a
  // tampered ciphertext) becomes {"$unreadable":{"subject":...}}.
  boost::json::value reveal(const boost::json::value& value) const;

 private:
  struct Impl;
  explicit KeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sijill::store
