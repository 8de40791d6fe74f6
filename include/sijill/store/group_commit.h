// Group commit: one writer thread that turns everything queued during the previous fsync into
// the next batch.
//
// Callers submit jobs from any thread. The writer takes every job queued so far (up to
// max_jobs), runs each one against one Batch (each job sees what the jobs before it staged),
// commits the batch with a single synced write, and only then runs every job's completion with
// the commit's status. Completions run on a second thread, batch after batch in commit order,
// while the writer goes on with the next batch: a caller is woken without delaying the next
// fsync. A job that stages nothing (a refusal) is answered at the same moment as
// the others, since its refusal may rest on records of the same batch. When the commit fails,
// every completion of the batch gets that failure (unavailable) and the store is stopped.
//
// The command processor submits jobs that decide commands against its working state; append()
// is the plain form used by tools, tests and benchmarks.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>

#include "sijill/store/event_store.h"

namespace sijill::store {

class GroupCommitter {
 public:
  struct Options {
    std::size_t max_jobs = 4096;  // at most this many jobs in one batch
  };
  // Runs on the reply thread after the batch's commit; `commit` is ok or the failure. Must be
  // quick and must not submit and wait (that would wait for itself).
  using Completion = std::function<void(const Status& commit)>;
  // Runs on the writer thread; stages into the batch (or not) and says what to do afterwards.
  using Job = std::function<Completion(Batch& batch)>;
  // Called on the writer thread around each batch (the command processor copies its state
  // in begin and keeps or drops the copy in end).
  struct Hooks {
    std::function<void()> begin;
    std::function<void(const Status& commit)> end;
  };

  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t jobs = 0;
    std::uint64_t records = 0;
    std::uint64_t last_commit_micros = 0;  // the last write + fsync
  };

  // The store must outlive the committer. Only one committer per store.
  explicit GroupCommitter(EventStore& store);
  GroupCommitter(EventStore& store, Options options, Hooks hooks = Hooks());
  // Stops after every job already submitted has been committed and answered.
  ~GroupCommitter();

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Thread-safe. Returns false, without running the job, once stop() has begun; the caller
  // then answers unavailable itself.
  bool submit(Job job);

  // Stages `request` in the next batch; the future resolves once the batch is durable (or with
  // the staging error, also after the batch's commit).
  std::future<Result<AppendResult>> append(AppendRequest request);

  // Stops accepting jobs, finishes those queued, joins the writer. Idempotent.
  void stop();

  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sijill::store
