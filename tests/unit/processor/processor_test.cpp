// The command processor against a tiny module defined here (a test double of domain::Module):
// tallies that can be opened and added to, up to a limit of 10.
#include <catch2/catch.hpp>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <future>
#include <map>
#include <mutex>

#include "fault_fs.h"
#include "sijill/processor/processor.h"
#include "temp_dir.h"

using namespace sijill;

namespace {

class TallyModule final : public domain::Module {
 public:
  std::vector<std::string> commands() const override { return {"OpenTally", "AddToTally"}; }

  Result<domain::Decision> decide(std::string_view command, const boost::json::object& data,
                                  const domain::CommandContext& context) const override {
    ++decisions;
    const std::string id(data.at("id").as_string());
    const std::string stream = "tally/" + id;
    auto it = totals.find(id);
    domain::Decision d;
    d.target_stream = stream;
    if (command == "OpenTally") {
      if (it != totals.end()) return Status::conflict("tally " + id + " exists");
      d.events.push_back({stream, "TallyOpened", {{"id", id}, {"by", context.actor.id}}});
      return d;
    }
    if (it == totals.end()) return Status::not_found("no tally " + id);
    const auto n = data.at("n").as_int64();
    if (it->second + n > 10) return Status::rule_violation("tally-limit", "a tally stops at 10");
    d.events.push_back({stream, "TallyAdded", {{"id", id}, {"n", n}}});
    return d;
  }

  void evolve(const domain::RecordedEvent& e) override {
    seen.push_back(e.position);
    last_recorded_at = e.recorded_at;
    const std::string id(e.data->at("id").as_string());
    if (e.type == "TallyOpened") totals[id] = 0;
    if (e.type == "TallyAdded") totals[id] += e.data->at("n").as_int64();
  }

  std::map<std::string, std::int64_t> totals;
  std::vector<std::uint64_t> seen;
  time::Instant last_recorded_at{};
  mutable std::atomic<int> decisions{0};
};

processor::CommandCall call(std::string name, boost::json::object data, std::optional<std::string> key = {}) {
  processor::CommandCall c;
  c.name = std::move(name);
  c.body = boost::json::serialize(data);
  c.data = std::move(data);
  c.actor = {"u-officer", "programme_officer", ""};
  c.idempotency_key = std::move(key);
  c.correlation_id = "corr-1";
  return c;
}

std::unique_ptr<store::EventStore> open(const std::filesystem::path& dir,
                                        std::shared_ptr<testing::FaultFs> fs = nullptr) {
  store::StoreOptions o;
  o.dir = dir;
  o.file_system = std::move(fs);
  auto s = store::EventStore::open(o);
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

// Submits every call before waiting, so that they tend to share batches.
std::vector<Result<processor::CommandOutcome>> run_all(processor::Processor& p,
                                                       std::vector<processor::CommandCall> calls) {
  std::vector<std::future<Result<processor::CommandOutcome>>> futures;
  for (auto& c : calls) {
    auto promise = std::make_shared<std::promise<Result<processor::CommandOutcome>>>();
    futures.push_back(promise->get_future());
    p.submit(std::move(c), [promise](Result<processor::CommandOutcome> r) { promise->set_value(std::move(r)); });
  }
  std::vector<Result<processor::CommandOutcome>> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

}  // namespace

TEST_CASE("a command is decided, appended durably and evolved into the module") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  auto r = p.run(call("OpenTally", {{"id", "t1"}}));
  REQUIRE(r.is_ok());
  CHECK(r->position == 1);
  REQUIRE(r->events.size() == 1);
  CHECK(r->events[0].stream == "tally/t1");
  CHECK(r->events[0].type == "TallyOpened");
  CHECK_FALSE(r->replayed);
  CHECK(store->head().position == 1);
  CHECK(tally.totals.at("t1") == 0);
  CHECK(tally.last_recorded_at == time::parse_instant(r->recorded_at).value());
  auto records = store->read_log(0, 10);
  REQUIRE(records->size() == 1);
  CHECK(records->front().bytes.find("\"correlation_id\":\"corr-1\"") != std::string::npos);
  CHECK(records->front().bytes.find("\"actor\":{\"id\":\"u-officer\",\"role\":\"programme_officer\"}") !=
        std::string::npos);
}

TEST_CASE("refusals append nothing and later commands of a batch see earlier ones") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  REQUIRE(p.run(call("OpenTally", {{"id", "t1"}})).is_ok());
  std::vector<processor::CommandCall> calls;
  for (int i = 0; i < 15; ++i) calls.push_back(call("AddToTally", {{"id", "t1"}, {"n", 1}}));
  auto results = run_all(p, std::move(calls));
  int accepted = 0, refused = 0;
  for (auto& r : results) {
    if (r.is_ok()) {
      ++accepted;
    } else {
      CHECK(r.status().rule() == "tally-limit");
      CHECK(http_status(r.status().code()) == 422);
      ++refused;
    }
  }
  CHECK(accepted == 10);
  CHECK(refused == 5);
  CHECK(store->head().position == 11);
  CHECK(tally.totals.at("t1") == 10);
  CHECK(p.run(call("AddToTally", {{"id", "nope"}, {"n", 1}})).status().code() == Code::not_found);
  CHECK(p.run(call("Unknown", {{"id", "x"}})).status().code() == Code::not_found);
  CHECK(p.stats().refused == 7);
}

TEST_CASE("an idempotent repeat returns the first success without deciding again") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  auto first = p.run(call("OpenTally", {{"id", "t1"}}, "key-1"));
  REQUIRE(first.is_ok());
  const int decisions = tally.decisions;

  // Opening t1 again would now be refused (conflict); the repeat still gets the first success.
  auto repeat = p.run(call("OpenTally", {{"id", "t1"}}, "key-1"));
  REQUIRE(repeat.is_ok());
  CHECK(repeat->replayed);
  CHECK(repeat->position == first->position);
  CHECK(repeat->events[0].stream == "tally/t1");
  CHECK(repeat->recorded_at == first->recorded_at);
  CHECK(tally.decisions == decisions);
  CHECK(store->head().position == 1);

  // Same key, another body: conflict. Another user's same key: a new command (refused here).
  auto other_body = call("OpenTally", {{"id", "t2"}}, "key-1");
  CHECK(p.run(std::move(other_body)).status().code() == Code::conflict);
  auto other_user = call("OpenTally", {{"id", "t1"}}, "key-1");
  other_user.actor.id = "u-other";
  CHECK(p.run(std::move(other_user)).status().code() == Code::conflict);  // the module's duplicate
  CHECK(store->head().position == 1);

  // Only successes are remembered: a refused command may be retried with its key.
  CHECK(p.run(call("AddToTally", {{"id", "t1"}, {"n", 11}}, "key-2")).status().rule() == "tally-limit");
  auto retried = p.run(call("AddToTally", {{"id", "t1"}, {"n", 11}}, "key-2"));
  CHECK(retried.status().rule() == "tally-limit");
}

TEST_CASE("two repeats racing in one batch: one is decided, the other answers its result") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  std::vector<processor::CommandCall> calls;
  for (int i = 0; i < 4; ++i) calls.push_back(call("OpenTally", {{"id", "t1"}}, "same"));
  auto results = run_all(p, std::move(calls));
  int replayed = 0;
  for (auto& r : results) {
    REQUIRE(r.is_ok());
    CHECK(r->position == 1);
    replayed += r->replayed ? 1 : 0;
  }
  CHECK(replayed == 3);
  CHECK(store->head().position == 1);
  CHECK(tally.seen == std::vector<std::uint64_t>{1});
}

TEST_CASE("If-Match is checked on the target stream, after the idempotency key") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  REQUIRE(p.run(call("OpenTally", {{"id", "t1"}})).is_ok());
  auto add = [](std::uint64_t version, std::optional<std::string> key) {
    auto c = call("AddToTally", {{"id", "t1"}, {"n", 1}}, std::move(key));
    c.if_match = version;
    return c;
  };
  auto ok = p.run(add(1, "k"));
  REQUIRE(ok.is_ok());
  CHECK(ok->events[0].version == 2);
  auto stale = p.run(add(1, "other"));
  CHECK(stale.status().code() == Code::version_mismatch);
  CHECK(http_status(stale.status().code()) == 412);
  auto repeat = p.run(add(1, "k"));  // stale If-Match, but a repeat of a success
  REQUIRE(repeat.is_ok());
  CHECK(repeat->replayed);
  CHECK(store->head().position == 2);
  auto fresh_stream = call("OpenTally", {{"id", "t9"}});
  fresh_stream.if_match = 0;  // the stream must not exist yet
  CHECK(p.run(std::move(fresh_stream)).is_ok());
}

TEST_CASE("at start-up the modules are fed every committed event in order") {
  testing::TempDir dir;
  {
    auto store = open(dir.path());
    TallyModule tally;
    processor::Processor p(*store, {&tally});
    REQUIRE(p.start().is_ok());
    REQUIRE(p.run(call("OpenTally", {{"id", "t1"}})).is_ok());
    REQUIRE(p.run(call("AddToTally", {{"id", "t1"}, {"n", 4}})).is_ok());
    REQUIRE(p.run(call("AddToTally", {{"id", "t1"}, {"n", 5}})).is_ok());
  }
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  CHECK(tally.seen == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(tally.totals.at("t1") == 9);
  CHECK(p.run(call("AddToTally", {{"id", "t1"}, {"n", 2}})).status().rule() == "tally-limit");
}

TEST_CASE("two modules may not decide the same command") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule a, b;
  processor::Processor p(*store, {&a, &b});
  CHECK(p.start().code() == Code::internal);
}

TEST_CASE("a failed commit answers every call of the batch 503 and stops the processor") {
  testing::TempDir dir;
  auto fs = std::make_shared<testing::FaultFs>();
  auto store = open(dir.path(), fs);
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  std::atomic<int> batches{0};
  p.set_batch_observer([&](std::size_t, std::size_t, std::chrono::microseconds) { ++batches; });
  REQUIRE(p.start().is_ok());
  REQUIRE(p.run(call("OpenTally", {{"id", "t1"}})).is_ok());
  fs->fail_next_sync();
  std::vector<processor::CommandCall> calls;
  calls.push_back(call("AddToTally", {{"id", "t1"}, {"n", 1}}, "k1"));
  calls.push_back(call("AddToTally", {{"id", "nope"}, {"n", 1}}));  // a refusal in the same batch
  auto results = run_all(p, std::move(calls));
  bool saw_outcome_unknown = false;
  for (auto& r : results) {
    if (!r.is_ok() && r.status().code() == Code::unavailable) {
      saw_outcome_unknown = saw_outcome_unknown ||
                            r.status().message().find("retry with the same Idempotency-Key") != std::string_view::npos;
    }
  }
  CHECK(saw_outcome_unknown);
  CHECK(results[0].status().code() == Code::unavailable);
  CHECK(results[1].status().code() == Code::unavailable);
  auto after = p.run(call("OpenTally", {{"id", "t2"}}));
  CHECK(after.status().code() == Code::unavailable);
  CHECK(p.stats().failed);
  CHECK(batches >= 2);
}

TEST_CASE("after stop every call is answered unavailable") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  p.stop();
  CHECK(p.run(call("OpenTally", {{"id", "t1"}})).status().code() == Code::unavailable);
  CHECK(store->head().position == 0);
}

namespace {

Result<processor::DryRunOutcome> dry(processor::Processor& p, processor::CommandCall c) {
  auto promise = std::make_shared<std::promise<Result<processor::DryRunOutcome>>>();
  auto future = promise->get_future();
  p.dry_run(std::move(c), [promise](Result<processor::DryRunOutcome> r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace

TEST_CASE("a dry run is decided on the writer thread against the committed state, and stages nothing") {
  testing::TempDir dir;
  auto store = open(dir.path());
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  REQUIRE(p.start().is_ok());
  REQUIRE(p.run(call("OpenTally", {{"id", "t1"}}, "open-t1")).is_ok());
  REQUIRE(p.run(call("AddToTally", {{"id", "t1"}, {"n", 4}})).is_ok());
  const auto head = store->head();

  auto add = dry(p, call("AddToTally", {{"id", "t1"}, {"n", 6}}));
  REQUIRE(add.is_ok());
  CHECK_FALSE(add->replayed);
  REQUIRE(add->events.size() == 1);
  CHECK(add->events[0].stream == "tally/t1");
  CHECK(add->events[0].type == "TallyAdded");
  CHECK(add->events[0].data.at("n").as_int64() == 6);
  CHECK(add->target_stream == "tally/t1");
  // The rules' refusals, idempotency and If-Match as a real run answers them.
  CHECK(dry(p, call("AddToTally", {{"id", "t1"}, {"n", 7}})).status().rule() == "tally-limit");
  CHECK(dry(p, call("OpenTally", {{"id", "t1"}})).status().code() == Code::conflict);
  auto repeat = dry(p, call("OpenTally", {{"id", "t1"}}, "open-t1"));
  REQUIRE(repeat.is_ok());
  CHECK(repeat->replayed);
  CHECK(repeat->events.empty());
  CHECK(repeat->first.position == 1);
  CHECK(dry(p, call("OpenTally", {{"id", "t2"}}, "open-t1")).status().code() == Code::conflict);
  auto stale = call("AddToTally", {{"id", "t1"}, {"n", 1}});
  stale.if_match = 1;
  CHECK(dry(p, stale).status().code() == Code::version_mismatch);
  stale.if_match = 2;
  CHECK(dry(p, stale).is_ok());
  CHECK(dry(p, call("NoSuchCommand", {{"id", "t1"}})).status().code() == Code::not_found);

  // Nothing was appended and the state did not move: a real run still may add 6.
  CHECK(store->head().position == head.position);
  CHECK(store->head().hash == head.hash);
  CHECK(tally.totals.at("t1") == 4);
  REQUIRE(p.run(call("AddToTally", {{"id", "t1"}, {"n", 6}})).is_ok());
  CHECK(tally.totals.at("t1") == 10);
  p.stop();
  CHECK(dry(p, call("AddToTally", {{"id", "t1"}, {"n", 0}})).status().code() == Code::unavailable);
}

TEST_CASE("an offline dry run sees its earlier calls, and writes nothing") {
  testing::TempDir dir;
  {
    auto store = open(dir.path());
    TallyModule tally;
    processor::Processor p(*store, {&tally});
    REQUIRE(p.start().is_ok());
    REQUIRE(p.run(call("OpenTally", {{"id", "t1"}})).is_ok());
  }
  store::StoreOptions o;
  o.dir = dir.path();
  o.read_only = true;
  auto store = store::EventStore::open(o);
  REQUIRE(store.is_ok());
  TallyModule tally;
  REQUIRE(processor::replay(**store, {&tally}).is_ok());
  processor::DryRun dry_run(**store, {&tally});
  auto opened = dry_run.decide(call("OpenTally", {{"id", "t2"}}, "open-t2"));
  REQUIRE(opened.is_ok());
  CHECK(tally.totals.count("t2") == 1);  // evolved into the working copy
  CHECK(tally.seen.back() == 2);         // at the position it would get
  CHECK(dry_run.stream_version("tally/t2") == 1);
  CHECK(dry_run.decide(call("AddToTally", {{"id", "t2"}, {"n", 8}})).is_ok());
  CHECK(dry_run.decide(call("AddToTally", {{"id", "t2"}, {"n", 3}})).status().rule() == "tally-limit");
  auto repeat = dry_run.decide(call("OpenTally", {{"id", "t2"}}, "open-t2"));
  REQUIRE(repeat.is_ok());
  CHECK(repeat->replayed);
  CHECK(repeat->first.position == 2);
  auto match = call("AddToTally", {{"id", "t2"}, {"n", 1}});
  match.if_match = 2;
  CHECK(dry_run.decide(match).is_ok());
  CHECK(dry_run.decide(match).status().code() == Code::version_mismatch);  // now at 3
  CHECK((*store)->head().position == 1);
}

TEST_CASE(
    "the checkpoint hook runs on the writer thread when the head passes a multiple, with the module at the head") {
  testing::TempDir dir;
  auto fs = std::make_shared<testing::FaultFs>();
  auto store = open(dir.path(), fs);
  TallyModule tally;
  processor::Processor p(*store, {&tally});
  // What the module holds when the hook runs: its last event must be the log's head.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;  // (head, last event seen)
  p.set_checkpoint_hook(3, [&] { calls.emplace_back(store->head().position, tally.seen.back()); });
  REQUIRE(p.start().is_ok());
  REQUIRE(p.run(call("OpenTally", {{"id", "t1"}})).is_ok());  // 1
  REQUIRE(p.run(call("OpenTally", {{"id", "t2"}})).is_ok());  // 2
  CHECK(calls.empty());
  REQUIRE(p.run(call("OpenTally", {{"id", "t3"}})).is_ok());                                              // 3: passes 3
  REQUIRE(p.run(call("AddToTally", {{"id", "t1"}, {"n", 11}})).status().code() == Code::rule_violation);  // nothing
  REQUIRE(p.run(call("OpenTally", {{"id", "t4"}})).is_ok());                                              // 4
  REQUIRE(p.run(call("OpenTally", {{"id", "t5"}})).is_ok());                                              // 5
  REQUIRE(calls == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{3, 3}});
  REQUIRE(p.run(call("OpenTally", {{"id", "t6"}})).is_ok());  // 6: passes 6
  CHECK(calls == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{3, 3}, {6, 6}});
  // A failed commit: the module may hold events the log does not; no capture then or after.
  fs->fail_next_sync();
  std::vector<processor::CommandCall> batch;
  for (int i = 7; i <= 9; ++i) batch.push_back(call("OpenTally", {{"id", "t" + std::to_string(i)}}));
  run_all(p, std::move(batch));
  CHECK(p.stats().failed);
  CHECK(calls.size() == 2);
}
