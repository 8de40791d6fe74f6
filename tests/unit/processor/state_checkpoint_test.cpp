// Checkpoints of the processor's state (processor/state_checkpoint.h), against a real log: the
// demo programme (350 applications, a finished selection, appeals, a withdrawal) committed to a
// RocksDB store, plus users and tokens, as the server's modules see it.
//
// - each module's state (AMI, access, audit) and the programme's index: saved, loaded into a
//   fresh one, equal; saves are deterministic; damaged bytes are refused and leave it fresh;
// - a checkpoint file at the head reads back and loads; one in the middle of the log plus the
//   tail gives exactly the state of a full replay (also through Processor::start(after));
// - files whose hash is not the log's, ahead of the head, truncated, or of other parts are
//   skipped with a reason; the newest usable one wins; the two newest are kept.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "domain_harness.h"
#include "sijill/access/access.h"
#include "sijill/access/policy.h"
#include "sijill/demo/demo.h"
#include "sijill/domain/ami/module.h"
#include "sijill/evidence/audit.h"
#include "sijill/processor/processor.h"
#include "sijill/processor/state_checkpoint.h"
#include "sijill/programme/programme.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "store_fixtures.h"
#include "temp_dir.h"

using namespace sijill;
namespace bjson = boost::json;

namespace {

// One commit's events.
using Commit = std::vector<testing::Committed>;

// The demo decided by the AMI module, kept as commits, then users and tokens (one revoked).
struct Story {
  std::vector<Commit> commits;
  std::string token;          // a live evaluator token
  std::string revoked_token;  // a revoked one

  Story() {
    static testing::TempDir keys_dir;
    auto keys = store::KeyStore::open(keys_dir.path() / "keys");
    REQUIRE(keys.is_ok());
    domain::ami::AmiModule module;
    testing::DomainHarness harness{module};
    time::Instant last{};
    auto summary = demo::run(2026, [&](const demo::Step& s) -> Result<std::vector<demo::ProducedEvent>> {
      auto data = s.data;
      if (s.command == "RegisterContactPerson") {
        auto sealed = (*keys)->seal("person/" + std::string(data.at("person_id").as_string()), data.at("contact"));
        if (!sealed) return sealed.status();
        data["contact"] = *sealed;
      }
      auto r = harness.run(s.command, data, s.actor, s.at);
      if (!r) return r.status();
      commits.push_back(*r);
      last = s.at;
      std::vector<demo::ProducedEvent> out;
      for (auto& e : *r) out.push_back({e.type, e.data});
      return out;
    });
    REQUIRE(summary.is_ok());
    const domain::Actor system{"system", "system", ""};
    auto add = [&](std::string stream, std::string type, bjson::object data) {
      commits.push_back({testing::Committed{0, std::move(stream), 0, std::move(type), std::move(data), system, last}});
    };
    token = "sjl_checkpoint_test_token_live";
    revoked_token = "sjl_checkpoint_test_token_revoked";
    add("user/u-ev01", "UserRegistered", {{"person_id", "u-ev01"}, {"roles", bjson::array{"evaluator"}}});
    add("user/u-admin", "UserRegistered", {{"person_id", "u-admin"}, {"roles", bjson::array{"admin", "auditor"}}});
    for (const auto& [id, user, role, t] :
         {std::tuple{"t-1", "u-ev01", "evaluator", token}, std::tuple{"t-2", "u-admin", "auditor", revoked_token}}) {
      add(std::string("token/") + id, "TokenCreated",
          {{"token_id", id},
           {"user", user},
           {"role", role},
           {"digest", access::token_digest(t)},
           {"expires_at", "2099-01-01T00:00:00.000Z"}});
    }
    add("token/t-2", "TokenRevoked", {{"token_id", "t-2"}});
  }
};

const Story& story() {
  static Story s;
  return s;
}

// The story's store, committing ranges of its commits.
struct StoryStore : testing::StoryStore {
  using testing::StoryStore::StoryStore;

  // Commits the story's commits [from, to).
  void commit_range(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to && i < story().commits.size(); ++i) commit(story().commits[i]);
  }
};

// What the server's processor decides against: the programme and the audit module.
struct ServerState {
  std::unique_ptr<programme::Programme> programme;
  evidence::AuditModule audit;
  access::Policy policy;

  ServerState() {
    auto created = programme::Programme::create();
    REQUIRE(created.is_ok());
    programme = std::move(created).value();
  }
  std::vector<domain::Module*> modules() {
    auto m = programme->modules();
    m.push_back(&audit);
    return m;
  }
  std::vector<processor::StatePart> parts() { return programme::checkpoint_parts(*programme, modules()); }

  // Fed the log after `after` (the modules and the index), as the server does at start.
  void feed(store::EventStore& store, std::uint64_t after = 0) {
    REQUIRE(processor::replay(store, modules(), std::numeric_limits<std::uint64_t>::max(), after).is_ok());
    REQUIRE(programme->attach(store, policy, after).is_ok());
  }

  // Every part's bytes: equal bytes, equal state.
  std::vector<std::string> bytes() {
    std::vector<std::string> out;
    for (const auto& p : parts()) out.push_back(p.save().value());
    return out;
  }
};

// The whole story in a store, fed to a ServerState.
struct Full {
  testing::TempDir dir;
  StoryStore s{dir.path() / "data"};
  ServerState state;
  Full() {
    s.commit_range(0, story().commits.size());
    state.feed(*s.store);
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// A copy of `bytes` with its format version (the uint32 after cereal's endianness byte) changed.
std::string flip_version(std::string bytes) {
  REQUIRE(bytes.size() > 2);
  bytes[1] = static_cast<char>(bytes[1] ^ 0x5a);
  return bytes;
}

bool mentions(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines) {
    if (l.find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the AMI state saved and loaded into a fresh module is equal") {
  Full full;
  const auto& ami = full.state.programme->ami();
  REQUIRE(ami.state().applications.size() == 350);
  const auto saved = ami.save_state();
  REQUIRE(saved.has_value());
  CHECK(ami.save_state() == saved);  // deterministic

  domain::ami::AmiModule fresh;
  REQUIRE(fresh.load_state(*saved).is_ok());
  CHECK(fresh.state() == ami.state());
  CHECK(fresh.save_state() == saved);
  // Fractions compare by value: check the representation too.
  for (const auto& [id, a] : ami.state().applications) {
    const auto& b = fresh.state().applications.at(id);
    if (a.final_score) CHECK(a.final_score->denominator == b.final_score->denominator);
  }

  SECTION("it decides as the original does") {
    const domain::CommandContext ctx{{"u-officer-1", "programme_officer", ""}, time::Instant{}, "x"};
    const bjson::object withdraw{{"application_id", "APP-0001"}, {"reason", "test"}};
    auto a = ami.decide("WithdrawApplication", withdraw, ctx);
    auto b = fresh.decide("WithdrawApplication", withdraw, ctx);
    REQUIRE(a.is_ok() == b.is_ok());
    CHECK(a.status().to_string() == b.status().to_string());
    if (a.is_ok()) {
      REQUIRE(a->events.size() == b->events.size());
      for (std::size_t i = 0; i < a->events.size(); ++i) {
        CHECK(a->events[i].type == b->events[i].type);
        CHECK(bjson::serialize(a->events[i].data) == bjson::serialize(b->events[i].data));
      }
    }
  }
}

TEST_CASE("damaged AMI state bytes are refused and leave the module fresh") {
  Full full;
  const auto saved = *full.state.programme->ami().save_state();
  const domain::ami::State empty;
  for (const auto& [what, bytes] : {std::pair<std::string, std::string>{"truncated", saved.substr(0, saved.size() / 2)},
                                    {"cut by one byte", saved.substr(0, saved.size() - 1)},
                                    {"another version", flip_version(saved)},
                                    {"trailing bytes", saved + "x"},
                                    {"empty", ""}}) {
    INFO(what);
    domain::ami::AmiModule fresh;
    auto st = fresh.load_state(bytes);
    CHECK(st.code() == Code::data_loss);
    CHECK(fresh.state() == empty);
  }
  domain::ami::AmiModule fresh;
  CHECK(fresh.load_state(flip_version(saved)).message().find("format version") != std::string_view::npos);
}

TEST_CASE("the access state saved and loaded authenticates the same tokens") {
  Full full;
  auto& access = full.state.programme->access();
  const auto now = *time::parse_instant("2030-01-01T00:00:00Z");
  REQUIRE(access.authenticate(story().token, now).is_ok());
  REQUIRE(access.user_count() == 2);
  REQUIRE(access.token_count() == 2);
  const auto saved = access.save_state();
  REQUIRE(saved.has_value());
  CHECK(access.save_state() == saved);

  access::AccessModule fresh;
  REQUIRE(fresh.load_state(*saved).is_ok());
  CHECK(fresh.save_state() == saved);
  CHECK(fresh.user_count() == 2);
  CHECK(fresh.token_count() == 2);
  CHECK(fresh.has_user("u-admin"));
  CHECK(fresh.token("t-1") == access.token("t-1"));
  CHECK(fresh.token("t-2") == access.token("t-2"));
  auto actor = fresh.authenticate(story().token, now);
  REQUIRE(actor.is_ok());
  CHECK(actor->id == "u-ev01");
  CHECK(actor->role == "evaluator");
  CHECK(fresh.authenticate(story().revoked_token, now).status().code() == Code::unauthenticated);
  CHECK(fresh.authenticate("sjl_unknown", now).status().code() == Code::unauthenticated);

  SECTION("it refuses a duplicate user as the original does") {
    const domain::CommandContext ctx{{"admin", "admin", ""}, now, "x"};
    const bjson::object user{{"person_id", "u-ev01"}, {"roles", bjson::array{"evaluator"}}};
    CHECK(fresh.decide("RegisterUser", user, ctx).status().code() == Code::conflict);
  }

  SECTION("damaged bytes are refused and leave it fresh") {
    for (const auto& bytes : {saved->substr(0, saved->size() / 2), flip_version(*saved), std::string("\x01")}) {
      access::AccessModule other;
      CHECK(other.load_state(bytes).code() == Code::data_loss);
      CHECK(other.user_count() == 0);
      CHECK(other.token_count() == 0);
      CHECK(other.save_state() == access::AccessModule().save_state());
      CHECK_FALSE(other.authenticate(story().token, now).is_ok());
    }
  }
}

TEST_CASE("the audit state saved and loaded decides exports as the original does") {
  Full full;
  const auto head = full.s.store->head().position;
  auto& audit = full.state.audit;
  const auto saved = audit.save_state();
  REQUIRE(saved.has_value());
  CHECK(audit.save_state() == saved);
  evidence::AuditModule fresh;
  const evidence::AuditModule empty;
  REQUIRE(fresh.load_state(*saved).is_ok());
  CHECK(fresh.save_state() == saved);
  CHECK(fresh.save_state() != empty.save_state());

  const std::string zeros(64, '0');
  const bjson::object data{{"export_id", "6f1c2b9e-3d4a-4b8c-9e21-0a7d5c3b2f10"},
                           {"format", "jsonl"},
                           {"from", 1},
                           {"to", head},
                           {"last_hash", zeros},
                           {"head_position", head},
                           {"head_hash", zeros},
                           {"events", head},
                           {"events_sha256", zeros}};
  const domain::CommandContext ctx{{"u-admin", "auditor", ""}, time::Instant{}, "x"};
  CHECK(audit.decide(evidence::kRecordAuditExport, data, ctx).is_ok());
  CHECK(fresh.decide(evidence::kRecordAuditExport, data, ctx).is_ok());
  CHECK_FALSE(empty.decide(evidence::kRecordAuditExport, data, ctx).is_ok());

  for (const auto& bytes : {saved->substr(0, saved->size() - 1), flip_version(*saved)}) {
    evidence::AuditModule other;
    CHECK(other.load_state(bytes).code() == Code::data_loss);
    CHECK(other.save_state() == empty.save_state());
  }
}

TEST_CASE("the programme index saved and loaded answers the policy as the original does") {
  Full full;
  auto& programme = *full.state.programme;
  const auto saved = programme.save_index();
  CHECK(programme.save_index() == saved);

  auto created = programme::Programme::create();
  REQUIRE(created.is_ok());
  auto& fresh = **created;
  const auto empty = fresh.save_index();
  REQUIRE(fresh.load_index(saved).is_ok());
  CHECK(fresh.save_index() == saved);
  int assigned = 0;
  for (int app = 1; app <= 350; ++app) {
    const auto id = "APP-" + std::string(app < 10 ? "000" : app < 100 ? "00" : "0") + std::to_string(app);
    CHECK(fresh.application_region(id) == programme.application_region(id));
    CHECK(fresh.stream_region("application/" + id) == programme.stream_region("application/" + id));
    for (int ev = 1; ev <= 12; ++ev) {
      const auto evaluator = (ev < 10 ? "u-ev0" : "u-ev") + std::to_string(ev);
      CHECK(fresh.is_assigned(evaluator, id) == programme.is_assigned(evaluator, id));
      assigned += programme.is_assigned(evaluator, id);
    }
  }
  CHECK(assigned > 300);

  for (const auto& bytes : {saved.substr(0, saved.size() / 3), flip_version(saved), saved + "xx"}) {
    auto other = programme::Programme::create();
    REQUIRE(other.is_ok());
    CHECK((*other)->load_index(bytes).code() == Code::data_loss);
    CHECK((*other)->save_index() == empty);
  }
}

TEST_CASE("a processor state checkpoint at the head reads back and loads every part") {
  Full full;
  auto& store = *full.s.store;
  const auto dir = processor::state_checkpoint_dir(full.dir.path() / "data");
  CHECK(dir == full.dir.path() / "data" / "checkpoints" / "processor");
  auto written = processor::write_state_checkpoint(store, dir, full.state.parts());
  REQUIRE(written.is_ok());
  const auto head = store.head();
  CHECK(*written == head.position);
  const auto file =
      dir / (std::string(20 - std::to_string(head.position).size(), '0') + std::to_string(head.position) + ".bin");
  REQUIRE(std::filesystem::exists(file));
  CHECK(read_file(file).starts_with("sijill-processor-state 1 " + std::to_string(head.position) + " " +
                                    store::to_hex(head.hash) + " "));

  auto read = processor::read_state_checkpoint(store, file);
  REQUIRE(read.is_ok());
  CHECK(read->position == head.position);
  CHECK(read->hash == store::to_hex(head.hash));
  std::vector<std::string> names;
  for (const auto& [name, _] : read->sections) names.push_back(name);
  CHECK(names == std::vector<std::string>{"module:RegisterUser",
                                          "module:" + full.state.programme->ami().commands().front(),
                                          "module:RecordAuditExport", "programme-index"});

  ServerState fresh;
  auto loaded = processor::load_state_checkpoint(store, dir, fresh.parts());
  CHECK(loaded.ignored.empty());
  CHECK_FALSE(loaded.spoiled);
  CHECK(loaded.position == head.position);
  CHECK(loaded.file == file);
  CHECK(fresh.bytes() == full.state.bytes());
  CHECK(fresh.programme->ami().state() == full.state.programme->ami().state());
}

TEST_CASE("a checkpoint in the middle of the log plus its tail gives the state of a full replay") {
  Full full;
  testing::TempDir dir;
  StoryStore s(dir.path() / "data");
  const auto half = story().commits.size() / 2;
  s.commit_range(0, half);
  const auto checkpoints = processor::state_checkpoint_dir(dir.path() / "data");
  ServerState first;  // attached: it follows the commits below, so it lives as long as the store
  first.feed(*s.store);
  auto written = processor::write_state_checkpoint(*s.store, checkpoints, first.parts());
  REQUIRE(written.is_ok());
  const auto middle = *written;
  s.commit_range(half, story().commits.size());
  REQUIRE(s.store->head().position == full.s.store->head().position);
  REQUIRE(middle < s.store->head().position);

  SECTION("replay() after the checkpoint") {
    ServerState resumed;
    auto loaded = processor::load_state_checkpoint(*s.store, checkpoints, resumed.parts());
    REQUIRE(loaded.position == middle);
    resumed.feed(*s.store, middle);
    CHECK(resumed.programme->ami().state() == full.state.programme->ami().state());
    CHECK(resumed.bytes() == full.state.bytes());
  }
  SECTION("Processor::start(after) replays the tail only") {
    ServerState resumed;
    auto loaded = processor::load_state_checkpoint(*s.store, checkpoints, resumed.parts());
    REQUIRE(loaded.position == middle);
    REQUIRE(resumed.programme->attach(*s.store, resumed.policy, middle).is_ok());
    processor::Processor processor(*s.store, resumed.modules());
    REQUIRE(processor.start(middle).is_ok());
    processor.stop();
    CHECK(resumed.programme->ami().state() == full.state.programme->ami().state());
    CHECK(resumed.bytes() == full.state.bytes());
  }
  SECTION("Processor::start() refuses a state past the head") {
    ServerState other;
    processor::Processor processor(*s.store, other.modules());
    CHECK(processor.start(s.store->head().position + 1).code() == Code::invalid_argument);
  }
}

TEST_CASE("unusable processor state checkpoints are skipped with a reason and the newest usable one wins") {
  testing::TempDir dir;
  StoryStore s(dir.path() / "data");
  const auto n = story().commits.size();
  const auto dir_of = processor::state_checkpoint_dir(dir.path() / "data");
  std::vector<std::uint64_t> positions;
  std::vector<std::vector<std::string>> bytes_at;
  std::vector<std::unique_ptr<ServerState>> states;  // attached: they follow the store's commits
  // Checkpoints at a third, two thirds, and the head of the story.
  for (std::size_t k = 1; k <= 3; ++k) {
    s.commit_range((k - 1) * n / 3, k * n / 3);
    auto& state = *states.emplace_back(std::make_unique<ServerState>());
    state.feed(*s.store);
    auto written = processor::write_state_checkpoint(*s.store, dir_of, state.parts());
    REQUIRE(written.is_ok());
    positions.push_back(*written);
    bytes_at.push_back(state.bytes());
  }
  auto files = processor::list_state_checkpoints(dir_of);
  REQUIRE(files.size() == 2);  // the two newest are kept
  CHECK(files[0].position == positions[2]);
  CHECK(files[1].position == positions[1]);

  auto load = [&] {
    ServerState fresh;
    auto loaded = processor::load_state_checkpoint(*s.store, dir_of, fresh.parts());
    if (loaded.position == 0) {
      CHECK(fresh.bytes() == ServerState().bytes());  // untouched
    } else {
      const auto i =
          static_cast<std::size_t>(std::find(positions.begin(), positions.end(), loaded.position) - positions.begin());
      REQUIRE(i < positions.size());
      CHECK(fresh.bytes() == bytes_at[i]);
    }
    return loaded;
  };

  SECTION("the newest usable one wins") {
    auto loaded = load();
    CHECK(loaded.position == positions[2]);
    CHECK(loaded.ignored.empty());
  }
  SECTION("a file whose hash is not the log's is skipped") {
    auto text = read_file(files[0].path);
    const auto at = text.find(' ', text.find(' ', text.find(' ') + 1) + 1) + 1;  // the hash's first digit
    text[at] = text[at] == '0' ? '1' : '0';
    write_file(files[0].path, text);
    auto loaded = load();
    CHECK(loaded.position == positions[1]);
    REQUIRE(loaded.ignored.size() == 1);
    CHECK(loaded.ignored[0].starts_with(files[0].path.filename().string() + ": its hash is not the log's hash"));
  }
  SECTION("a truncated file is skipped") {
    const auto text = read_file(files[0].path);
    write_file(files[0].path, text.substr(0, text.size() - 7));
    auto loaded = load();
    CHECK(loaded.position == positions[1]);
    CHECK(mentions(loaded.ignored, "damaged"));
    write_file(files[0].path, text.substr(0, 30));
    CHECK(mentions(load().ignored, "no header line"));
  }
  SECTION("a file with damaged sections is skipped") {
    auto text = read_file(files[0].path);
    text[text.size() - 3] = static_cast<char>(text[text.size() - 3] ^ 1);
    write_file(files[0].path, text);
    auto loaded = load();
    CHECK(loaded.position == positions[1]);
    CHECK(mentions(loaded.ignored, "damaged"));
  }
  SECTION("a file ahead of the log is skipped") {
    testing::TempDir other_dir;
    StoryStore shorter(other_dir.path() / "data");
    shorter.commit_range(0, n / 3);
    const auto other = processor::state_checkpoint_dir(other_dir.path() / "data");
    std::filesystem::create_directories(other);
    std::filesystem::copy_file(files[0].path, other / files[0].path.filename());
    ServerState fresh;
    auto loaded = processor::load_state_checkpoint(*shorter.store, other, fresh.parts());
    CHECK(loaded.position == 0);
    REQUIRE(loaded.ignored.size() == 1);
    CHECK(mentions(loaded.ignored, "it is ahead of the log"));
  }
  SECTION("a file of another format or of other parts is skipped") {
    auto text = read_file(files[0].path);
    text.replace(text.find(" 1 "), 3, " 9 ");
    write_file(files[0].path, text);
    auto loaded = load();
    CHECK(loaded.position == positions[1]);
    CHECK(mentions(loaded.ignored, "another format (version 9, not 1)"));

    ServerState fresh;
    auto parts = fresh.parts();
    parts.pop_back();
    auto other = processor::load_state_checkpoint(*s.store, dir_of, parts);
    CHECK(other.position == 0);
    CHECK(mentions(other.ignored, "are not this server's"));
  }
  SECTION("no usable file leaves the parts untouched") {
    for (const auto& f : files) write_file(f.path, "garbage");
    write_file(dir_of / "notes.txt", "not a checkpoint");
    auto loaded = load();
    CHECK(loaded.position == 0);
    CHECK(loaded.ignored.size() == 2);
    CHECK(mentions(loaded.ignored, "no header line"));
  }
  SECTION("a section its part refuses after others loaded spoils the parts") {
    ServerState fresh;
    auto parts = fresh.parts();
    parts[1].load = [](std::string_view) { return Status::data_loss("refused"); };
    auto loaded = processor::load_state_checkpoint(*s.store, dir_of, parts);
    CHECK(loaded.spoiled);
    CHECK(loaded.position == 0);
    CHECK(mentions(loaded.ignored, "refused"));

    ServerState other;
    auto first_refuses = other.parts();
    first_refuses[0].load = [](std::string_view) { return Status::data_loss("refused"); };
    auto skipped = processor::load_state_checkpoint(*s.store, dir_of, first_refuses);
    CHECK_FALSE(skipped.spoiled);  // nothing was loaded: the next file is tried
    CHECK(skipped.position == 0);
    CHECK(skipped.ignored.size() == 2);
  }
  SECTION("remove_state_checkpoints() removes them all") {
    REQUIRE(processor::remove_state_checkpoints(dir_of).is_ok());
    CHECK(processor::list_state_checkpoints(dir_of).empty());
    CHECK(load().position == 0);
  }
}

TEST_CASE("a processor state checkpoint is not written for an empty log or a part that cannot be saved") {
  testing::TempDir dir;
  StoryStore s(dir.path() / "data");
  const auto checkpoints = processor::state_checkpoint_dir(dir.path() / "data");
  ServerState state;
  CHECK(processor::write_state_checkpoint(*s.store, checkpoints, state.parts()).status().code() == Code::not_found);
  s.commit_range(0, 3);
  state.feed(*s.store);
  auto parts = state.parts();
  parts.push_back({"silent", [] { return std::optional<std::string>(); }, nullptr});
  CHECK(processor::write_state_checkpoint(*s.store, checkpoints, parts).status().code() == Code::not_found);
  CHECK(processor::list_state_checkpoints(checkpoints).empty());
}
