// Full chain verification. One thread reads the log from RocksDB into chunks (one copy of each
// value into a chunk's arena), while the calling thread checks and hashes the previous chunk.
//
// The check needs no JSON parser: a record of format 1 begins with {"position":<digits>, and
// ends with ,"prev_hash":"<64 hex>"} (docs/chain-format.md), and the hash proves that every
// byte in between is the one that was written.
#include <rocksdb/db.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "internal.h"
#include "sijill/store/event_store.h"

namespace sijill::store {

namespace {

constexpr std::size_t kChunkRecords = 8192;
constexpr std::size_t kMaxQueued = 4;

// Records read from the log: their values back to back in one buffer.
struct Chunk {
  std::string arena;
  struct Entry {
    std::uint64_t key_position;
    std::size_t offset;
    std::size_t size;
  };
  std::vector<Entry> entries;
};

struct ChunkQueue {
  std::mutex mu;
  std::condition_variable changed;
  std::deque<Chunk> chunks;
  bool done = false;    // the reader has finished (or failed)
  bool cancel = false;  // the checker has stopped early
  Status read_status;
};

constexpr std::string_view kPositionPrefix = "{\"position\":";
constexpr std::string_view kPrevHashMember = ",\"prev_hash\":\"";
constexpr std::size_t kPrevHashTail = kPrevHashMember.size() + 64 + 2;  // ,"prev_hash":"<hex>"}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Reads the record's own position and prev_hash from its fixed places; false when the bytes
// are not a record of this format.
bool read_envelope_ends(std::string_view bytes, std::uint64_t& position, Hash& prev) {
  if (bytes.size() < kPositionPrefix.size() + kPrevHashTail || !bytes.starts_with(kPositionPrefix)) return false;
  const char* first = bytes.data() + kPositionPrefix.size();
  const char* last = bytes.data() + bytes.size();
  auto [end, ec] = std::from_chars(first, last, position);
  if (ec != std::errc() || end == first || *end != ',') return false;
  auto tail = bytes.substr(bytes.size() - kPrevHashTail);
  if (!tail.starts_with(kPrevHashMember) || !tail.ends_with("\"}")) return false;
  const char* hex = tail.data() + kPrevHashMember.size();
  for (std::size_t i = 0; i < prev.size(); ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    prev[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

VerifyReport verify_chain(const EventStore& store, const std::function<void(std::uint64_t)>& progress) {
  VerifyReport report;
  ChunkQueue q;
  const auto& impl = *store.impl_;
  std::thread reader([&] {
    Chunk chunk;
    auto push = [&] {
      std::unique_lock lock(q.mu);
      q.changed.wait(lock, [&] { return q.chunks.size() < kMaxQueued || q.cancel; });
      if (q.cancel) return false;
      q.chunks.push_back(std::move(chunk));
      chunk = Chunk{};
      q.changed.notify_all();
      return true;
    };
    rocksdb::ReadOptions ro;
    ro.readahead_size = 4 << 20;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(impl.db->NewIterator(ro, impl.log));
    bool go_on = true;
    for (it->SeekToFirst(); go_on && it->Valid(); it->Next()) {
      const auto key = it->key();
      const auto value = it->value();
      chunk.entries.push_back(
          {key.size() == 8 ? detail::get_be64(key.ToStringView()) : 0, chunk.arena.size(), value.size()});
      chunk.arena.append(value.data(), value.size());
      if (chunk.entries.size() == kChunkRecords) go_on = push();
    }
    if (go_on && !chunk.entries.empty()) push();
    std::lock_guard lock(q.mu);
    q.read_status =
        it->status().ok() ? Status::ok() : Status::unavailable("reading the log: " + it->status().ToString());
    q.done = true;
    q.changed.notify_all();
  });

  auto fail = [&](std::uint64_t position, std::string problem) {
    report.first_bad = position;
    report.problem = std::move(problem);
  };
  Hash prev = kZeroHash;
  std::uint64_t expected = 1;
  while (!report.first_bad) {
    Chunk chunk;
    {
      std::unique_lock lock(q.mu);
      q.changed.wait(lock, [&] { return !q.chunks.empty() || q.done; });
      if (q.chunks.empty()) break;
      chunk = std::move(q.chunks.front());
      q.chunks.pop_front();
      q.changed.notify_all();
    }
    for (const auto& e : chunk.entries) {
      if (e.key_position != expected) {
        fail(expected, e.key_position > expected ? "position " + std::to_string(expected) + " is missing"
                                                 : "positions out of order");
        break;
      }
      if (e.size < 32 + 2) {
        fail(expected, "malformed log entry");
        break;
      }
      const std::string_view value(chunk.arena.data() + e.offset, e.size);
      const std::string_view bytes = value.substr(32);
      std::uint64_t position = 0;
      Hash recorded_prev{};
      if (!read_envelope_ends(bytes, position, recorded_prev)) {
        fail(expected, "not a record of format " + std::to_string(kRecordFormat));
        break;
      }
      if (position != expected) {
        fail(expected, "the record says it is position " + std::to_string(position));
        break;
      }
      if (recorded_prev != prev) {
        fail(expected, "prev_hash does not match the hash of position " + std::to_string(expected - 1));
        break;
      }
      const Hash computed = chain_hash(prev, bytes);
      if (std::memcmp(computed.data(), value.data(), computed.size()) != 0) {
        fail(expected, "the record's bytes do not match its hash");
        break;
      }
      prev = computed;
      report.head = {expected, computed};
      ++report.count;
      ++expected;
    }
    if (progress) progress(report.count);
  }
  {
    std::lock_guard lock(q.mu);
    q.cancel = true;
    q.changed.notify_all();
  }
  reader.join();
  if (report.first_bad) return report;
  if (!q.read_status) {
    fail(expected, "reading failed: " + std::string(q.read_status.message()));
    return report;
  }
  // The head recorded in meta must be the last record.
  auto meta = impl.read_meta_head();
  if (!meta) {
    report.problem = std::string(meta.status().message());
  } else if (meta->position != report.head.position || meta->hash != report.head.hash) {
    if (meta->position > report.head.position) {
      fail(report.head.position + 1, "meta says the head is position " + std::to_string(meta->position) +
                                         " but the log ends at " + std::to_string(report.head.position));
    } else {
      report.problem = "meta's head (position " + std::to_string(meta->position) +
                       ") does not match the last record (position " + std::to_string(report.head.position) + ")";
    }
  }
  return report;
}

}  // namespace sijill::store
