// The event store's rules: positions and versions, expectations, idempotency, the chain,
// reads, and refusals that stage nothing.
#include <catch2/catch.hpp>

#include <rocksdb/db.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "sijill/store/event_store.h"
#include "sijill/store/group_commit.h"
#include "store_fixtures.h"
#include "temp_dir.h"

using namespace sijill;
using namespace sijill::store;
using sijill::testing::draft;
using sijill::testing::one;
using sijill::testing::TempDir;

namespace {

std::unique_ptr<EventStore> open_store(const TempDir& dir, StoreOptions o = {}) {
  o.dir = dir.path();
  auto s = EventStore::open(std::move(o));
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

Result<AppendResult> append(EventStore& store, const AppendRequest& r) {
  auto batch = store.begin_batch();
  auto staged = batch.stage(r);
  auto st = store.commit(batch);
  if (!st) return st;
  return staged;
}

Hash digest_of(std::string_view body) { return chain_hash(kZeroHash, body); }

boost::json::value parsed(const Record& r) { return boost::json::parse(r.bytes); }

}  // namespace

TEST_CASE("positions start at 1 and are gap-free, versions per stream start at 1") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK(store->head().position == 0);
  CHECK(store->head().hash == kZeroHash);

  auto a = append(*store, one("application/A"));
  auto b = append(*store, one("application/B"));
  auto c = append(*store, one("application/A"));
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  REQUIRE(c.is_ok());
  CHECK(a->events[0].position == 1);
  CHECK(a->events[0].version == 1);
  CHECK(b->events[0].position == 2);
  CHECK(b->events[0].version == 1);
  CHECK(c->events[0].position == 3);
  CHECK(c->events[0].version == 2);
  CHECK(store->head().position == 3);
  CHECK(store->stream_version("application/A") == 2);
  CHECK(store->stream_version("application/B") == 1);
  CHECK(store->stream_version("application/C") == 0);
}

TEST_CASE("a request's events get consecutive positions within one batch") {
  TempDir dir;
  auto store = open_store(dir);
  AppendRequest r;
  r.events = {draft("call/AMI-2026", "CallOpened"), draft("application/A", "ApplicationReceived"),
              draft("call/AMI-2026", "CallAmended")};
  auto batch = store->begin_batch();
  auto x = batch.stage(r);
  auto y = batch.stage(one("application/A"));
  REQUIRE(x.is_ok());
  REQUIRE(y.is_ok());
  CHECK(x->position == 3);
  CHECK(x->events[2].version == 2);
  CHECK(y->events[0].position == 4);
  CHECK(y->events[0].version == 2);  // sees the staged version 1
  CHECK(batch.stream_version("application/A") == 2);
  CHECK(store->head().position == 0);  // nothing is visible before the commit
  REQUIRE(store->commit(batch).is_ok());
  CHECK(store->head().position == 4);
}

TEST_CASE("the record holds every envelope field, and its hash chains from 32 zero bytes") {
  TempDir dir;
  auto store = open_store(dir);
  auto d = draft("application/A", "ScoreSubmitted", {{"total", 170}, {"note", "Très bien \"fait\"\n"}});
  d.correlation_id = "corr-1";
  AppendRequest r;
  r.events.push_back(d);
  r.idempotency = IdempotencyKey{"u-officer", "SubmitScore", "key-1", digest_of("{}")};
  REQUIRE(append(*store, r).is_ok());
  REQUIRE(append(*store, one("application/A")).is_ok());

  auto records = store->read_log(0, 10);
  REQUIRE(records.is_ok());
  REQUIRE(records->size() == 2);
  const auto& first = (*records)[0];
  auto v = parsed(first).as_object();
  std::vector<std::string> keys;
  for (const auto& kv : v) keys.emplace_back(kv.key());
  CHECK(keys == std::vector<std::string>{"position", "stream", "version", "type", "schema", "id", "recorded_at",
                                         "actor", "correlation_id", "causation_id", "idempotency_key", "data",
                                         "prev_hash"});
  CHECK(v["position"].as_int64() == 1);
  CHECK(v["stream"].as_string() == "application/A");
  CHECK(v["idempotency_key"].as_string() == "key-1");
  CHECK(v["correlation_id"].as_string() == "corr-1");
  CHECK(v["causation_id"].is_null());
  CHECK(v["data"].as_object()["note"].as_string() == "Très bien \"fait\"\n");
  CHECK(v["prev_hash"].as_string() == std::string(64, '0'));
  CHECK(v["id"].as_string().size() == 36);
  CHECK(first.hash == chain_hash(kZeroHash, first.bytes));

  const auto& second = (*records)[1];
  CHECK(parsed(second).as_object()["prev_hash"].as_string() == to_hex(first.hash));
  CHECK(second.hash == chain_hash(first.hash, second.bytes));
  CHECK(store->head().hash == second.hash);

  // On the wire the hash is inserted before the final brace; cutting the suffix gives the bytes.
  auto wire = first.wire();
  CHECK(wire.size() == first.bytes.size() - 1 + kWireHashSuffix);  // the closing brace moves into the suffix
  CHECK(wire.substr(0, wire.size() - kWireHashSuffix) + "}" == first.bytes);
  CHECK(boost::json::parse(wire).as_object()["hash"].as_string() == to_hex(first.hash));
}

TEST_CASE("recorded_at never decreases, whatever the clock says") {
  TempDir dir;
  using namespace std::chrono;
  auto now = sys_days{year{2026} / 7 / 2} + hours{9};
  StoreOptions o;
  o.clock = [&] { return system_clock::time_point(now); };
  auto store = open_store(dir, o);
  REQUIRE(append(*store, one("application/A")).is_ok());
  now -= hours{1};  // the clock steps back
  REQUIRE(append(*store, one("application/A")).is_ok());
  auto records = store->read_log(0, 10);
  REQUIRE(records.is_ok());
  CHECK(parsed((*records)[0]).as_object()["recorded_at"].as_string() == "2026-07-02T09:00:00.000Z");
  CHECK(parsed((*records)[1]).as_object()["recorded_at"].as_string() == "2026-07-02T09:00:00.000Z");
}

TEST_CASE("an expected version that does not hold is a version mismatch and stages nothing") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(append(*store, one("application/A")).is_ok());

  auto r = one("application/A");
  r.expected = {{"application/A", 2}};
  auto batch = store->begin_batch();
  auto res = batch.stage(r);
  REQUIRE_FALSE(res.is_ok());
  CHECK(res.status().code() == Code::version_mismatch);
  CHECK(res.status().message() == "stream application/A is at version 1, not 2");
  CHECK(batch.empty());

  r.expected = {{"application/A", 1}};
  REQUIRE(batch.stage(r).is_ok());
  // A second request expecting the same version loses to the first, staged in this batch.
  auto again = batch.stage(r);
  CHECK(again.status().code() == Code::version_mismatch);
  REQUIRE(store->commit(batch).is_ok());
  CHECK(store->head().position == 2);

  SECTION("version 0 means the stream must not exist") {
    auto fresh = one("application/B");
    fresh.expected = {{"application/B", 0}};
    REQUIRE(append(*store, fresh).is_ok());
    CHECK(append(*store, fresh).status().code() == Code::version_mismatch);
  }
}

TEST_CASE("idempotency: a repeat returns the first result, another body is a conflict") {
  TempDir dir;
  auto store = open_store(dir);
  auto r = one("application/A", "ApplicationReceived");
  r.idempotency = IdempotencyKey{"u-1", "ReceiveApplication", "k-1", digest_of("body-1")};
  auto first = append(*store, r);
  REQUIRE(first.is_ok());
  CHECK_FALSE(first->replayed);
  REQUIRE(append(*store, one("application/B")).is_ok());

  auto repeat = append(*store, r);
  REQUIRE(repeat.is_ok());
  CHECK(repeat->replayed);
  CHECK(repeat->position == first->position);
  REQUIRE(repeat->events.size() == 1);
  CHECK(repeat->events[0].stream == "application/A");
  CHECK(repeat->events[0].type == "ApplicationReceived");
  CHECK(store->head().position == 2);  // nothing appended

  auto other = r;
  other.idempotency->body_digest = digest_of("body-2");
  auto conflict = append(*store, other);
  CHECK(conflict.status().code() == Code::conflict);
  CHECK(store->head().position == 2);

  SECTION("the key is scoped to the user and the command") {
    auto other_user = r;
    other_user.idempotency->user = "u-2";
    CHECK(append(*store, other_user).is_ok());
    auto other_command = r;
    other_command.idempotency->command = "CorrectApplication";
    CHECK(append(*store, other_command).is_ok());
    CHECK(store->head().position == 4);
  }
  SECTION("a repeat after a reopen still returns the first result") {
    store.reset();
    store = open_store(dir);
    auto again = append(*store, r);
    REQUIRE(again.is_ok());
    CHECK(again->replayed);
    CHECK(again->position == 1);
    CHECK(store->head().position == 2);
  }
}

TEST_CASE("two retries with one idempotency key racing in one batch append once") {
  TempDir dir;
  auto store = open_store(dir);
  GroupCommitter committer(*store);
  auto r = one("application/A");
  r.idempotency = IdempotencyKey{"u-1", "ReceiveApplication", "k-1", digest_of("b")};
  // Both are staged in the same batch: queue them while the writer is held by a slow job.
  std::promise<void> release;
  auto gate = release.get_future().share();
  committer.submit([gate](Batch&) -> GroupCommitter::Completion {
    gate.wait();
    return {};
  });
  auto f1 = committer.append(r);
  auto f2 = committer.append(r);
  release.set_value();
  auto a = f1.get();
  auto b = f2.get();
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  CHECK_FALSE(a->replayed);
  CHECK(b->replayed);
  CHECK(a->position == b->position);
  CHECK(store->head().position == 1);
}

TEST_CASE("malformed drafts are refused with the offending field, and stage nothing") {
  TempDir dir;
  auto store = open_store(dir);
  auto batch = store->begin_batch();

  auto floats = one("application/A", "ScoreSubmitted", {{"scores", boost::json::array{1, 2.5}}});
  auto r = batch.stage(floats);
  REQUIRE(r.status().code() == Code::invalid_argument);
  REQUIRE(r.status().violations().size() == 1);
  CHECK(r.status().violations()[0].path == "/events/0/data/scores/1");

  auto bad_stream = one("no-kind");
  CHECK(batch.stage(bad_stream).status().violations()[0].path == "/events/0/stream");
  auto nul = one(std::string("application/A\0B", 15));
  CHECK(batch.stage(nul).status().code() == Code::invalid_argument);
  auto no_actor = one("application/A");
  no_actor.events[0].actor = {};
  CHECK(batch.stage(no_actor).status().violations().size() == 2);
  CHECK(batch.stage(AppendRequest{}).status().code() == Code::invalid_argument);
  CHECK(batch.empty());
  REQUIRE(store->commit(batch).is_ok());
  CHECK(store->head().position == 0);
}

// Found by the fuzz target (docs/fuzzing.md): an X-Correlation-Id holding a byte that is not
// UTF-8 was written into the record as it was, so the record was no longer JSON and the next
// start (which replays the log) failed. A record is JSON, so everything in it is UTF-8.
TEST_CASE("a draft with text that is not UTF-8 is refused, and stages nothing") {
  TempDir dir;
  auto store = open_store(dir);
  auto batch = store->begin_batch();

  auto correlation = one("application/A");
  correlation.events[0].correlation_id = "corr-\xca\xca";
  auto r = batch.stage(correlation);
  REQUIRE(r.status().code() == Code::invalid_argument);
  CHECK(r.status().violations()[0].path == "/events/0/correlation_id");

  auto causation = one("application/A");
  causation.events[0].causation_id = std::string(200, 'c');  // too long
  CHECK(batch.stage(causation).status().violations()[0].path == "/events/0/causation_id");

  auto data = one("application/A", "Noted", {{"reason", "caf\xe9"}});
  CHECK(batch.stage(data).status().violations()[0].path == "/events/0/data/reason");
  auto key = one("application/A", "Noted", {{"x", boost::json::object{{"\xff", 1}}}});
  CHECK(batch.stage(key).status().violations()[0].path == "/events/0/data/x/\xff");
  CHECK(batch.stage(one("application/\xc0\xaf")).status().violations()[0].path == "/events/0/stream");

  CHECK(batch.empty());
  auto ok = one("application/A", "Noted", {{"reason", "caf\xc3\xa9"}});
  ok.events[0].correlation_id = "import-2028";
  CHECK(batch.stage(ok).is_ok());
  REQUIRE(store->commit(batch).is_ok());
  CHECK(store->head().position == 1);
}

TEST_CASE("reads: the log from a position, paged and bounded, and one stream from a version") {
  TempDir dir;
  auto store = open_store(dir);
  GroupCommitter committer(*store);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(committer.append(one(i % 2 ? "application/odd" : "application/even", "Noted", {{"i", i}})).get().is_ok());
  }
  auto page = store->read_log(10, 5);
  REQUIRE(page.is_ok());
  REQUIRE(page->size() == 5);
  CHECK(page->front().position == 11);
  CHECK(page->back().position == 15);
  auto bounded = store->read_log(45, 100, 48);
  REQUIRE(bounded.is_ok());
  CHECK(bounded->size() == 3);
  CHECK(store->read_log(50, 10)->empty());

  auto odd = store->read_stream("application/odd", 20, 100);
  REQUIRE(odd.is_ok());
  REQUIRE(odd->size() == 6);  // versions 20..25
  CHECK(boost::json::parse(odd->front().bytes).as_object()["version"].as_int64() == 20);
  CHECK(boost::json::parse(odd->front().bytes).as_object()["data"].as_object()["i"].as_int64() == 39);
  // A stream whose name is a prefix of another is read alone.
  REQUIRE(committer.append(one("application/od")).get().is_ok());
  CHECK(store->read_stream("application/od", 1, 100)->size() == 1);
}

TEST_CASE("commit listeners and wait_for see every commit in order") {
  TempDir dir;
  auto store = open_store(dir);
  std::vector<std::uint64_t> seen;
  store->on_commit([&](const CommitNotice& n) {
    for (const auto& r : *n.records) seen.push_back(r.position);
    CHECK(n.head.position == n.records->back().position);
  });
  GroupCommitter committer(*store);
  std::vector<std::future<Result<AppendResult>>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(committer.append(one("application/" + std::to_string(i % 7))));
  CHECK(store->wait_for(100, std::chrono::seconds(10)));
  for (auto& f : futures) REQUIRE(f.get().is_ok());
  committer.stop();
  REQUIRE(seen.size() == 100);
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i + 1);
  CHECK(committer.stats().records == 100);
  CHECK_FALSE(store->wait_for(101, std::chrono::milliseconds(10)));
}

TEST_CASE("many concurrent writers: every acknowledged append is there, gap-free, and verifies") {
  TempDir dir;
  auto store = open_store(dir);
  {
    GroupCommitter committer(*store);
    std::vector<std::thread> writers;
    std::atomic<int> ok{0};
    for (int w = 0; w < 16; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 50; ++i) {
          auto r = one("writer/" + std::to_string(w), "Noted", {{"i", i}});
          r.expected = {{"writer/" + std::to_string(w), static_cast<std::uint64_t>(i)}};
          if (committer.append(r).get().is_ok()) ++ok;
        }
      });
    }
    for (auto& t : writers) t.join();
    CHECK(ok == 800);
    CHECK(committer.stats().batches < 800);  // commits were grouped
  }
  auto report = verify_chain(*store);
  CHECK(report.ok());
  CHECK(report.count == 800);
  CHECK(report.head.position == 800);
  for (int w = 0; w < 16; ++w) CHECK(store->stream_version("writer/" + std::to_string(w)) == 50);
}

TEST_CASE("reopening keeps the head, and a store written by one process reads in read-only mode") {
  TempDir dir;
  Head head;
  {
    auto store = open_store(dir);
    for (int i = 0; i < 5; ++i) REQUIRE(append(*store, one("application/A")).is_ok());
    head = store->head();

    StoreOptions ro;
    ro.dir = dir.path();
    ro.read_only = true;
    auto reader = EventStore::open(ro);
    REQUIRE(reader.is_ok());  // beside a running writer
    CHECK((*reader)->head().position == 5);
    CHECK((*reader)->begin_batch().stage(one("application/A")).status().code() == Code::unavailable);
  }
  auto store = open_store(dir);
  CHECK(store->head().position == head.position);
  CHECK(store->head().hash == head.hash);
  auto next = append(*store, one("application/A"));
  REQUIRE(next.is_ok());
  CHECK(next->events[0].position == 6);
  CHECK(next->events[0].version == 6);
  CHECK(verify_chain(*store).ok());

  StoreOptions missing;
  missing.dir = dir.path() / "nothing-here";
  missing.read_only = true;
  CHECK(EventStore::open(missing).status().code() == Code::not_found);
}

namespace {

// Opens the raw RocksDB below a closed store, for tests that damage it on purpose.
struct RawDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  explicit RawDb(const std::filesystem::path& dir) {
    rocksdb::Options o;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"log", {}}, {"streams", {}}, {"idempotency", {}}, {"meta", {}}};
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(o, (dir / "log").string(), cfs, &handles, &raw).ok());
    db.reset(raw);
  }
  ~RawDb() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  std::string get(int cf, const std::string& key) {
    std::string v;
    REQUIRE(db->Get({}, handles[cf], key, &v).ok());
    return v;
  }
  void put(int cf, const std::string& key, const std::string& value) {
    REQUIRE(db->Put({}, handles[cf], key, value).ok());
  }
};

std::string be64(std::uint64_t v) {
  std::string k;
  for (int s = 56; s >= 0; s -= 8) k.push_back(static_cast<char>(v >> s & 0xff));
  return k;
}

}  // namespace

TEST_CASE("verify names the first bad position when a byte of a record changes") {
  TempDir dir;
  {
    auto store = open_store(dir);
    for (int i = 0; i < 20; ++i) REQUIRE(append(*store, one("application/A", "Noted", {{"i", i}})).is_ok());
  }
  {
    RawDb raw(dir.path());
    auto v = raw.get(1, be64(7));
    auto at = v.find("\"i\":6");
    REQUIRE(at != std::string::npos);
    v[at + 4] = '9';
    raw.put(1, be64(7), v);
  }
  auto store = open_store(dir);  // the tail is intact, so the store opens
  auto report = verify_chain(*store);
  CHECK_FALSE(report.ok());
  REQUIRE(report.first_bad);
  CHECK(*report.first_bad == 7);
  CHECK(report.count == 6);
  CHECK(report.problem == "the record's bytes do not match its hash");
}

TEST_CASE("open refuses a store whose tail does not link or whose meta disagrees, naming the command to run") {
  TempDir dir;
  {
    auto store = open_store(dir);
    for (int i = 0; i < 3; ++i) REQUIRE(append(*store, one("application/A")).is_ok());
  }
  SECTION("a changed byte in the last record") {
    {
      RawDb raw(dir.path());
      auto v = raw.get(1, be64(3));
      v[v.size() - 3] ^= 1;
      raw.put(1, be64(3), v);
    }
    StoreOptions o;
    o.dir = dir.path();
    auto s = EventStore::open(o);
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.status().code() == Code::data_loss);
    CHECK_THAT(std::string(s.status().message()), Catch::Contains("sijill verify --data"));
  }
  SECTION("a record appended behind the store's back") {
    {
      RawDb raw(dir.path());
      raw.put(1, be64(4), raw.get(1, be64(3)));
    }
    StoreOptions o;
    o.dir = dir.path();
    auto s = EventStore::open(o);
    REQUIRE_FALSE(s.is_ok());
    CHECK_THAT(std::string(s.status().message()), Catch::Contains("meta says the head is position 3"));
  }
}
