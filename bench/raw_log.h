// The physical reference of the read benchmarks: the store's RocksDB opened directly, and a
// scan of its `log` column family that copies each record into a padded buffer and parses the
// envelope fields with simdjson's on-demand API (keeping views only). What a rebuild or a chain
// check could do at best on this machine; store_bench and rebuild_bench both compare with it.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sijill::bench {

inline void check(const rocksdb::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

// A RocksDB with every column family of its folder (or `families` for a new one).
class RawDb {
 public:
  RawDb(const std::filesystem::path& dir, bool read_only, std::vector<std::string> families,
        std::shared_ptr<rocksdb::Statistics> statistics = nullptr) {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.compression = rocksdb::kLZ4Compression;  // as the store
    options.bottommost_compression = rocksdb::kLZ4Compression;
    options.statistics = std::move(statistics);
    std::vector<std::string> existing;
    if (rocksdb::DB::ListColumnFamilies(options, dir.string(), &existing).ok()) families = existing;
    if (std::find(families.begin(), families.end(), rocksdb::kDefaultColumnFamilyName) == families.end()) {
      families.insert(families.begin(), rocksdb::kDefaultColumnFamilyName);
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& f : families) descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions(options));
    rocksdb::DB* db = nullptr;
    check(read_only ? rocksdb::DB::OpenForReadOnly(options, dir.string(), descriptors, &handles_, &db)
                    : rocksdb::DB::Open(options, dir.string(), descriptors, &handles_, &db),
          "opening RocksDB in " + dir.string());
    db_.reset(db);
    for (std::size_t i = 0; i < families.size(); ++i) by_name_[families[i]] = handles_[i];
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  rocksdb::DB& db() { return *db_; }
  rocksdb::ColumnFamilyHandle* family(const std::string& name) const { return by_name_.at(name); }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

struct Scanned {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
};

// Iterates the log column family and parses each record's envelope (position, stream, version,
// type, recorded_at, idempotency_key, prev_hash). Throws on a record that does not parse.
inline Scanned scan_and_parse(RawDb& raw) {
  Scanned run;
  rocksdb::ReadOptions read;
  read.readahead_size = 2 << 20;  // as EventStore::scan_log
  std::unique_ptr<rocksdb::Iterator> it(raw.db().NewIterator(read, raw.family("log")));
  simdjson::ondemand::parser parser;
  std::string buffer;
  std::uint64_t checksum = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto value = it->value().ToStringView();
    if (value.size() < 32) throw std::runtime_error("a log value without a hash");
    const auto bytes = value.substr(32);
    buffer.resize(bytes.size() + simdjson::SIMDJSON_PADDING);
    std::copy(bytes.begin(), bytes.end(), buffer.begin());
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    std::uint64_t position = 0;
    std::uint64_t version = 0;
    std::string_view stream, type, recorded_at, prev_hash;
    bool no_key = false;
    if (parser.iterate(buffer.data(), bytes.size(), buffer.size()).get(doc) || doc.get_object().get(obj) ||
        obj.find_field_unordered("position").get_uint64().get(position) ||
        obj.find_field_unordered("stream").get_string().get(stream) ||
        obj.find_field_unordered("version").get_uint64().get(version) ||
        obj.find_field_unordered("type").get_string().get(type) ||
        obj.find_field_unordered("recorded_at").get_string().get(recorded_at) ||
        obj.find_field_unordered("idempotency_key").is_null().get(no_key) ||
        obj.find_field_unordered("prev_hash").get_string().get(prev_hash)) {
      throw std::runtime_error("a record that does not parse");
    }
    checksum += position + version + stream.size() + type.size() + recorded_at.size() + prev_hash.size() + no_key;
    ++run.events;
    run.bytes += value.size();
  }
  check(it->status(), "scanning the log");
  if (run.events > 0 && checksum == 0) throw std::runtime_error("nothing was parsed");
  return run;
}

}  // namespace sijill::bench
