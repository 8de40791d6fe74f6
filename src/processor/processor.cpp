#include "sijill/processor/processor.h"

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "sijill/util/utf8.h"

namespace sijill::processor {

store::Hash sha256(std::string_view bytes) { return store::sha256(bytes); }

boost::json::object problem_document(const Status& status) {
  boost::json::object o;
  o["type"] = "/problems/" + std::string(status.rule());
  o["title"] = problem_title(status.code());
  o["status"] = http_status(status.code());
  // Messages may quote input that is not UTF-8 (a percent-decoded command name or path); the
  // document must stay JSON, which is UTF-8 (RFC 8259).
  o["detail"] = to_valid_utf8(status.message());
  if (!status.violations().empty()) {
    boost::json::array errors;
    for (const auto& v : status.violations())
      errors.push_back(boost::json::object{{"path", to_valid_utf8(v.path)}, {"message", to_valid_utf8(v.message)}});
    o["errors"] = std::move(errors);
  }
  return o;
}

namespace {

time::Instant instant_or(std::string_view text, time::Instant fallback) {
  auto t = time::parse_instant(text);
  return t ? *t : fallback;
}

// Feeds one committed record to every module.
Status feed(const store::Record& r, const std::vector<domain::Module*>& modules) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.bytes, ec);
  if (ec || !v.is_object()) return Status::data_loss("record " + std::to_string(r.position) + " is not JSON");
  const auto& o = v.get_object();
  const auto* stream = o.if_contains("stream");
  const auto* version = o.if_contains("version");
  const auto* type = o.if_contains("type");
  const auto* recorded_at = o.if_contains("recorded_at");
  const auto* actor = o.if_contains("actor");
  const auto* data = o.if_contains("data");
  if (!stream || !stream->is_string() || !version || !version->is_number() || !type || !type->is_string() ||
      !recorded_at || !recorded_at->is_string() || !actor || !actor->is_object() || !data || !data->is_object()) {
    return Status::data_loss("record " + std::to_string(r.position) + " lacks an envelope field");
  }
  domain::RecordedEvent e;
  e.position = r.position;
  e.stream = stream->get_string();
  e.version = version->to_number<std::uint64_t>();
  e.type = type->get_string();
  e.recorded_at = instant_or(recorded_at->get_string(), time::Instant{});
  const auto& a = actor->get_object();
  if (const auto* id = a.if_contains("id"); id && id->is_string()) e.actor.id = id->get_string();
  if (const auto* role = a.if_contains("role"); role && role->is_string()) e.actor.role = role->get_string();
  e.data = &data->get_object();
  for (auto* m : modules) m->evolve(e);
  return Status::ok();
}

using Owners = std::unordered_map<std::string, domain::Module*>;

// A call decided, nothing staged yet.
struct Decided {
  std::optional<store::AppendResult> repeat;  // an idempotent repeat: its first result, not decided again
  std::optional<store::IdempotencyKey> key;
  domain::Decision decision;
};

using RepeatOf = std::function<Result<std::optional<store::AppendResult>>(const store::IdempotencyKey&)>;
using VersionOf = std::function<std::uint64_t(std::string_view stream)>;

// The steps that a real run and a dry run share, staging nothing: the module that owns the
// command, the idempotency key (`repeat_of`), the decision, If-Match (`version_of`).
Result<Decided> decide_call(const Owners& owners, const CommandCall& call, const domain::CommandContext& context,
                            const RepeatOf& repeat_of, const VersionOf& version_of) {
  auto owner = owners.find(call.name);
  if (owner == owners.end()) return Status::not_found("unknown command " + call.name);
  Decided out;
  if (call.idempotency_key) {
    out.key = store::IdempotencyKey{call.actor.id, call.name, *call.idempotency_key, sha256(call.body)};
    auto repeat = repeat_of(*out.key);
    if (!repeat) return repeat.status();
    if (*repeat) {
      out.repeat = std::move(**repeat);
      return out;
    }
  }
  auto decision = owner->second->decide(call.name, call.data, context);
  if (!decision) return decision.status();
  if (decision->events.empty()) return Status::internal(call.name + " decided no event");
  if (call.if_match) {
    const auto& target = decision->target_stream;
    if (target.empty()) return Status::invalid_argument(call.name + " has no target stream: If-Match does not apply");
    // The store checks it again when staging; the same words either way.
    if (const auto actual = version_of(target); actual != *call.if_match) {
      return Status::version_mismatch("stream " + target + " is at version " + std::to_string(actual) + ", not " +
                                      std::to_string(*call.if_match));
    }
  }
  out.decision = std::move(decision).value();
  return out;
}

DryRunOutcome replayed_outcome(const store::AppendResult& first) {
  DryRunOutcome o;
  o.replayed = true;
  o.first = first;
  return o;
}

}  // namespace

Status replay(const store::EventStore& store, const std::vector<domain::Module*>& modules, std::uint64_t to,
              std::uint64_t after) {
  Status fed;
  if (after >= to) return fed;
  auto scanned = store.scan_log(
      after, to,
      [&](const store::Record& r) {
        fed = feed(r, modules);
        return fed.is_ok();
      },
      store::EventStore::Scan::bulk);
  if (!scanned) return scanned;
  return fed;
}

struct Processor::Impl {
  store::EventStore& store;
  std::vector<domain::Module*> modules;
  ProcessorOptions options;
  std::unordered_map<std::string, domain::Module*> owners;  // immutable after start()
  std::unique_ptr<store::GroupCommitter> committer;
  BatchObserver observer;
  std::uint64_t checkpoint_every = 0;
  std::function<void()> checkpoint;
  std::uint64_t checkpointed = 0;  // the head when the hook last ran (or at start)

  std::atomic<bool> failed{false};
  std::atomic<bool> stopped{false};
  std::atomic<std::uint64_t> batches{0}, calls{0}, accepted{0}, replayed{0}, refused{0};

  // Owned by the writer thread.
  boost::uuids::random_generator uuids;
  std::size_t batch_calls = 0;
  std::size_t batch_records = 0;
  std::chrono::steady_clock::time_point last_job_end;

  Impl(store::EventStore& s, std::vector<domain::Module*> m, ProcessorOptions o)
      : store(s), modules(std::move(m)), options(std::move(o)) {}

  time::Instant now() const {
    if (options.clock) return options.clock();
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  void evolve_all(const domain::RecordedEvent& e) {
    for (auto* m : modules) m->evolve(e);
  }

  // Runs one call against the batch; returns what to answer once the batch is committed.
  Result<CommandOutcome> decide_and_stage(store::Batch& batch, const CommandCall& call) {
    if (failed.load()) return Status::unavailable("storage failed earlier; the server refuses writes until restarted");
    domain::CommandContext context{call.actor, now(), boost::uuids::to_string(uuids())};
    auto decided = decide_call(
        owners, call, context, [&](const store::IdempotencyKey& k) { return batch.repeat_of(k); },
        [&](std::string_view stream) { return batch.stream_version(stream); });
    if (!decided) return decided.status();
    if (decided->repeat) {
      auto& first = *decided->repeat;
      return CommandOutcome{first.position, std::move(first.events), std::move(first.recorded_at), true};
    }
    const auto& key = decided->key;
    auto& decision = decided->decision;

    store::AppendRequest request;
    request.idempotency = key;
    if (call.if_match) request.expected.push_back({decision.target_stream, *call.if_match});
    request.events.reserve(decision.events.size());
    for (auto& e : decision.events) {
      store::EventDraft d;
      d.stream = std::move(e.stream);
      d.type = std::move(e.type);
      d.data = std::move(e.data);
      d.actor = {call.actor.id, call.actor.role};
      if (!call.correlation_id.empty()) d.correlation_id = call.correlation_id;
      d.causation_id = context.id_seed;
      request.events.push_back(std::move(d));
    }
    auto staged = batch.stage(request);
    if (!staged) return staged.status();
    if (staged->replayed) {  // the probe said new; keep the first result all the same
      return CommandOutcome{staged->position, std::move(staged->events), std::move(staged->recorded_at), true};
    }
    const auto recorded_at = instant_or(staged->recorded_at, context.now);
    for (std::size_t i = 0; i < request.events.size(); ++i) {
      const auto& d = request.events[i];
      const auto& a = staged->events[i];
      domain::RecordedEvent e{a.position, d.stream, a.version, d.type, recorded_at, call.actor, &d.data};
      evolve_all(e);
    }
    batch_records += request.events.size();
    return CommandOutcome{staged->position, std::move(staged->events), std::move(staged->recorded_at), false};
  }

  // A dry run against the batch: decided as decide_and_stage() would, nothing staged or evolved.
  Result<DryRunOutcome> decide_only(const store::Batch& batch, const CommandCall& call) {
    if (failed.load()) return Status::unavailable("storage failed earlier; the server refuses writes until restarted");
    domain::CommandContext context{call.actor, now(), boost::uuids::to_string(uuids())};
    auto decided = decide_call(
        owners, call, context, [&](const store::IdempotencyKey& k) { return batch.repeat_of(k); },
        [&](std::string_view stream) { return batch.stream_version(stream); });
    if (!decided) return decided.status();
    if (decided->repeat) return replayed_outcome(*decided->repeat);
    DryRunOutcome out;
    out.events = std::move(decided->decision.events);
    out.target_stream = std::move(decided->decision.target_stream);
    return out;
  }
};

Processor::Processor(store::EventStore& store, std::vector<domain::Module*> modules, ProcessorOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(modules), std::move(options))) {}

Processor::~Processor() { stop(); }

Status Processor::start(std::uint64_t after) {
  auto& d = *impl_;
  if (const auto head = d.store.head().position; after > head) {
    return Status::invalid_argument("the state is at position " + std::to_string(after) + ", past the log's head (" +
                                    std::to_string(head) + ")");
  }
  for (auto* m : d.modules) {
    for (auto& name : m->commands()) {
      if (!d.owners.emplace(name, m).second) return Status::internal("two modules decide " + name);
    }
  }
  if (auto fed = replay(d.store, d.modules, std::numeric_limits<std::uint64_t>::max(), after); !fed) return fed;

  d.checkpointed = d.store.head().position;
  store::GroupCommitter::Hooks hooks;
  hooks.begin = [&d] {
    d.batch_calls = 0;
    d.batch_records = 0;
  };
  hooks.end = [&d](const Status& commit) {
    const auto took =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - d.last_job_end);
    if (d.batch_calls > 0) ++d.batches;
    if (!commit) d.failed = true;
    if (d.observer && d.batch_calls > 0) d.observer(d.batch_calls, d.batch_records, took);
    if (commit && !d.failed && d.checkpoint && d.checkpoint_every > 0) {
      const auto head = d.store.head().position;
      if (head / d.checkpoint_every > d.checkpointed / d.checkpoint_every) {
        d.checkpoint();
        d.checkpointed = head;
      }
    }
  };
  d.committer = std::make_unique<store::GroupCommitter>(d.store, store::GroupCommitter::Options{d.options.max_batch},
                                                        std::move(hooks));
  return Status::ok();
}

namespace {

// Why a call cannot be queued at all (storage failed, or shutting down); ok when it can.
Status admission(bool failed, bool accepting, std::string_view retry) {
  if (failed) return Status::unavailable("storage failed earlier; the server refuses writes until restarted");
  if (!accepting) return Status::unavailable("the server is shutting down; " + std::string(retry));
  return Status::ok();
}

}  // namespace

void Processor::submit(CommandCall call, Done done) {
  auto& d = *impl_;
  if (auto st = admission(d.failed.load(), d.committer && !d.stopped.load(), "retry with the same Idempotency-Key");
      !st) {
    done(st);
    return;
  }
  auto shared_call = std::make_shared<CommandCall>(std::move(call));
  auto shared_done = std::make_shared<Done>(std::move(done));
  bool queued = d.committer->submit([&d, shared_call, shared_done](store::Batch& batch) {
    ++d.batch_calls;
    auto answer = std::make_shared<Result<CommandOutcome>>(d.decide_and_stage(batch, *shared_call));
    d.last_job_end = std::chrono::steady_clock::now();
    return [&d, answer, shared_done](const Status& commit) {
      ++d.calls;
      if (!commit) {
        ++d.refused;
        (*shared_done)(Status::unavailable("storage failed while committing (" + std::string(commit.message()) +
                                           "); outcome unknown: retry with the same Idempotency-Key"));
        return;
      }
      if (!answer->is_ok()) {
        ++d.refused;
      } else if ((*answer)->replayed) {
        ++d.replayed;
      } else {
        ++d.accepted;
      }
      (*shared_done)(std::move(*answer));
    };
  });
  if (!queued) (*shared_done)(Status::unavailable("the server is shutting down; retry with the same Idempotency-Key"));
}

Result<CommandOutcome> Processor::run(CommandCall call) {
  auto promise = std::make_shared<std::promise<Result<CommandOutcome>>>();
  auto future = promise->get_future();
  submit(std::move(call), [promise](Result<CommandOutcome> r) { promise->set_value(std::move(r)); });
  return future.get();
}

void Processor::dry_run(CommandCall call, DryRunDone done) {
  auto& d = *impl_;
  if (auto st = admission(d.failed.load(), d.committer && !d.stopped.load(), "retry later"); !st) {
    done(st);
    return;
  }
  auto shared_call = std::make_shared<CommandCall>(std::move(call));
  auto shared_done = std::make_shared<DryRunDone>(std::move(done));
  bool queued = d.committer->submit([&d, shared_call, shared_done](store::Batch& batch) {
    auto answer = std::make_shared<Result<DryRunOutcome>>(d.decide_only(batch, *shared_call));
    return [answer, shared_done](const Status& commit) {
      if (!commit) {
        (*shared_done)(Status::unavailable("storage failed while committing (" + std::string(commit.message()) +
                                           "); the dry run's answer is unknown: retry later"));
        return;
      }
      (*shared_done)(std::move(*answer));
    };
  });
  if (!queued) (*shared_done)(Status::unavailable("the server is shutting down; retry later"));
}

bool Processor::knows(std::string_view command) const {
  return impl_->owners.find(std::string(command)) != impl_->owners.end();
}

void Processor::stop() {
  impl_->stopped = true;
  if (impl_->committer) impl_->committer->stop();
}

void Processor::set_batch_observer(BatchObserver observer) { impl_->observer = std::move(observer); }

void Processor::set_checkpoint_hook(std::uint64_t every, std::function<void()> hook) {
  impl_->checkpoint_every = every;
  impl_->checkpoint = std::move(hook);
}

ProcessorStats Processor::stats() const {
  const auto& d = *impl_;
  return {d.batches.load(), d.calls.load(), d.accepted.load(), d.replayed.load(), d.refused.load(), d.failed.load()};
}

struct DryRun::Impl {
  store::EventStore& store;
  std::vector<domain::Module*> modules;
  ProcessorOptions options;
  Owners owners;
  Status setup;                           // two modules claiming one command
  std::optional<store::Batch> committed;  // never staged into: the log's idempotency keys and versions
  std::map<std::string, std::uint64_t, std::less<>> versions;  // streams the dry run wrote to
  struct Used {
    store::Hash digest;
    store::AppendResult result;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Used> keys;  // (user, command, key)
  std::uint64_t next_position = 0;
  time::Instant last_recorded_at{};
  boost::uuids::random_generator uuids;

  Impl(store::EventStore& s, std::vector<domain::Module*> m, ProcessorOptions o)
      : store(s), modules(std::move(m)), options(std::move(o)) {}

  time::Instant now() const {
    if (options.clock) return options.clock();
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  std::uint64_t version_of(std::string_view stream) const {
    if (auto it = versions.find(stream); it != versions.end()) return it->second;
    return committed->stream_version(stream);
  }

  Result<std::optional<store::AppendResult>> repeat_of(const store::IdempotencyKey& k) const {
    if (auto it = keys.find({k.user, k.command, k.key}); it != keys.end()) {
      if (it->second.digest != k.body_digest) {
        return Status::conflict("idempotency key '" + k.key + "' was already used for " + k.command +
                                " with a different body");
      }
      auto r = it->second.result;
      r.replayed = true;
      return std::optional<store::AppendResult>(std::move(r));
    }
    return committed->repeat_of(k);
  }
};

DryRun::DryRun(store::EventStore& store, std::vector<domain::Module*> modules, ProcessorOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(modules), std::move(options))) {
  auto& d = *impl_;
  for (auto* m : d.modules) {
    for (auto& name : m->commands()) {
      if (!d.owners.emplace(name, m).second) d.setup = Status::internal("two modules decide " + name);
    }
  }
  // Batch reads the committed log only until something is staged, and nothing ever is.
  d.committed.emplace(store.begin_batch());
  d.next_position = store.head().position + 1;
}

DryRun::~DryRun() = default;

std::uint64_t DryRun::stream_version(std::string_view stream) const { return impl_->version_of(stream); }

Result<DryRunOutcome> DryRun::decide(const CommandCall& call) {
  auto& d = *impl_;
  if (!d.setup) return d.setup;
  const auto now = std::max(d.now(), d.last_recorded_at);
  domain::CommandContext context{call.actor, now, boost::uuids::to_string(d.uuids())};
  auto decided = decide_call(
      d.owners, call, context, [&](const store::IdempotencyKey& k) { return d.repeat_of(k); },
      [&](std::string_view stream) { return d.version_of(stream); });
  if (!decided) return decided.status();
  if (decided->repeat) return replayed_outcome(*decided->repeat);

  DryRunOutcome out;
  out.events = std::move(decided->decision.events);
  out.target_stream = std::move(decided->decision.target_stream);
  // What the store would give the events, then the state that later calls see.
  store::AppendResult result;
  result.recorded_at = time::format_utc(now);
  d.last_recorded_at = now;
  for (const auto& e : out.events) {
    const auto version = d.version_of(e.stream) + 1;
    const auto position = d.next_position++;
    d.versions[e.stream] = version;
    result.events.push_back({position, e.stream, version, e.type});
    domain::RecordedEvent recorded{position, e.stream, version, e.type, now, call.actor, &e.data};
    for (auto* m : d.modules) m->evolve(recorded);
  }
  result.position = result.events.back().position;
  if (decided->key) {
    const auto& k = *decided->key;
    d.keys[{k.user, k.command, k.key}] = Impl::Used{k.body_digest, std::move(result)};
  }
  return out;
}

}  // namespace sijill::processor
