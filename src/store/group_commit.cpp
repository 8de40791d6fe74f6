#include "sijill/store/group_commit.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace sijill::store {

struct GroupCommitter::Impl {
  EventStore& store;
  Options options;
  Hooks hooks;

  mutable std::mutex mu;  // guards queue, stopping and stats
  std::condition_variable wake;
  std::deque<Job> queue;
  bool stopping = false;
  Stats stats;
  std::thread writer;

  // The replies of committed batches, run in batch order on their own thread, so that the
  // writer stages and syncs the next batch while the callers of this one are woken.
  struct Replies {
    std::vector<Completion> completions;
    Status status;
  };
  std::mutex reply_mu;  // guards replies and writer_done
  std::condition_variable reply_wake;
  std::deque<Replies> replies;
  bool writer_done = false;
  std::thread replier;

  void reply_loop() {
    for (;;) {
      Replies next;
      {
        std::unique_lock lock(reply_mu);
        reply_wake.wait(lock, [&] { return !replies.empty() || writer_done; });
        if (replies.empty()) return;  // the writer has stopped and every reply is out
        next = std::move(replies.front());
        replies.pop_front();
      }
      for (auto& done : next.completions) {
        if (done) done(next.status);
      }
    }
  }

  Impl(EventStore& s, Options o, Hooks h) : store(s), options(o), hooks(std::move(h)) {}

  void run() {
    std::vector<Job> jobs;
    std::vector<Completion> completions;
    for (;;) {
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [&] { return !queue.empty() || stopping; });
        if (queue.empty()) {  // stopping, and everything submitted has been committed
          std::lock_guard reply_lock(reply_mu);
          writer_done = true;
          reply_wake.notify_all();
          return;
        }
        const auto n = std::min(queue.size(), options.max_jobs);
        jobs.clear();
        for (std::size_t i = 0; i < n; ++i) {
          jobs.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      if (hooks.begin) hooks.begin();
      Batch batch = store.begin_batch();
      completions.clear();
      for (auto& job : jobs) completions.push_back(job(batch));
      const auto records = batch.record_count();
      const auto started = std::chrono::steady_clock::now();
      Status status = store.commit(batch);
      const auto micros =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
      if (hooks.end) hooks.end(status);
      {
        std::lock_guard lock(mu);
        ++stats.batches;
        stats.jobs += jobs.size();
        stats.records += records;
        if (records > 0) stats.last_commit_micros = static_cast<std::uint64_t>(micros);
      }
      {
        std::lock_guard lock(reply_mu);
        replies.push_back({std::move(completions), status});
        completions = {};
      }
      reply_wake.notify_one();
    }
  }
};

GroupCommitter::GroupCommitter(EventStore& store, Options options, Hooks hooks)
    : impl_(std::make_unique<Impl>(store, options, std::move(hooks))) {
  impl_->replier = std::thread([this] { impl_->reply_loop(); });
  impl_->writer = std::thread([this] { impl_->run(); });
}

GroupCommitter::GroupCommitter(EventStore& store) : GroupCommitter(store, Options(), Hooks()) {}

GroupCommitter::~GroupCommitter() { stop(); }

bool GroupCommitter::submit(Job job) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return false;
    impl_->queue.push_back(std::move(job));
  }
  impl_->wake.notify_one();
  return true;
}

std::future<Result<AppendResult>> GroupCommitter::append(AppendRequest request) {
  auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
  auto future = promise->get_future();
  auto req = std::make_shared<AppendRequest>(std::move(request));
  bool queued = submit([promise, req](Batch& batch) -> Completion {
    auto staged = std::make_shared<Result<AppendResult>>(batch.stage(*req));
    return [promise, staged](const Status& commit) {
      if (!commit) {
        promise->set_value(commit);
      } else {
        promise->set_value(std::move(*staged));
      }
    };
  });
  if (!queued) promise->set_value(Status::unavailable("the writer is shutting down"));
  return future;
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
  if (impl_->replier.joinable()) impl_->replier.join();
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace sijill::store
