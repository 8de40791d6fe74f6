// The event store: an append-only, hash-chained log of events in RocksDB.
//
// Guarantees (each is tested in tests/unit/store and tests/crash):
// - Global positions start at 1 and are gap-free in commit order; each stream's versions start
//   at 1 and are gap-free.
// - Every record carries prev_hash and hash = SHA-256(prev_hash ‖ record bytes); the bytes are
//   stored verbatim (docs/chain-format.md).
// - A batch is one atomic RocksDB WriteBatch written with sync = true: when commit() returns ok,
//   every record of the batch is on stable storage; when it fails, none is acknowledged and the
//   store refuses every later write until it is reopened (fail-stop: after a failed fsync
//   nobody knows what is on disk).
// - A staged request that breaks an expectation (stream version, idempotency key) stages
//   nothing.
//
// Threads: open(), the readers (head(), read_log(), scan_log(), read_stream(),
// stream_version(), wait_for()) may be called from any thread, concurrently with the writer.
// begin_batch() and commit() belong to one writer thread at a time (GroupCommitter is that
// writer); a Batch is used on the thread that began it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/store/record.h"
#include "sijill/util/status.h"

namespace rocksdb {
class FileSystem;
}

namespace sijill::store {

struct StoreOptions {
  // The data folder. RocksDB lives in <dir>/log; the key file and documents live beside it.
  std::filesystem::path dir;
  bool create_if_missing = true;
  // Read-only: no writes, and it works on the folder of a running server.
  bool read_only = false;
  // Check on open that meta agrees with the last record and that the chain's tail links.
  // Only the full checker (`sijill verify`, `sijill log`) turns it off, to report on a damaged
  // folder instead of refusing to open it.
  bool check_tail = true;
  // fsync every commit. Only the fault-injection test turns this off, to show that it would
  // then catch the loss of acknowledged events.
  bool sync = true;
  // Block compression of RocksDB's files (LZ4). Off lets a test grep the files for plaintext.
  bool compression = true;
  // A file system below RocksDB (fault injection in tests); null is the local disk.
  std::shared_ptr<rocksdb::FileSystem> file_system;
  // The server's UTC clock; recorded_at never decreases along the log, whatever it says.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// A writer's expectation of a stream's version before its events: 0 means the stream must not
// exist yet. A mismatch is version_mismatch (HTTP 412) and stages nothing.
struct ExpectedVersion {
  std::string stream;
  std::uint64_t version = 0;
};

// Idempotency: the same (user, command, key) with the same body digest returns the first
// result and appends nothing; with another digest it is a conflict (HTTP 409). Only successful
// appends are remembered.
struct IdempotencyKey {
  std::string user;
  std::string command;
  std::string key;
  Hash body_digest{};  // SHA-256 of the raw request body
};

struct AppendRequest {
  std::vector<EventDraft> events;  // at least one
  std::vector<ExpectedVersion> expected;
  std::optional<IdempotencyKey> idempotency;
};

struct AppendedEvent {
  std::uint64_t position = 0;
  std::string stream;
  std::uint64_t version = 0;
  std::string type;
};

struct AppendResult {
  std::uint64_t position = 0;  // the last position the request produced
  std::string recorded_at;     // the records' recorded_at (RFC 3339 UTC, milliseconds)
  std::vector<AppendedEvent> events;
  bool replayed = false;  // true when an idempotent repeat returned the first result
};

struct Head {
  std::uint64_t position = 0;  // 0 for an empty log
  Hash hash{};                 // kZeroHash for an empty log
};

// What a successful commit added; handed to commit listeners.
struct CommitNotice {
  Head head;
  std::shared_ptr<const std::vector<Record>> records;  // in position order
};

class EventStore;
struct VerifyReport;

// The records of one commit under construction, with the stream versions and idempotency keys
// they claim, so that later requests of the same batch see earlier ones.
class Batch {
 public:
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;
  ~Batch();

  // Checks `request` against the log and the batch so far, then stages its records.
  // Returns the positions it will have once committed, or:
  //   invalid_argument  a malformed draft (stream name, type, floating point in data, ...)
  //   version_mismatch  an ExpectedVersion does not hold
  //   conflict          the idempotency key was used with another body
  //   unavailable       the store has failed (fail-stop)
  // On any error nothing is staged. An idempotent repeat returns the first result with
  // replayed = true and stages nothing.
  Result<AppendResult> stage(const AppendRequest& request);

  // Is `key` an idempotent repeat? Looks the key up in the log and in the batch so far:
  //   the first result (replayed = true) when the key was used with the same body digest;
  //   std::nullopt when the key is new;
  //   conflict when it was used with another body; invalid_argument for a malformed key;
  //   unavailable when the store has failed.
  // Stages nothing. stage() makes the same check first.
  Result<std::optional<AppendResult>> repeat_of(const IdempotencyKey& key) const;

  // The position the next staged record would get.
  std::uint64_t next_position() const;
  // The stream's version including staged records; 0 when it has none.
  std::uint64_t stream_version(std::string_view stream) const;
  std::size_t record_count() const;
  bool empty() const { return record_count() == 0; }

 private:
  friend class EventStore;
  struct State;
  explicit Batch(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class EventStore {
 public:
  // Opens (or creates) the store in options.dir. Refuses, with data_loss and a message that
  // says which command to run, when `meta` disagrees with the last record or when the tail of
  // the chain does not link.
  static Result<std::unique_ptr<EventStore>> open(StoreOptions options);
  ~EventStore();

  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  const StoreOptions& options() const;

  // The last committed record's position and hash.
  Head head() const;

  // ok, or the failure that stopped the store.
  Status health() const;

  // Up to `limit` records with after < position <= to, in order.
  Result<std::vector<Record>> read_log(std::uint64_t after, std::size_t limit,
                                       std::uint64_t to = std::numeric_limits<std::uint64_t>::max()) const;

  // How a scan uses RocksDB's block cache. `bulk`: a scan that reads a long part of the log once
  // (a replay, an export, a listing): its blocks stay out of the cache, so that they do not
  // evict what the server reads often, which also makes the scan about a fifth faster
  // (docs/performance.md). `paged`: a reader that may stop after a page (the default).
  enum class Scan { paged, bulk };

  // Calls `visit` for every record with after < position <= to, in order, until it returns
  // false. The records handed to `visit` live only for the call.
  Status scan_log(std::uint64_t after, std::uint64_t to, const std::function<bool(const Record&)>& visit,
                  Scan scan = Scan::paged) const;

  // The same scan without copies: `visit` sees each record's hash and bytes in the store's own
  // memory, valid only for the call (what a replay of the whole log reads).
  struct RecordView {
    std::uint64_t position = 0;
    const Hash* hash = nullptr;
    std::string_view bytes;
  };
  Status scan_log_views(std::uint64_t after, std::uint64_t to, const std::function<bool(const RecordView&)>& visit,
                        Scan scan = Scan::paged) const;

  // Up to `limit` records of one stream with version >= from_version, in version order.
  Result<std::vector<Record>> read_stream(std::string_view stream, std::uint64_t from_version, std::size_t limit) const;

  // The committed version of a stream, 0 when it has no events.
  std::uint64_t stream_version(std::string_view stream) const;

  // Registers a function called, on the writer thread, after every successful commit. Add
  // listeners before writing starts; a listener must be quick and must not write.
  void on_commit(std::function<void(const CommitNotice&)> listener);

  // Waits until the committed head reaches `position`; false on time-out or failure.
  bool wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const;

  // Forces every record written so far to stable storage (an fsync of RocksDB's WAL). Only
  // needed by a store opened with sync = false, such as the one the demo is generated into.
  Status sync();

  // Writer side (one thread at a time).
  Batch begin_batch();
  // Writes the batch in one synced WriteBatch. Ok: durable, head advanced, listeners told.
  // Failed: nothing acknowledged and the store refuses all later writes (unavailable).
  // An empty batch writes nothing.
  Status commit(Batch& batch);

  struct Impl;

 private:
  friend VerifyReport verify_chain(const EventStore&, const std::function<void(std::uint64_t)>&);
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The result of a full chain check.
struct VerifyReport {
  std::uint64_t count = 0;                 // records checked
  Head head;                               // the last good record
  std::optional<std::uint64_t> first_bad;  // the first position that does not verify
  std::string problem;                     // what is wrong there (empty when all holds)
  bool ok() const { return !first_bad && problem.empty(); }
};

// Checks every record from position 1: positions gap-free, each record's own position and
// prev_hash, each hash recomputed, and meta's head against the last record. `progress`, when
// given, is called now and then with the count so far. Reading and hashing run on two threads.
VerifyReport verify_chain(const EventStore& store, const std::function<void(std::uint64_t)>& progress = {});

}  // namespace sijill::store
