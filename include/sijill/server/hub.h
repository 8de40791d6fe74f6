// The hub: a bounded ring of recently committed events, already serialised, and the
// announcement of each new head (DESIGN.md, "The hub").
//
// The hub does not push events into sessions. Each WebSocket session owns a cursor and pulls
// what follows it with read(): from the ring when the ring still holds the position after the
// cursor, else from the log. Catch-up and live are the same code path, so a subscriber sees
// every position once, in order, with no gap across the hand-over. Memory is bounded by the
// ring (max_events and max_bytes) plus each session's own byte-bounded send queue.
//
// Threads: the constructor registers an EventStore::on_commit listener, so build the hub before
// writing starts. The listener (the writer thread) appends to the ring and calls every
// subscriber's callback with the new head; callbacks must be quick (post to a strand) and must
// block. A callback may unsubscribe (the hub calls them outside its lock). read(), head(), first_position(),
// subscribe() and unsubscribe() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "sijill/projections/projector.h"
#include "sijill/store/event_store.h"
#include "sijill/util/status.h"

namespace sijill::server {

// One committed event as subscribers receive it.
struct HubEvent {
  std::uint64_t position = 0;
  std::string stream;
  std::string type;
  std::shared_ptr<const std::string> wire;  // store::Record::wire(), verbatim
};

class Hub {
 public:
  struct Options {
    std::size_t max_events = 65'536;
    std::size_t max_bytes = std::size_t{64} << 20;
  };
  using Listener = std::function<void(std::uint64_t head)>;

  // `store` must outlive the hub. The ring starts empty, at the store's head.
  Hub(store::EventStore& store, Options options);
  explicit Hub(store::EventStore& store) : Hub(store, Options()) {}
  ~Hub();

  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // The last committed position the hub has seen.
  std::uint64_t head() const { return head_.load(std::memory_order_acquire); }

  // The oldest position the ring holds (head() + 1 when the ring is empty).
  std::uint64_t first_position() const;

  struct ReadResult {
    bool from_log = false;  // the ring no longer held position after + 1
  };
  // Appends to `out` the events with after < position <= head(), in order, at most
  // `max_events` of them and stopping once `max_bytes` of wire bytes are reached (at least one
  // event is returned when any follows `after`). Reads the ring, or the log when `after` has
  // fallen behind the ring (a blocking RocksDB read on the calling thread). Fails only when the
  // log cannot be read.
  Result<ReadResult> read(std::uint64_t after, std::size_t max_events, std::size_t max_bytes,
                          std::vector<HubEvent>& out) const;

  // Calls `listener` with the new head after every commit until unsubscribe(id).
  std::uint64_t subscribe(Listener listener);
  void unsubscribe(std::uint64_t id);
  std::size_t subscribers() const;

  // Also wakes the listeners when the read models publish a new snapshot (so that `dashboard`
  // subscriptions send it), at most once every `interval`: readers get the latest snapshot,
  // coalesced. Call once, before serving; the watcher stops with the hub.
  void watch_read_models(const projections::Projector& projector, std::chrono::milliseconds interval);

  // The read models' position as last announced by that watcher (0 before it starts): what a
  // `dashboard` subscription follows, so that the commits' own wakes do not send it more often.
  std::uint64_t read_models_position() const { return read_models_.load(std::memory_order_acquire); }
  bool watching_read_models() const { return watching_.load(); }

  // An event read from the log, shaped as the ring holds it.
  static Result<HubEvent> from_record(const store::Record& record);

 private:
  void on_commit(const store::CommitNotice& notice);
  void wake(std::uint64_t head);

  store::EventStore& store_;
  Options options_;
  std::atomic<std::uint64_t> head_{0};
  std::atomic<std::uint64_t> read_models_{0};

  mutable std::shared_mutex ring_mu_;
  std::deque<HubEvent> ring_;   // guarded by ring_mu_; consecutive positions
  std::size_t ring_bytes_ = 0;  // guarded by ring_mu_

  mutable std::mutex listeners_mu_;
  std::map<std::uint64_t, std::shared_ptr<const Listener>> listeners_;  // guarded by listeners_mu_
  std::uint64_t next_listener_ = 1;                                     // guarded by listeners_mu_

  std::atomic<bool> watching_{false};
  std::thread watcher_;  // watch_read_models()
};

}  // namespace sijill::server
