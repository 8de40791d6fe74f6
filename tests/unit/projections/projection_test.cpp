// The read model against a real log: the demo programme (350 applications, a finished
// selection, appeals, a withdrawal) written to a RocksDB store, command by command, with the
// store's clock at each step's time in the story.
//
// - the projection says what the domain's own state says (stages, ranks, selection);
// - rebuilt from position 0, it equals, byte for byte once serialised, the model kept live
//   across restarts from checkpoints;
// - "as of P" gives exactly what the live model showed when P was the head;
// - a checkpoint that does not match the log is ignored;
// - an evaluator does not see other scores before submitting their own;
// - a record's texts read as written, escaped or not, past names the model does not read, on
//   one thread as on two;
// - a record that is not JSON stops a replay with data_loss, whichever thread reads it;
// - the dashboard's evaluator workload counts what the log records of each evaluator.
#include <catch2/catch.hpp>

#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <rocksdb/db.h>
#include <boost/json.hpp>

#include "domain_harness.h"
#include "sijill/demo/demo.h"
#include "sijill/domain/ami/module.h"
#include "sijill/domain/ami/ranking.h"
#include "sijill/domain/ami/state.h"
#include "sijill/projections/projector.h"
#include "sijill/projections/views.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "store_fixtures.h"
#include "temp_dir.h"

using namespace sijill;
namespace json = boost::json;

namespace {

// One demo step's events, as committed: the unit of a commit in these tests.
struct DemoCommand {
  std::vector<testing::Committed> events;
};

// The demo, decided by the AMI module (the same rules as the server), kept as commands.
struct Demo {
  domain::ami::AmiModule module;
  testing::DomainHarness harness{module};
  std::vector<DemoCommand> commands;

  explicit Demo(store::KeyStore& keys) {
    auto summary = demo::run(2026, [&](const demo::Step& s) -> Result<std::vector<demo::ProducedEvent>> {
      auto data = s.data;
      if (s.command == "RegisterContactPerson") {
        auto sealed = keys.seal("person/" + std::string(data.at("person_id").as_string()), data.at("contact"));
        if (!sealed) return sealed.status();
        data["contact"] = *sealed;
      }
      auto r = harness.run(s.command, data, s.actor, s.at);
      if (!r) return r.status();
      commands.push_back({*r});
      std::vector<demo::ProducedEvent> out;
      for (auto& e : *r) out.push_back({e.type, e.data});
      return out;
    });
    REQUIRE(summary.is_ok());
  }
};

Demo& demo_programme() {
  static testing::TempDir keys_dir;
  static auto keys = store::KeyStore::open(keys_dir.path() / "keys");
  static Demo demo(**keys);
  return demo;
}

// The story's store, committing the demo's commands.
struct StoryStore : testing::StoryStore {
  using testing::StoryStore::StoryStore;
  std::uint64_t commit(const DemoCommand& command) { return testing::StoryStore::commit(command.events); }
};

std::string bytes(const projections::Model& m) { return json::serialize(m.to_json()); }

projections::Model replayed(const store::EventStore& s, std::uint64_t to = 0) {
  projections::Model m;
  REQUIRE(projections::replay_into(s, m, to).is_ok());
  return m;
}

// The whole demo committed to a store, and the model replayed from it.
struct ReplayedDemo {
  Demo& demo = demo_programme();
  testing::TempDir dir;
  StoryStore s{dir.path()};
  projections::Model model;
  ReplayedDemo() {
    for (const auto& c : demo.commands) s.commit(c);
    model = replayed(*s.store);
  }
};

}  // namespace

TEST_CASE_METHOD(ReplayedDemo, "the read model says what the domain's state says") {
  const auto& state = demo.module.state();

  REQUIRE(model.cases().size() == state.applications.size());
  for (const auto& [id, a] : state.applications) {
    INFO(id);
    const auto* c = model.case_file(id);
    REQUIRE(c != nullptr);
    const auto data = model.case_data(*c);
    REQUIRE(data.is_ok());
    CHECK(c->stage == domain::ami::to_string(a.stage));
    CHECK(c->region == a.region);
    CHECK(c->late == a.late);
    CHECK(c->late_accepted == a.late_accepted);
    CHECK(c->round == a.round);
    CHECK(c->rank == a.rank.value_or(0));
    REQUIRE((c->final_score_position != 0) == a.final_score.has_value());
    REQUIRE(final_score_of(*c, *data).is_object() == a.final_score.has_value());
    if (a.final_score) {
      // The figures the ranking sorts by, and the recorded data the case file shows.
      REQUIRE(c->final_half_points.denominator != 0);
      REQUIRE(c->relevance_half_points.denominator != 0);
      CHECK(c->final_half_points.numerator * a.final_score->denominator ==
            a.final_score->numerator * c->final_half_points.denominator);
      CHECK(c->relevance_half_points.numerator * a.relevance.denominator ==
            a.relevance.numerator * c->relevance_half_points.denominator);
      const auto recorded = final_score_of(*c, *data);
      CHECK(recorded.at("final_half_points").at("numerator").to_number<std::int64_t>() ==
            c->final_half_points.numerator);
      CHECK(recorded.at("final_half_points").at("denominator").to_number<std::int64_t>() ==
            c->final_half_points.denominator);
      CHECK(recorded.at("position").to_number<std::uint64_t>() == c->final_score_position);
    }
    CHECK(consensus_of(*c, *data).is_object() == a.consensus_half_points.has_value());
    if (a.consensus_half_points) {
      CHECK(consensus_of(*c, *data).at("total_half_points").to_number<int>() == *a.consensus_half_points);
    }
  }

  // The dashboard's figures, recomputed from the domain's state.
  const auto dash = projections::dashboard(model, "");
  std::map<domain::ami::Stage, std::int64_t> stages;
  for (const auto& [id, a] : state.applications) ++stages[a.stage];
  const auto& pipeline = dash.at("pipeline").as_object();
  CHECK(pipeline.at("received").as_int64() == static_cast<std::int64_t>(state.applications.size()));
  CHECK(pipeline.at("selected").as_int64() == 150);
  CHECK(pipeline.at("selected").as_int64() == stages[domain::ami::Stage::selected]);
  CHECK(pipeline.at("waiting").as_int64() == stages[domain::ami::Stage::waiting]);
  CHECK(pipeline.at("ineligible").as_int64() == stages[domain::ami::Stage::ineligible]);
  CHECK(pipeline.at("inadmissible").as_int64() == stages[domain::ami::Stage::inadmissible]);
  CHECK(pipeline.at("withdrawn").as_int64() == stages[domain::ami::Stage::withdrawn]);
  CHECK(dash.at("targets").as_array().at(0).at("actual").as_int64() == 150);
  for (const auto& r : dash.at("by_region").as_array()) {
    INFO(r);
    CHECK(r.at("selected").as_int64() == 30);
    CHECK(r.at("quota").as_int64() == 30);
  }

  // Each region's ranking is the domain's ranking, in the same order.
  for (const auto& region : state.calls.begin()->second.config.regions) {
    INFO(region);
    auto ranked = projections::ranking(model, state.calls.begin()->first, region);
    REQUIRE(ranked.is_ok());
    auto expected = domain::ami::ranking(state, state.calls.begin()->first, region);
    const auto& entries = ranked->at("entries").as_array();
    REQUIRE(entries.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK(entries[i].at("application_id").as_string() == expected[i].application_id);
    }
    CHECK(ranked->at("selected").as_int64() == 30);
    CHECK(ranked->at("selection").is_object());
  }
}

TEST_CASE_METHOD(ReplayedDemo,
                 "a decision keeps its event's hash, its case reads its data from the log as recorded, and the feeds "
                 "keep the latest events newest first") {
  auto records = s.store->read_log(0, std::numeric_limits<std::size_t>::max());
  REQUIRE(records.is_ok());

  std::map<std::uint64_t, std::pair<std::string, std::string>> recorded;  // position: data text, hash
  std::vector<std::uint64_t> in_feed;  // what the programme's feed shows, oldest first
  for (const auto& r : *records) {
    const auto record = json::parse(r.bytes).as_object();
    recorded[r.position] = {json::serialize(record.at("data")), store::to_hex(r.hash)};
    const std::string stream(record.at("stream").as_string());
    const std::string type(record.at("type").as_string());
    if (stream.starts_with("application/") || type == "CallOpened" || type == "OrganisationRegistered" ||
        type == "SelectionRecorded") {
      in_feed.push_back(r.position);
    }
  }
  std::size_t decisions = 0;
  for (const auto& [id, c] : model.cases()) {
    const auto data = model.case_data(*c);
    REQUIRE(data.is_ok());
    for (const auto& d : c->decisions) {
      INFO(id << " " << d.position << " " << d.type.str());
      REQUIRE(json::serialize(data->at(d.position)) == recorded.at(d.position).first);
      REQUIRE(d.hash.hex() == recorded.at(d.position).second);
      ++decisions;
    }
    for (const auto& e : c->events) REQUIRE(e.hash.hex() == recorded.at(e.position).second);
  }
  REQUIRE(decisions > 1000);

  const auto& feed = model.activity("");
  REQUIRE(feed.size() == projections::Model::kActivity);
  for (std::size_t i = 0; i < feed.size(); ++i) REQUIRE(feed[i].position == in_feed[in_feed.size() - 1 - i]);

  // Through the checkpoints' binary form and back: the same model, feeds in the same order.
  std::ostringstream out;
  model.write_binary(out);
  auto back = projections::Model::read_binary(out.str());
  REQUIRE(back.is_ok());
  REQUIRE(bytes(*back) == bytes(model));
  REQUIRE(back->activity("")[0].position == feed[0].position);
}

TEST_CASE_METHOD(ReplayedDemo,
                 "a case's data is read from the model's own log, and a log that lacks its events is named") {
  const auto& [id, c] = *model.cases().begin();
  REQUIRE(model.case_data(*c).is_ok());

  // A model read back from a checkpoint has no log until the projector gives it one.
  std::ostringstream out;
  model.write_binary(out);
  auto back = projections::Model::read_binary(out.str());
  REQUIRE(back.is_ok());
  CHECK(back->case_data(*c).status().code() == Code::internal);

  // Given a log that does not hold the case's events (another data folder), the read fails,
  // naming the application, rather than show another log's data.
  testing::TempDir other_dir;
  StoryStore other{other_dir.path()};
  back->set_log(other.store.get());
  const auto wrong = back->case_data(*c);
  REQUIRE(wrong.status().code() == Code::data_loss);
  CHECK(wrong.status().message().find(id) != std::string::npos);
  auto view = projections::case_file(*back, id, {});
  CHECK(view.status().code() == Code::data_loss);

  back->set_log(s.store.get());
  CHECK(projections::case_file(*back, id, {}).is_ok());
}

TEST_CASE("a name is interned: equal texts, from any thread, give the same name") {
  const projections::Name a("EligibilityAssessed");
  const projections::Name b(std::string("Eligibility") + "Assessed");
  projections::Name c;
  std::thread([&] { c = projections::Name(std::string_view("EligibilityAssessed")); }).join();
  REQUIRE(a == b);
  REQUIRE(&a.str() == &b.str());
  REQUIRE(&a.str() == &c.str());
  REQUIRE(a == "EligibilityAssessed");
  REQUIRE_FALSE(a == projections::Name("EligibilityAssessed "));
  REQUIRE(projections::Name().empty());
  REQUIRE(projections::Name("") == projections::Name());
  REQUIRE(projections::Name("CallOpened") < projections::Name("DossierReceived"));
}

TEST_CASE("the model rebuilt from position 0 equals the live one kept across restarts, byte for byte") {
  auto& demo = demo_programme();
  testing::TempDir dir;
  StoryStore s(dir.path());
  const auto checkpoints = projections::checkpoint_dir(dir.path());
  projections::ProjectorOptions options;
  options.checkpoint_dir = checkpoints;
  options.checkpoint_every = 700;
  options.idle_poll = std::chrono::milliseconds(5);

  std::mt19937 random(20260630);
  auto projector = std::make_unique<projections::Projector>(*s.store, options);
  REQUIRE(projector->load().is_ok());
  projector->start();
  int restarts = 0;
  std::uint64_t used_checkpoint = 0;
  for (std::size_t i = 0; i < demo.commands.size(); ++i) {
    const auto position = s.commit(demo.commands[i]);
    if (random() % 400 == 0) {  // a restart in the middle: stop (checkpoint), load, follow again
      REQUIRE(projector->wait_for(position, std::chrono::seconds(10)));
      projector.reset();
      projector = std::make_unique<projections::Projector>(*s.store, options);
      auto report = projector->load();
      REQUIRE(report.is_ok());
      CHECK(report->checkpoint == position);  // written on stop: nothing to replay
      CHECK(report->replayed == 0);
      used_checkpoint = std::max(used_checkpoint, report->checkpoint);
      projector->start();
      ++restarts;
    }
  }
  const auto head = s.store->head().position;
  REQUIRE(projector->wait_for(head, std::chrono::seconds(30)));
  CHECK(restarts > 0);
  CHECK(used_checkpoint > 0);
  const auto live = bytes(projector->current()->model());
  projector->stop();

  // A crash loses the stop's checkpoint: restart from an older periodic one and replay the tail.
  const auto last = checkpoints / ([&] {
                      std::string d = std::to_string(head);
                      return std::string(20 - d.size(), '0') + d + ".bin";
                    }());
  REQUIRE(std::filesystem::exists(last));
  std::filesystem::remove(last);
  projections::Projector after_crash(*s.store, options);
  auto report = after_crash.load();
  REQUIRE(report.is_ok());
  CHECK(report->checkpoint > 0);
  CHECK(report->checkpoint < head);
  CHECK(report->replayed == head - report->checkpoint);
  CHECK(bytes(after_crash.current()->model()) == live);

  // From position 0, with no checkpoint at all.
  CHECK(bytes(replayed(*s.store)) == live);
  auto rebuilt = projections::rebuild(*s.store, checkpoints);
  REQUIRE(rebuilt.is_ok());
  CHECK(*rebuilt == head);
  projections::Projector fresh(*s.store, options);
  auto fresh_report = fresh.load();
  REQUIRE(fresh_report.is_ok());
  CHECK(fresh_report->checkpoint == head);
  CHECK(bytes(fresh.current()->model()) == live);
}

TEST_CASE("as of P, the case file, ranking and dashboard are what the live model showed when P was the head") {
  auto& demo = demo_programme();
  testing::TempDir dir;
  StoryStore s(dir.path());
  projections::ProjectorOptions options;
  options.checkpoint_dir = projections::checkpoint_dir(dir.path());
  options.checkpoint_every = 1000;
  options.idle_poll = std::chrono::milliseconds(5);
  projections::Projector projector(*s.store, options);
  REQUIRE(projector.load().is_ok());
  projector.start();

  struct Seen {
    std::uint64_t position;
    std::string application;
    std::string case_file, history, dashboard, region_dashboard, ranking;
  };
  std::vector<Seen> seen;
  const projections::Viewer auditor{"u-auditor", false};
  std::mt19937 random(7);
  for (const auto& command : demo.commands) {
    const auto position = s.commit(command);
    if (random() % 25 != 0) continue;
    REQUIRE(projector.wait_for(position, std::chrono::seconds(10)));
    auto snapshot = projector.current();
    REQUIRE(snapshot->position() == position);
    const auto& model = snapshot->model();
    Seen v{position, "", "", "", *snapshot->dashboard_json(""), *snapshot->dashboard_json("Souss-Massa"), ""};
    for (const auto& e : command.events) {
      if (e.stream.starts_with("application/")) v.application = e.stream.substr(12);
    }
    if (!v.application.empty()) {
      v.case_file = json::serialize(*projections::case_file(model, v.application, auditor));
      v.history = json::serialize(*projections::decision_history(model, v.application, auditor));
    }
    if (!model.calls().empty()) {
      auto r = projections::ranking(model, model.calls().begin()->first, "Souss-Massa");
      if (r) v.ranking = json::serialize(*r);
    }
    seen.push_back(std::move(v));
  }
  REQUIRE(seen.size() > 50);
  for (const auto& v : seen) {
    INFO("as of " << v.position);
    auto past = projector.as_of(v.position);
    REQUIRE(past.is_ok());
    const auto& model = (*past)->model();
    CHECK((*past)->position() == v.position);
    CHECK(*(*past)->dashboard_json("") == v.dashboard);
    CHECK(*(*past)->dashboard_json("Souss-Massa") == v.region_dashboard);
    if (!v.application.empty()) {
      CHECK(json::serialize(*projections::case_file(model, v.application, auditor)) == v.case_file);
      CHECK(json::serialize(*projections::decision_history(model, v.application, auditor)) == v.history);
    }
    if (!v.ranking.empty()) {
      CHECK(json::serialize(*projections::ranking(model, model.calls().begin()->first, "Souss-Massa")) == v.ranking);
    }
  }
  CHECK(projector.as_of(s.store->head().position + 1).status().code() == Code::invalid_argument);
  auto before_everything = projector.as_of(0);
  REQUIRE(before_everything.is_ok());
  CHECK((*before_everything)->model().cases().empty());

  // An instant names the last event recorded at or before it; local time is Africa/Casablanca.
  const auto& store = *s.store;
  const auto at_deadline = projections::resolve_as_of(store, "2026-06-30T19:00:00.000Z");
  const auto local_deadline = projections::resolve_as_of(store, "30/06/2026 20:00");
  REQUIRE(at_deadline.is_ok());
  REQUIRE(local_deadline.is_ok());
  CHECK(*at_deadline == *local_deadline);
  CHECK(*at_deadline > 0);
  auto last = store.read_log(*at_deadline - 1, 2);
  REQUIRE(last.is_ok());
  REQUIRE(last->size() == 2);
  CHECK(store::parse_envelope((*last)[0].bytes)->recorded_at <= "2026-06-30T19:00:00.000Z");
  CHECK(store::parse_envelope((*last)[1].bytes)->recorded_at > "2026-06-30T19:00:00.000Z");
  CHECK(*projections::resolve_as_of(store, "2000-01-01T00:00:00Z") == 0);
  CHECK(*projections::resolve_as_of(store, "17") == 17);
  CHECK(projections::resolve_as_of(store, "20/09/2026 01:30").status().rule() == "ambiguous-local-time");
  CHECK(projections::resolve_as_of(store, "yesterday").status().code() == Code::invalid_argument);
  CHECK(projections::resolve_as_of(store, std::to_string(store.head().position + 1)).status().code() ==
        Code::invalid_argument);
}

namespace {

// Loads the read models from `dir_cp` and checks the report: the checkpoint used, the events
// replayed after it, one file ignored for a reason that contains `reason`, and the model.
void load_and_check(store::EventStore& store, const std::filesystem::path& dir_cp, std::uint64_t checkpoint,
                    std::uint64_t replayed_events, const std::string& reason, const std::string& expected) {
  projections::ProjectorOptions options;
  options.checkpoint_dir = dir_cp;
  options.write_checkpoints = false;
  projections::Projector projector(store, options);
  auto report = projector.load();
  REQUIRE(report.is_ok());
  CHECK(report->checkpoint == checkpoint);
  CHECK(report->replayed == replayed_events);
  REQUIRE(report->ignored.size() == 1);
  CHECK(report->ignored[0].find(reason) != std::string::npos);
  CHECK(bytes(projector.current()->model()) == expected);
}

// The demo's first 400 commands in a store, and one read model checkpoint at its head.
struct CheckpointedDemo {
  testing::TempDir dir;
  StoryStore s{dir.path()};
  std::filesystem::path dir_cp = projections::checkpoint_dir(dir.path());
  std::uint64_t head = 0;
  std::string expected;  // the model replayed from position 0, serialised

  CheckpointedDemo() {
    for (std::size_t i = 0; i < 400; ++i) s.commit(demo_programme().commands[i]);
    REQUIRE(projections::rebuild(*s.store, dir_cp).is_ok());
    head = s.store->head().position;
    expected = bytes(replayed(*s.store));
  }
};

}  // namespace

TEST_CASE_METHOD(CheckpointedDemo, "a checkpoint that does not match the log is ignored and the model is replayed") {
  // Change the hash in the checkpoint's header: it no longer vouches for this log.
  auto files = std::vector<std::filesystem::path>();
  for (const auto& f : std::filesystem::directory_iterator(dir_cp)) files.push_back(f.path());
  REQUIRE(files.size() == 1);
  std::stringstream text;
  text << std::ifstream(files[0]).rdbuf();
  auto content = text.str();
  const auto at = content.find("\"hash\":\"") + 8;
  content[at] = content[at] == 'a' ? 'b' : 'a';
  std::ofstream(files[0], std::ios::trunc) << content;
  load_and_check(*s.store, dir_cp, 0, head, "hash", expected);
}

TEST_CASE("a truncated checkpoint is ignored and an older one is used") {
  auto& demo = demo_programme();
  testing::TempDir dir;
  StoryStore s(dir.path());
  const auto dir_cp = projections::checkpoint_dir(dir.path());
  for (std::size_t i = 0; i < 300; ++i) s.commit(demo.commands[i]);
  REQUIRE(projections::rebuild(*s.store, dir_cp).is_ok());
  const auto older = s.store->head().position;
  for (std::size_t i = 300; i < 600; ++i) s.commit(demo.commands[i]);
  const auto head = s.store->head().position;
  const auto expected = bytes(replayed(*s.store));
  {
    projections::ProjectorOptions options;
    options.checkpoint_dir = dir_cp;
    projections::Projector writer(*s.store, options);
    REQUIRE(writer.load().is_ok());
    REQUIRE(writer.write_checkpoint().is_ok());
  }
  // The newest file loses its second half, as a disk that filled up might leave it.
  std::filesystem::path newest;
  for (const auto& f : std::filesystem::directory_iterator(dir_cp)) newest = std::max(newest, f.path());
  const auto size = std::filesystem::file_size(newest);
  std::filesystem::resize_file(newest, size / 2);
  load_and_check(*s.store, dir_cp, older, head - older, "does not read back", expected);
}

TEST_CASE_METHOD(CheckpointedDemo, "a checkpoint with one byte changed is ignored, wherever the byte is") {
  std::filesystem::path file;
  for (const auto& f : std::filesystem::directory_iterator(dir_cp)) file = f.path();
  std::stringstream text;
  text << std::ifstream(file, std::ios::binary).rdbuf();
  const auto original = text.str();
  const auto body = original.find('\n') + 1;
  // In the size of the first section, in the first section, in the last part of the case files.
  for (const auto at : {body + 2, body + 60, original.size() - 10}) {
    auto changed = original;
    changed[at] = static_cast<char>(changed[at] ^ 0x20);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << changed;
    load_and_check(*s.store, dir_cp, 0, head, "does not read back", expected);
  }
}

TEST_CASE("an evaluator's case file hides other scores until their own is in") {
  auto& demo = demo_programme();
  testing::TempDir dir;
  StoryStore s(dir.path());
  // Stop just after the first score of an application whose second evaluator has not scored.
  std::string application, first, second;
  projections::Model model;
  for (const auto& c : demo.commands) {
    s.commit(c);
    REQUIRE(projections::replay_into(*s.store, model, 0).is_ok());
    const auto& e = c.events.front();
    if (e.type != "ScoreSubmitted") continue;
    const auto* cf = model.case_file(std::string(e.data.at("application_id").as_string()));
    int scored = 0;
    std::string waiting;
    for (const auto& w : cf->evaluators) {
      if (w.scored)
        ++scored;
      else if (w.declaration == "no_conflict")
        waiting = w.evaluator_id;
    }
    if (scored == 1 && !waiting.empty()) {
      application = cf->application_id;
      first = std::string(e.data.at("evaluator_id").as_string());
      second = waiting;
      break;
    }
  }
  REQUIRE(!application.empty());
  auto as_second = projections::case_file(model, application, {second, true});
  REQUIRE(as_second.is_ok());
  const auto text = json::serialize(*as_second);
  CHECK(text.find("justification") == std::string::npos);
  CHECK(text.find("hidden until you submit your own score") != std::string::npos);
  auto history = projections::decision_history(model, application, {second, true});
  REQUIRE(history.is_ok());
  CHECK(json::serialize(*history).find("justification") == std::string::npos);

  auto as_first = projections::case_file(model, application, {first, true});
  CHECK(json::serialize(*as_first).find("justification") != std::string::npos);
  auto as_auditor = projections::case_file(model, application, {"u-auditor", false});
  CHECK(json::serialize(*as_auditor).find("justification") != std::string::npos);
}

TEST_CASE("a record is read as written: escaped texts, names the model does not read, members of another type") {
  testing::TempDir dir;
  testing::StoryStore s(dir.path());
  const std::string region = "L'Oriental \"est\"\n\\ \t\u00e9 \xd8\xa7\xd9\x84\xd8\xb4\xd8\xb1\xd9\x82";  // ...الشرق
  const std::string rationale = "Éligible : \"tous les critères\"\r\nوفق الشروط \\ fin";
  auto event = [](std::string type, json::object data) {
    testing::Committed e;
    e.stream = "application/APP-T";
    e.type = std::move(type);
    e.data = std::move(data);
    e.actor.id = "u-\"officer\"";
    e.actor.role = "programme_officer";
    e.recorded_at = time::Instant(std::chrono::sys_days{std::chrono::year{2026} / 6 / 1});
    return e;
  };
  s.commit({event("DossierReceived",
                  {// Before the members read: a name with an escape, and nested data that repeats them.
                   {"odd \"name\"",
                    json::object{{"call_id", "NOT-THIS"}, {"list", json::array{1, "region", json::object{}}}}},
                   {"call_id", "AMI-T"},
                   {"organisation_id", "OSC-\\1"},
                   {"registration_number", "12/2020"},
                   {"region", region},
                   {"received_at", "2026-05-31T10:00:00.000Z"},
                   {"late", "true"},  // not a boolean: not late
                   {"documents", json::array{json::object{{"kind", "legal_file"},
                                                          {"name", "statuts \"2020\".pdf"},
                                                          {"sha256", std::string(64, 'a')},
                                                          {"size", 5}}}},
                   {"missing_documents", json::array{"a\\b", 3, "c"}},
                   {"justification", std::string(5000, 'x')}}),
            event("EligibilityAssessed", {{"eligible", true}, {"rationale", rationale}, {"rules_version", "v\"2\""}}),
            event("ApplicationWaitlisted", {{"rank", "7"}, {"of", 12}, {"rationale", ""}})});
  projections::Model model;
  REQUIRE(projections::replay_into(*s.store, model, 0).is_ok());
  const auto* c = model.case_file("APP-T");
  REQUIRE(c != nullptr);
  CHECK(c->call_id == "AMI-T");
  CHECK(c->organisation_id == "OSC-\\1");
  CHECK(c->region == region);
  REQUIRE(c->parts.size() == 1);
  CHECK_FALSE(c->parts[0].late);
  CHECK(c->parts[0].received_at == "2026-05-31T10:00:00.000Z");
  REQUIRE(c->parts[0].documents.size() == 1);
  CHECK(c->parts[0].documents[0].name == "statuts \"2020\".pdf");
  CHECK(c->parts[0].documents[0].size == 5);
  CHECK(c->parts[0].missing_documents == std::vector<std::string>{"a\\b", "c"});
  REQUIRE(c->decisions.size() == 2);
  CHECK(c->decisions[0].rationale == rationale);
  CHECK(c->decisions[0].actor_id == "u-\"officer\"");
  CHECK(c->decisions[0].rules_version == "v\"2\"");
  CHECK(c->decisions[0].recorded_at == "2026-06-01T00:00:00.000Z");
  CHECK(c->stage == "waiting");
  CHECK(c->rank == 0);  // a string where a number is expected counts as none
  CHECK(c->of == 12);
}

TEST_CASE("a record that is not JSON stops a replay on either thread, naming the first such") {
  testing::TempDir dir;
  constexpr std::uint64_t kEvents = 6000, kBad = 4500, kAlsoBad = 5000;  // a replay on two threads
  {
    testing::StoryStore s(dir.path());
    std::vector<testing::Committed> events;
    for (std::uint64_t i = 0; i < kEvents; ++i) {
      testing::Committed e;
      e.stream = "application/APP-" + std::to_string(i % 50);
      e.type = "Noted";
      e.data = {{"i", i}};
      e.actor.id = "u-officer";
      e.actor.role = "programme_officer";
      events.push_back(std::move(e));
    }
    s.commit(events);
  }
  {
    // The log's value is the record's hash, then its bytes (docs/chain-format.md).
    rocksdb::Options o;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"log", {}}, {"streams", {}}, {"idempotency", {}}, {"meta", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(o, (dir.path() / "log").string(), families, &handles, &db).ok());
    for (const auto position : {kBad, kAlsoBad}) {
      std::string key;
      for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(position >> shift & 0xff));
      std::string value;
      REQUIRE(db->Get({}, handles[1], key, &value).ok());
      REQUIRE(db->Put({}, handles[1], key, value.substr(0, 32) + "not JSON").ok());
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  testing::StoryStore s(dir.path());
  for (int run = 0; run < 5; ++run) {
    projections::Model model;
    const auto st = projections::replay_into(*s.store, model, 0);
    CHECK(st.code() == Code::data_loss);
    CHECK(st.message().find("record 4500 is not JSON") != std::string::npos);
    CHECK(model.position() < kBad);
  }
}

TEST_CASE("the dashboard's evaluator workload counts each evaluator's assignments as the log records them") {
  auto& demo = demo_programme();
  std::size_t total_scores = 0;
  for (const auto& c : demo.commands) {
    for (const auto& e : c.events) total_scores += e.type == "ScoreSubmitted";
  }
  // Stopped half-way through the scores, before any appeal: every application is in round 1.
  testing::TempDir dir;
  StoryStore s(dir.path());
  struct Expected {
    std::int64_t assigned = 0, declared = 0, conflicts = 0, scored = 0, to_score = 0;
  };
  std::map<std::string, Expected> expected;
  std::map<std::pair<std::string, std::string>, std::string> declared;  // (application, evaluator) -> how
  std::set<std::pair<std::string, std::string>> scored;
  std::size_t scores = 0;
  for (const auto& c : demo.commands) {
    if (scores >= total_scores / 2) break;
    s.commit(c);
    for (const auto& e : c.events) {
      REQUIRE(e.type != "AppealDecided");
      if (!e.data.contains("evaluator_id")) continue;
      const std::string evaluator(e.data.at("evaluator_id").as_string());
      const std::pair<std::string, std::string> key{std::string(e.data.at("application_id").as_string()), evaluator};
      if (e.type == "EvaluatorAssigned") ++expected[evaluator].assigned;
      if (e.type == "ConflictOfInterestDeclared")
        declared[key] = e.data.at("conflict").as_bool() ? "conflict" : "no_conflict";
      if (e.type == "ScoreSubmitted") {
        scored.insert(key);
        ++scores;
      }
    }
  }
  for (const auto& [key, how] : declared) {
    auto& x = expected[key.second];
    ++x.declared;
    if (how == "conflict") ++x.conflicts;
    if (scored.count(key)) {
      ++x.scored;
    } else if (how == "no_conflict") {
      ++x.to_score;
    }
  }
  const auto model = replayed(*s.store);
  const auto d = projections::dashboard(model, "");
  const auto& evaluators = d.at("evaluators").as_array();
  REQUIRE(evaluators.size() == expected.size());
  std::int64_t pending = 0, assignments = 0;
  for (const auto& v : evaluators) {
    const auto& o = v.as_object();
    const std::string id(o.at("evaluator_id").as_string());
    INFO(id);
    REQUIRE(expected.count(id));
    const auto& x = expected.at(id);
    CHECK(o.at("assigned").as_int64() == x.assigned);
    CHECK(o.at("declared").as_int64() == x.declared);
    CHECK(o.at("conflicts").as_int64() == x.conflicts);
    CHECK(o.at("scored").as_int64() == x.scored);
    CHECK(o.at("to_declare").as_int64() == x.assigned - x.declared);
    CHECK(o.at("to_score").as_int64() == x.to_score);
    pending += x.to_score + x.assigned - x.declared;
    assignments += x.assigned;
  }
  CHECK(pending > 0);  // the cut leaves work to do
  CHECK(assignments == d.at("evaluation").at("assignments").as_int64());

  // A region's workload counts only its applications.
  const auto souss = projections::dashboard(model, "Souss-Massa");
  std::int64_t in_region = 0;
  for (const auto& v : souss.at("evaluators").as_array()) in_region += v.at("assigned").as_int64();
  CHECK(in_region == souss.at("evaluation").at("assignments").as_int64());
  CHECK(in_region < assignments);
}

TEST_CASE("a long replay on two threads reads escaped texts and nested members as one thread does") {
  testing::TempDir dir;
  testing::StoryStore s(dir.path());
  constexpr int kApplications = 1500;  // 4,500 events: replayed at once on two threads
  std::vector<testing::Committed> events;
  for (int i = 0; i < kApplications; ++i) {
    const auto id = "APP-" + std::to_string(i);
    auto event = [&](std::string type, json::object data) {
      testing::Committed e;
      e.stream = "application/" + id;
      e.type = std::move(type);
      e.data = std::move(data);
      e.actor.id = "u-\"officer\" " + std::to_string(i % 7);
      e.actor.role = "programme_officer";
      e.recorded_at = time::Instant(std::chrono::sys_days{std::chrono::year{2026} / 6 / 1});
      events.push_back(std::move(e));
    };
    event("DossierReceived",
          {{"call_id", "AMI-T"},
           {"organisation_id", "OSC-\\" + std::to_string(i)},
           {"region", i % 2 ? "L'Oriental \"est\"\n" : "Souss-Massa"},
           {"received_at", "2026-05-31T10:00:00.000Z"},
           {"documents", json::array{json::object{{"kind", "legal_file"},
                                                  {"name", "statuts \"" + std::to_string(i) + "\".pdf"},
                                                  {"sha256", std::string(64, 'a')},
                                                  {"size", i}}}},
           {"justification", std::string(static_cast<std::size_t>(i % 900), 'x')}});
    event("EligibilityAssessed", {{"eligible", i % 3 != 0}, {"rationale", "motif \"" + std::to_string(i) + "\"\t✓"}});
    event("ScoreFinalised", {{"final_half_points", json::object{{"numerator", i}, {"denominator", 2}}},
                             {"rationale", i % 5 ? "" : "consensus\\n"}});
  }
  s.commit(events);
  projections::Model at_once;
  REQUIRE(projections::replay_into(*s.store, at_once, 0).is_ok());
  projections::Model in_steps;  // steps shorter than a two-thread replay
  for (std::uint64_t to = 1000; in_steps.position() < s.store->head().position; to += 1000) {
    REQUIRE(projections::replay_into(*s.store, in_steps, std::min(to, s.store->head().position)).is_ok());
  }
  CHECK(bytes(at_once) == bytes(in_steps));
  const auto* c = at_once.case_file("APP-1499");
  REQUIRE(c != nullptr);
  CHECK(c->region == "L'Oriental \"est\"\n");
  CHECK(c->organisation_id == "OSC-\\1499");
  REQUIRE(c->parts.size() == 1);
  REQUIRE(c->parts[0].documents.size() == 1);
  CHECK(c->parts[0].documents[0].name == "statuts \"1499\".pdf");
  CHECK(c->final_half_points == projections::Points{1499, 2});
  REQUIRE(c->decisions.size() == 2);
  CHECK(c->decisions[0].rationale == "motif \"1499\"\t✓");
  CHECK(c->decisions[0].actor_id == "u-\"officer\" 1");
}

TEST_CASE("the stages a query may name are the AMI's stages") {
  std::vector<std::string_view> stages;
  for (int i = 0; i <= static_cast<int>(domain::ami::Stage::withdrawn); ++i) {
    stages.push_back(domain::ami::to_string(static_cast<domain::ami::Stage>(i)));
  }
  CHECK(stages == std::vector<std::string_view>(std::begin(projections::kStages), std::end(projections::kStages)));
}
