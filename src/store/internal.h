// Private to src/store: the RocksDB layout (docs/chain-format.md, "Key layout") and the
// store's shared state.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <boost/endian/conversion.hpp>
#include <boost/uuid/random_generator.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sijill/store/event_store.h"

namespace sijill::store::detail {

inline constexpr char kFormatKey[] = "format";
inline constexpr char kHeadKey[] = "head";

// Big-endian, so that RocksDB's bytewise order is numeric order.
inline void put_be64(std::string& out, std::uint64_t v) {
  unsigned char bytes[8];
  boost::endian::store_big_u64(bytes, v);
  out.append(reinterpret_cast<const char*>(bytes), sizeof bytes);
}
// Reads 8 bytes big-endian; 0 when fewer are given.
inline std::uint64_t get_be64(std::string_view in) {
  if (in.size() < 8) return 0;
  return boost::endian::load_big_u64(reinterpret_cast<const unsigned char*>(in.data()));
}
inline std::string log_key(std::uint64_t position) {
  std::string k;
  put_be64(k, position);
  return k;
}
// streams: <stream> 0x00 <version, 8 bytes BE> -> <position, 8 bytes BE>
inline std::string stream_key(std::string_view stream, std::uint64_t version) {
  std::string k(stream);
  k.push_back('\0');
  put_be64(k, version);
  return k;
}
// idempotency: <user> 0x00 <command> 0x00 <key> -> <body digest, 32> <first, 8 BE> <last, 8 BE>
inline std::string idempotency_key(const IdempotencyKey& k) {
  std::string out = k.user;
  out.push_back('\0');
  out += k.command;
  out.push_back('\0');
  out += k.key;
  return out;
}
// log values: <hash, 32 bytes> <record bytes>
inline std::string log_value(const Record& r) {
  std::string v(reinterpret_cast<const char*>(r.hash.data()), r.hash.size());
  v += r.bytes;
  return v;
}
Result<Record> decode_log(std::string_view key, std::string_view value);

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;  // = time::Instant

}  // namespace sijill::store::detail

namespace sijill::store {

struct EventStore::Impl {
  StoreOptions options;
  std::unique_ptr<rocksdb::Env> env;  // wraps options.file_system when one is given
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;

  mutable std::mutex mu;  // guards head and failure
  mutable std::condition_variable head_changed;
  Head head;
  Status failure;

  // Owned by the writer thread.
  detail::Millis last_recorded_at{};
  std::unordered_map<std::string, std::uint64_t> stream_versions;  // committed, cached
  // Event ids: random UUIDs (version 4) from a generator seeded once from the system's entropy;
  // they identify events, they protect nothing.
  boost::uuids::random_generator_mt19937 uuids;
  std::vector<std::function<void(const CommitNotice&)>> listeners;

  ~Impl();
  std::uint64_t committed_stream_version(std::string_view stream) const;  // reads RocksDB
  Result<Head> read_meta_head() const;
  std::chrono::system_clock::time_point now() const;
};

}  // namespace sijill::store
