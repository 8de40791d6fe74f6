// The projector: keeps the read model (model.h) current with the log and publishes it to
// readers as immutable snapshots.
//
// It is fed by committed events only: a thread of its own follows the store's head, applies
// what was committed since, and publishes one snapshot per step (so after every commit, or
// after several when commits come faster than it applies them). Readers take the current
// snapshot without locking the projector out, and may keep it as long as they like.
//
// Checkpoints ({position, the hash at that position, the model's version, the serialised
// model}) are written beside the log, in <data>/checkpoints/read-model/, every
// `checkpoint_every` events and when the projector stops. At start, load() takes the newest
// checkpoint whose version is this code's and whose hash is the log's hash at its position, and
// applies only the rest of the log; any other checkpoint is ignored (and listed in the report).
// "As of P" answers replay the log up to P from the nearest checkpoint at or before P.
//
// Threads: load() and start() once, from one thread; current(), wait_for() and as_of() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sijill/projections/model.h"
#include "sijill/util/status.h"

namespace sijill::store {
class EventStore;
}

namespace sijill::projections {

// A published state of the read model, with its serialised dashboards computed once, when first
// asked for.
class Snapshot {
 public:
  explicit Snapshot(Model model) : model_(std::move(model)) {}
  const Model& model() const { return model_; }
  std::uint64_t position() const { return model_.position(); }
  // The dashboard (views.h) as JSON text; region empty: the whole programme.
  std::shared_ptr<const std::string> dashboard_json(const std::string& region) const;

 private:
  Model model_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const std::string>> dashboards_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

struct ProjectorOptions {
  std::filesystem::path checkpoint_dir;      // empty: no checkpoints are read or written
  std::uint64_t checkpoint_every = 100'000;  // events between two checkpoints
  std::size_t keep_checkpoints = 8;          // the newest ones kept (older ones are removed)
  bool write_checkpoints = true;             // false on a folder another process writes
  std::chrono::milliseconds idle_poll{200};  // how long the follower sleeps without commits
};

struct LoadReport {
  std::uint64_t checkpoint = 0;      // the position of the checkpoint used (0: none, replayed from the start)
  std::uint64_t replayed = 0;        // events applied after it
  std::vector<std::string> ignored;  // checkpoints not used, each with the reason
  std::chrono::milliseconds took{0};
};

class Projector {
 public:
  Projector(const store::EventStore& store, ProjectorOptions options);
  ~Projector();  // stop()
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  // Loads the newest usable checkpoint and applies the rest of the log (synchronously), then
  // publishes the first snapshot.
  Result<LoadReport> load();
  // Follows the log from now on, on a thread of its own.
  void start();
  // Stops following; writes a checkpoint when the model moved since the last one. Idempotent.
  void stop();

  // Called on the projector's thread after each new snapshot (e.g. to push dashboards). Add
  // before start(); must be quick.
  void on_publish(std::function<void(const SnapshotPtr&)> listener);

  SnapshotPtr current() const;
  // Waits until the published model has applied `position`; false on time-out.
  bool wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const;

  // The model just after the event at `position` (0: before the first event; at most the
  // committed head), replayed from the nearest checkpoint at or before it. invalid_argument
  // past the head.
  Result<SnapshotPtr> as_of(std::uint64_t position) const;

  // Writes a checkpoint of the current model now (when not following, e.g. from `sijill rebuild`).
  Status write_checkpoint();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Rebuilds the read model from position 0: removes every checkpoint, replays the whole log and
// writes one checkpoint at the head. Returns the rebuilt model's position.
Result<std::uint64_t> rebuild(const store::EventStore& store, const std::filesystem::path& checkpoint_dir,
                              const std::function<void(std::uint64_t)>& progress = {});

// The position an `as_of` names: a position ("4711"); an instant in UTC or with its offset
// ("2026-07-15T12:00:00Z", "2026-07-15T13:00:00+01:00"); or a local time in the programme's
// zone, Africa/Casablanca ("2026-07-15T13:00", "15/07/2026 13:00"). An instant names the last
// event recorded at or before it (0 when none). Errors: invalid_argument for text in none of
// these forms or a position past the head; rule_violation "ambiguous-local-time" (and
// "nonexistent-local-time") for a local time the zone's clocks show twice (or skip).
Result<std::uint64_t> resolve_as_of(const store::EventStore& store, std::string_view text);

// The folder of the read model's checkpoints in a data folder.
std::filesystem::path checkpoint_dir(const std::filesystem::path& data_dir);

// Scans and parses the events with after < position <= to as a replay does, and applies
// nothing: how many were parsed (for measurements: the reading half of a replay).
Result<std::uint64_t> parse_log(const store::EventStore& store, std::uint64_t after, std::uint64_t to);

// Applies the log from `model`'s position up to `to` (inclusive; 0: the head).
Status replay_into(const store::EventStore& store, Model& model, std::uint64_t to,
                   const std::function<void(std::uint64_t)>& progress = {});

}  // namespace sijill::projections
