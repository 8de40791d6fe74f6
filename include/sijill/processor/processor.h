// The command processor: the one writer of a programme's log.
//
// It owns a store::GroupCommitter and decides every command against the in-memory state of the
// domain modules (DESIGN.md, "One writer, group commit"). For each call of a batch, on the
// writer thread, in submission order:
//   1. idempotency: a call with an Idempotency-Key that already succeeded (committed earlier,
//      or staged earlier in the same batch) answers with the first result and is NOT decided
//      again, even if deciding it now would be refused; the same key with another body is a
//      conflict (409). This is checked before deciding.
//   2. the module that owns the command decides it against its current state, with the
//      server clock's time and an id seed unique to the call;
//   3. If-Match becomes a store::ExpectedVersion on Decision::target_stream (412 on mismatch);
//   4. the events are staged into the batch (actor, correlation id, causation id = the call's
//      id seed) and evolve()d into every module at once, with the positions, versions and
//      recorded_at the store gave them, so that later calls of the batch see them.
// Every reply of a batch (successes and refusals alike) is released only after the batch's
// commit. When the commit fails, every call of the batch is answered unavailable ("outcome
// unknown: retry with the same Idempotency-Key") and the processor refuses every later call
// (fail-stop), as the store does.
//
// Threads: construct, start() and stop() from one controlling thread. submit(), run(),
// knows() and stats() may be called from any thread once start() has returned. Completions
// run on the committer's reply thread, batch after batch in commit order: they must be quick
// (post the reply elsewhere) and must not call back into the processor synchronously with run().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/domain/module.h"
#include "sijill/processor/command.h"
#include "sijill/store/event_store.h"
#include "sijill/store/group_commit.h"
#include "sijill/time/instant.h"
#include "sijill/util/status.h"

namespace sijill::processor {

struct ProcessorOptions {
  // The server clock (UTC); the system clock when empty. Commands see it as context.now.
  std::function<time::Instant()> clock;
  std::size_t max_batch = 4096;  // at most this many calls in one batch
};

// What the processor has done since start(), for /metrics.
struct ProcessorStats {
  std::uint64_t batches = 0;   // commits attempted (batches with at least one call)
  std::uint64_t calls = 0;     // calls answered
  std::uint64_t accepted = 0;  // calls that appended events
  std::uint64_t replayed = 0;  // idempotent repeats
  std::uint64_t refused = 0;   // calls refused (any Status)
  bool failed = false;         // fail-stop: a commit failed
};

// Called on the writer thread after each batch's commit: how many calls and records it held
// and how long its write + fsync took. For metrics; must be quick.
using BatchObserver = std::function<void(std::size_t calls, std::size_t records, std::chrono::microseconds commit)>;

class Processor {
 public:
  using Done = std::function<void(Result<CommandOutcome>)>;

  // `store` and every module must outlive the processor. The modules' command names must be
  // distinct.
  Processor(store::EventStore& store, std::vector<domain::Module*> modules, ProcessorOptions options = {});
  // Stops (see stop()).
  ~Processor();

  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;

  // Feeds every committed event of the log after position `after` to every module, in position
  // order, then starts the writer thread. `after` is 0 (the whole log) unless the modules were
  // loaded from a checkpoint of the processor's state at position `after` (state_checkpoint.h):
  // they then hold the state as of `after` already. Returns internal when two modules claim the
  // same command, invalid_argument when `after` is past the log's head, or the store's error
  // when the log cannot be read. Call once.
  Status start(std::uint64_t after = 0);

  // Queues `call`; `done` runs once, on the reply thread after the batch's commit (or at once,
  // on the calling thread, when the processor is stopped or has failed). Errors:
  //   not_found          no module decides this command
  //   the module's       rule_violation, permission_denied, not_found, conflict (decide)
  //   conflict           the idempotency key was used with another body
  //   version_mismatch   If-Match does not hold on the target stream
  //   invalid_argument   If-Match given for a command without a target stream, or the
  //                      events/idempotency key are malformed
  //   unavailable        stopping, stopped, or storage failed (outcome unknown if in flight)
  void submit(CommandCall call, Done done);

  // submit() and wait for the answer. Must not be called from the writer thread.
  Result<CommandOutcome> run(CommandCall call);

  // A dry run (POST /v1/commands/{name}?dry_run=true): `call` is queued like submit()'s and
  // decided on the writer thread, so it sees every committed event (and what earlier calls of
  // its batch staged), through the same steps as a real run: idempotency (a repeat answers
  // replayed; another body: conflict), the module's decision, If-Match on its target stream.
  // Nothing is staged and no state changes. `done` runs once, after the batch's commit (a
  // failed commit: unavailable, as the decision may rest on what the batch staged); the same
  // errors as submit().
  using DryRunDone = std::function<void(Result<DryRunOutcome>)>;
  void dry_run(CommandCall call, DryRunDone done);

  // True when a module decides `command`.
  bool knows(std::string_view command) const;

  // Refuses new calls, answers every call already queued, joins the writer. Idempotent.
  void stop();

  // Called after each commit; set before start().
  void set_batch_observer(BatchObserver observer);

  // Called on the writer thread after each successful commit that takes the log's head past a
  // multiple of `every` (positions): the modules then hold exactly the log up to its head, and
  // nothing changes them until it returns, so it may save their state (periodic checkpoints,
  // state_checkpoint.h). Commands wait meanwhile: it should only capture, and leave writing
  // files to another thread. Set before start(); `every` 0 turns it off.
  void set_checkpoint_hook(std::uint64_t every, std::function<void()> hook);

  ProcessorStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Feeds every committed event with after < position <= to, in order, to every module: how the
// processor loads its state at start (after = 0, or the position of the checkpoint the modules
// were loaded from), and how read-only tools (a notification letter, a replay as of a past
// position) rebuild a module from a data folder. Fails with data_loss for a record that is not
// an event, or with the store's read error.
Status replay(const store::EventStore& store, const std::vector<domain::Module*>& modules,
              std::uint64_t to = std::numeric_limits<std::uint64_t>::max(), std::uint64_t after = 0);

// Dry runs on a stopped data folder (an import's --dry-run): calls decided one after another
// against `modules`, which the caller has fed the log (replay()) and which nobody else uses,
// through the same steps as the processor's. Each accepted call's would-be events are evolved
// into the modules, with the positions, stream versions and recorded_at they would get, and its
// idempotency key remembered, so that later calls see earlier ones. Nothing is written: the
// store may be open read-only. Not thread-safe; one DryRun per set of modules.
class DryRun {
 public:
  DryRun(store::EventStore& store, std::vector<domain::Module*> modules, ProcessorOptions options = {});
  ~DryRun();
  DryRun(const DryRun&) = delete;
  DryRun& operator=(const DryRun&) = delete;

  // The events `call` would append after every earlier accepted call, or the refusal a real
  // run would get (not_found for an unknown command; the module's; conflict; version_mismatch).
  Result<DryRunOutcome> decide(const CommandCall& call);
  // The stream's version after every accepted call so far (0: no event, committed or not).
  std::uint64_t stream_version(std::string_view stream) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The actor of calls made by the server itself or by a local tool holding the data folder
// (the first admin user and token, `sijill token create` on a stopped folder). It is never
// carried by a token.
inline const domain::Actor kSystemActor{"system", "system", ""};

}  // namespace sijill::processor
