// Full chain verification. One thread reads the log from RocksDB in chunks while the calling
// thread parses and hashes the previous chunk, so that reading and hashing overlap.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "internal.h"
#include "sijill/store/event_store.h"

namespace sijill::store {

namespace {

constexpr std::size_t kChunk = 4096;
constexpr std::size_t kMaxQueued = 8;

struct ChunkQueue {
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::vector<Record>> chunks;
  bool done = false;    // the reader has finished (or failed)
  bool cancel = false;  // the checker has stopped early
  Status read_status;
};

}  // namespace

VerifyReport verify_chain(const EventStore& store, const std::function<void(std::uint64_t)>& progress) {
  VerifyReport report;
  ChunkQueue q;
  std::thread reader([&] {
    std::vector<Record> chunk;
    chunk.reserve(kChunk);
    auto push = [&] {
      std::unique_lock lock(q.mu);
      q.changed.wait(lock, [&] { return q.chunks.size() < kMaxQueued || q.cancel; });
      if (q.cancel) return false;
      q.chunks.push_back(std::move(chunk));
      chunk = {};
      chunk.reserve(kChunk);
      q.changed.notify_all();
      return true;
    };
    auto st = store.scan_log(0, ~std::uint64_t{0}, [&](const Record& r) {
      chunk.push_back(r);
      return chunk.size() < kChunk || push();
    });
    if (!chunk.empty()) push();
    std::lock_guard lock(q.mu);
    q.read_status = st;
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
    std::vector<Record> chunk;
    {
      std::unique_lock lock(q.mu);
      q.changed.wait(lock, [&] { return !q.chunks.empty() || q.done; });
      if (q.chunks.empty()) break;
      chunk = std::move(q.chunks.front());
      q.chunks.pop_front();
      q.changed.notify_all();
    }
    for (const auto& r : chunk) {
      if (r.position != expected) {
        fail(expected,
             r.position > expected ? "position " + std::to_string(expected) + " is missing" : "positions out of order");
        break;
      }
      auto env = parse_envelope(r.bytes);
      if (!env) {
        fail(r.position, std::string(env.status().message()));
        break;
      }
      if (env->position != r.position) {
        fail(r.position, "the record says it is position " + std::to_string(env->position));
        break;
      }
      if (env->prev_hash != prev) {
        fail(r.position, "prev_hash does not match the hash of position " + std::to_string(r.position - 1));
        break;
      }
      if (chain_hash(prev, r.bytes) != r.hash) {
        fail(r.position, "the record's bytes do not match its hash");
        break;
      }
      prev = r.hash;
      report.head = {r.position, r.hash};
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
  auto meta = store.impl_->read_meta_head();
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
