// The JSON Schemas of the AMI's commands and events (schemas/README.md): one for every command
// the module decides and every event type it writes, each compiles, each example validates,
// and the shapes a client gets wrong are refused at the right JSON Pointer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <boost/json.hpp>
#include <deque>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sijill/domain/ami/config.h"
#include "sijill/domain/ami/module.h"
#include "sijill/domain/schemas.h"
#include "sijill/util/embedded.h"

using namespace sijill;
using sijill::domain::CommandSchemas;

namespace {

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(SIJILL_SOURCE_DIR) + "/" + relative);
  REQUIRE(in.good());
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::set<std::string> command_names() {
  domain::ami::AmiModule module;
  auto names = module.commands();
  return {names.begin(), names.end()};
}

// The event types decide.cpp writes: every CamelCase string literal of the file that is not a
// command name (the file names commands and event types, and nothing else, that way).
std::set<std::string> written_event_types() {
  const auto source = read_source("src/domain/ami/decide.cpp");
  const auto commands = command_names();
  std::set<std::string> types;
  const std::regex literal("\"([A-Z][a-z]+(?:[A-Z][a-z]*)+)\"");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), literal); it != std::sregex_iterator(); ++it) {
    const auto name = (*it)[1].str();
    if (!commands.count(name)) types.insert(name);
  }
  return types;
}

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

boost::json::object object_of(std::string_view text) { return boost::json::parse(text).as_object(); }

// The violations' paths, for messages and checks.
std::vector<std::string> paths(const Status& st) {
  std::vector<std::string> out;
  for (const auto& v : st.violations()) out.push_back(v.path);
  return out;
}

bool has_path(const Status& st, std::string_view path) {
  const auto p = paths(st);
  return std::find(p.begin(), p.end(), path) != p.end();
}

std::string describe(const Status& st) { return st.to_string(); }  // with every violation

const CommandSchemas& schemas() { return CommandSchemas::embedded(); }

// A valid SubmitScore, changed by the test.
boost::json::object submit_score() {
  return object_of(R"({"application_id": "APP-0001", "scores": {
    "relevance": {"half_points": 50, "justification": "ancrage fort"},
    "capacity": {"half_points": 37, "justification": "bureau élu"},
    "potential": {"half_points": 40, "justification": "projet crédible"},
    "commitment": {"half_points": 32, "justification": "motivation claire"}}})");
}

}  // namespace

TEST_CASE("every command the AMI module decides has a schema, and every command schema a command") {
  CHECK(as_set(schemas().command_names()) == command_names());
  CHECK(command_names().size() == 22);
}

TEST_CASE("every event type the AMI rules write has a schema, and every event schema is written") {
  const auto written = written_event_types();
  CHECK(written.size() == 22);
  CHECK(written.count("ScoreSubmitted") == 1);
  CHECK(written.count("RecordCorrected") == 1);
  CHECK(as_set(schemas().event_types()) == written);
}

TEST_CASE("every schema file compiles, declares draft 2020-12, and has a title, a description and examples") {
  int files = 0;
  for (const auto& [path, text] : embedded::files()) {
    if (!path.starts_with("schemas/commands/") && !path.starts_with("schemas/events/")) continue;
    ++files;
    INFO(path);
    auto compiled = json::Schema::compile(text);
    CHECK(compiled.is_ok());
    if (!compiled) {
      WARN(describe(compiled.status()));
      continue;
    }
    const auto doc = object_of(text);
    CHECK(doc.at("$schema").as_string() == "https://json-schema.org/draft/2020-12/schema");
    CHECK(!doc.at("title").as_string().empty());
    CHECK(doc.at("description").as_string().size() >= 40);
    CHECK(doc.at("type").as_string() == "object");
    CHECK(doc.at("additionalProperties") == boost::json::value(false));
    CHECK(!doc.at("examples").as_array().empty());
  }
  CHECK(files == 44);
  auto all = CommandSchemas::compile(embedded::files());
  REQUIRE(all.is_ok());
  CHECK(all->command_names().size() == 22);
  CHECK(all->event_types().size() == 22);
}

TEST_CASE("every example of every schema validates against its schema") {
  int examples = 0;
  for (const auto& [path, text] : embedded::files()) {
    const bool command = path.starts_with("schemas/commands/");
    if (!command && !path.starts_with("schemas/events/")) continue;
    std::string name(path.substr(path.rfind('/') + 1));
    name.resize(name.size() - 5);
    const auto doc = object_of(text);
    int i = 0;
    for (const auto& example : doc.at("examples").as_array()) {
      INFO(path << " example " << i++);
      REQUIRE(example.is_object());
      const auto st = command ? schemas().validate_command(name, example.as_object())
                              : schemas().validate_event(name, example.as_object());
      CHECK(st.is_ok());
      if (!st) WARN(describe(st));
      ++examples;
    }
  }
  CHECK(examples >= 42);
  WARN(examples << " examples validated");
}

TEST_CASE("the default programme's OpenCall data matches the OpenCall schema") {
  const auto st = schemas().validate_command("OpenCall", domain::ami::cap_2026_call());
  INFO(describe(st));
  CHECK(st.is_ok());
}

TEST_CASE("a score that is not an integer of half points is refused at its pointer") {
  auto data = submit_score();
  data["scores"].as_object()["relevance"].as_object()["half_points"] = 25.5;
  const auto st = schemas().validate_command("SubmitScore", data);
  INFO(describe(st));
  REQUIRE(st.code() == Code::invalid_argument);
  CHECK(paths(st) == std::vector<std::string>{"/scores/relevance/half_points"});

  data["scores"].as_object()["relevance"].as_object()["half_points"] = -1;
  CHECK(paths(schemas().validate_command("SubmitScore", data)) ==
        std::vector<std::string>{"/scores/relevance/half_points"});
  data["scores"].as_object()["relevance"].as_object()["half_points"] = "50";
  CHECK(paths(schemas().validate_command("SubmitScore", data)) ==
        std::vector<std::string>{"/scores/relevance/half_points"});
  data["scores"].as_object()["relevance"].as_object()["half_points"] = 50;
  CHECK(schemas().validate_command("SubmitScore", data).is_ok());
}

TEST_CASE("a score without its justification, or with an empty one, is refused") {
  auto data = submit_score();
  data["scores"].as_object()["capacity"].as_object().erase("justification");
  data["scores"].as_object()["potential"].as_object()["justification"] = "";
  const auto st = schemas().validate_command("SubmitScore", data);
  INFO(describe(st));
  CHECK(has_path(st, "/scores/capacity"));
  CHECK(has_path(st, "/scores/potential/justification"));
  CHECK(st.violations().size() == 2);
}

TEST_CASE("a criterion id that is not an id is refused at its escaped pointer") {
  auto data = submit_score();
  data["scores"].as_object()["gouvernance/finances"] = boost::json::object{{"half_points", 4}, {"justification", "x"}};
  const auto st = schemas().validate_command("SubmitScore", data);
  INFO(describe(st));
  CHECK(paths(st) == std::vector<std::string>{"/scores/gouvernance~1finances"});
}

TEST_CASE("an unknown member is refused at its pointer") {
  auto data = submit_score();
  data["total_half_points"] = 159;
  auto st = schemas().validate_command("SubmitScore", data);
  INFO(describe(st));
  CHECK(paths(st) == std::vector<std::string>{"/total_half_points"});

  auto score = submit_score();
  score["scores"].as_object()["relevance"].as_object()["max"] = 60;
  st = schemas().validate_command("SubmitScore", score);
  CHECK(paths(st) == std::vector<std::string>{"/scores/relevance/max"});
}

TEST_CASE("a decision without its rationale, or with an empty one, is refused") {
  for (const char* command : {"DeclareInadmissible", "RecordSelection", "PlaceApplication", "DecideAppeal"}) {
    INFO(command);
    boost::json::object data{
        {"application_id", "APP-0001"}, {"call_id", "AMI-2026"}, {"region", "Souss-Massa"}, {"upheld", true}};
    if (std::string_view(command) == "RecordSelection") {
      data.erase("application_id");
      data.erase("upheld");
    } else {
      data.erase("call_id");
      data.erase("region");
      if (std::string_view(command) != "DecideAppeal") data.erase("upheld");
    }
    auto st = schemas().validate_command(command, data);
    INFO(describe(st));
    REQUIRE(st.code() == Code::invalid_argument);
    REQUIRE(st.violations().size() == 1);
    CHECK(st.violations()[0].path.empty());
    CHECK(st.violations()[0].message.find("'rationale'") != std::string::npos);

    data["rationale"] = "";
    st = schemas().validate_command(command, data);
    CHECK(paths(st) == std::vector<std::string>{"/rationale"});
    data["rationale"] = "comité de sélection du 15/07/2026";
    CHECK(schemas().validate_command(command, data).is_ok());
  }
  for (const char* command : {"AcceptLateSubmission", "WithdrawApplication"}) {
    INFO(command);
    const auto st = schemas().validate_command(command, {{"application_id", "APP-0001"}, {"reason", ""}});
    CHECK(paths(st) == std::vector<std::string>{"/reason"});
  }
}

TEST_CASE("an application id the register did not give is refused") {
  const auto st = schemas().validate_command("FinaliseScore", {{"application_id", "app-1"}});
  INFO(describe(st));
  CHECK(paths(st) == std::vector<std::string>{"/application_id"});
  CHECK(schemas().validate_command("FinaliseScore", {{"application_id", "APP-12345"}}).is_ok());
}

TEST_CASE("a contact is sent in clear, with a name, and nothing else: the server seals it") {
  auto data = object_of(R"({"person_id": "P-0001", "organisation_id": "OSC-0001", "role": "présidente",
    "contact": {"name": "Fatima Zahra", "email": "fz@example.org", "phone": "+212 600 000 000"}})");
  auto st = schemas().validate_command("RegisterContactPerson", data);
  INFO(describe(st));
  CHECK(st.is_ok());

  data["contact"] = object_of(R"({"email": "fz@example.org"})");
  st = schemas().validate_command("RegisterContactPerson", data);
  CHECK(has_path(st, "/contact"));

  // A client cannot hand in a sealed value of its own making.
  data["contact"] = object_of(R"({"name": "Fatima Zahra", "$sealed": {"v": 1}})");
  st = schemas().validate_command("RegisterContactPerson", data);
  CHECK_FALSE(st.is_ok());

  // The event holds only the sealed form.
  boost::json::object event = {{"person_id", "P-0001"},
                               {"organisation_id", "OSC-0001"},
                               {"role", "présidente"},
                               {"contact", object_of(R"({"name": "Fatima Zahra"})")}};
  CHECK_FALSE(schemas().validate_event("ContactPersonRegistered", event).is_ok());
}

TEST_CASE("a call's regions are Moroccan, its quotas whole and not negative, its deadline a local time") {
  auto data = domain::ami::cap_2026_call();
  data["regions"].as_array()[1] = "Île-de-France";
  data["quotas"].as_object()["Souss-Massa"] = -1;
  data["quotas"].as_object()["Souss/Massa"] = 2;
  data["divergence_threshold_points"] = 20.5;
  data["deadline_local"] = "30 juin 2026 à 20h";
  const auto st = schemas().validate_command("OpenCall", data);
  INFO(describe(st));
  CHECK(has_path(st, "/regions/1"));
  CHECK(has_path(st, "/quotas/Souss-Massa"));
  CHECK(has_path(st, "/quotas/Souss~1Massa"));
  CHECK(has_path(st, "/divergence_threshold_points"));
  CHECK(has_path(st, "/deadline_local"));

  auto ok = domain::ami::cap_2026_call();
  for (const char* local : {"2026-06-30T20:00", "2026-06-30T20:00:00", "2026-09-20T01:30+01:00", "2026-09-20T01:30Z",
                            "30/06/2026 20:00", "20/09/2026 01:30 +01:00"}) {
    ok["deadline_local"] = local;
    INFO(local);
    CHECK(schemas().validate_command("OpenCall", ok).is_ok());
  }
}

TEST_CASE("instants are RFC 3339 with their offset in commands, and UTC with milliseconds in events") {
  CHECK(schemas()
            .validate_command("NotifyDecision",
                              {{"application_id", "APP-0003"}, {"notified_at", "2026-07-22T10:30:00+01:00"}})
            .is_ok());
  CHECK(paths(schemas().validate_command("NotifyDecision",
                                         {{"application_id", "APP-0003"}, {"notified_at", "22/07/2026"}})) ==
        std::vector<std::string>{"/notified_at"});
  CHECK(paths(schemas().validate_command(
            "FileAppeal", {{"application_id", "APP-0003"}, {"grounds", "x"}, {"filed_at", "2026-07-25 10:00:00"}})) ==
        std::vector<std::string>{"/filed_at"});
  boost::json::object filed{{"application_id", "APP-0003"},
                            {"filed_at", "2026-07-25T10:00:00Z"},
                            {"grounds", "x"},
                            {"decision_appealed", "ineligible"}};
  CHECK(paths(schemas().validate_event("AppealFiled", filed)) == std::vector<std::string>{"/filed_at"});
  filed["filed_at"] = "2026-07-25T10:00:00.000Z";
  CHECK(schemas().validate_event("AppealFiled", filed).is_ok());
}

TEST_CASE("a document is cited by its SHA-256 in lower-case hexadecimal") {
  auto data =
      object_of(R"({"call_id": "AMI-2026", "registration_number": "735/2020", "received_at": "2026-06-12T10:42:17Z",
    "email_subject": "AMI_RC CAP+ 735/2020", "documents": [
      {"kind": "letter_of_interest", "name": "lettre.pdf", "sha256": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"},
      {"kind": "legal_file", "name": "statuts.pdf", "sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c75"}]})");
  const auto st = schemas().validate_command("ReceiveDossier", data);
  INFO(describe(st));
  CHECK(paths(st) == std::vector<std::string>{"/documents/0/sha256", "/documents/1/sha256"});
}

TEST_CASE("an eligibility criterion's empty evidence is refused at its pointer; the four criteria are required") {
  auto data = object_of(R"({"application_id": "APP-0001", "rationale": "r", "criteria": {
    "legally_constituted": {"met": true, "evidence": "récépissé"},
    "target_region": {"met": true, "evidence": "siège"},
    "community_experience": {"met": true, "evidence": ""}}})");
  const auto st = schemas().validate_command("AssessEligibility", data);
  INFO(describe(st));
  CHECK(has_path(st, "/criteria/community_experience/evidence"));
  CHECK(has_path(st, "/criteria"));
  CHECK(st.violations().size() == 2);
}

TEST_CASE("the events of a whole application's life match their schemas") {
  // A short run through the rules: every event written is checked against its schema.
  domain::ami::AmiModule module;
  std::uint64_t position = 0;
  std::deque<boost::json::object> kept;  // the events' data, at stable addresses
  auto run = [&](std::string_view command, const boost::json::object& data, domain::Actor actor, const char* at) {
    INFO(command);
    // The request carries the contact in clear; the server seals it before the rules decide.
    auto request = data;
    if (command == "RegisterContactPerson") request["contact"] = boost::json::object{{"name", "Fatima Zahra"}};
    REQUIRE(schemas().validate_command(command, request).is_ok());
    domain::CommandContext ctx{actor, *time::parse_instant(at), "cmd"};
    auto decision = module.decide(command, data, ctx);
    if (!decision) FAIL(decision.status().to_string());
    for (auto& e : decision->events) {
      const auto st = schemas().validate_event(e.type, e.data);
      INFO(e.type << " " << boost::json::serialize(e.data) << "\n" << describe(st));
      CHECK(st.is_ok());
      kept.push_back(e.data);
      domain::RecordedEvent r;
      r.position = ++position;
      r.stream = e.stream;
      r.version = 1;
      r.type = e.type;
      r.recorded_at = ctx.now;
      r.actor = actor;
      r.data = &kept.back();
      module.evolve(r);
    }
  };
  const domain::Actor officer{"u-officer", "programme_officer", ""};
  const domain::Actor ev1{"u-ev1", "evaluator", ""}, ev2{"u-ev2", "evaluator", ""};
  auto call = domain::ami::cap_2026_call();
  call["quotas"].as_object()["Souss-Massa"] = 1;  // one place: the second application waits
  run("OpenCall", call, officer, "2026-05-12T09:00:00Z");
  for (const char* id : {"1", "2"}) {
    run("RegisterOrganisation",
        object_of(std::string(R"({"organisation_id": "OSC-000)") + id + R"(", "legal_name": "Association )" + id +
                  R"(", "registration": {"authority": "Préfecture", "number": "73)" + id +
                  R"(/2020", "date": "2015-01-17"}, "region": "Souss-Massa"})"),
        officer, "2026-05-20T09:00:00Z");
  }
  run("RegisterContactPerson",
      object_of(
          R"({"person_id": "P-0001", "organisation_id": "OSC-0001", "contact": {"$sealed": {"v": 1, "subject": "person/P-0001",
        "nonce": "eDd7UldXtJRCf4kBT5fXmSjzk40U61Hi", "ciphertext": "h1k+6t4hJrqpp7Q8VqIoN1NYp3OSBHn4kAhnMdc7Gui780AFX3AjGp6/U5flG/pmK0ik"}}})"),
      officer, "2026-05-21T09:00:00Z");
  const char* criteria =
      R"({"legally_constituted": {"met": true, "evidence": "récépissé"}, "target_region": {"met": true, "evidence": "siège"},
    "community_experience": {"met": true, "evidence": "projets"}, "field_of_work": {"met": true, "evidence": "statuts"}})";
  for (const char* n : {"1", "2"}) {
    const std::string app = std::string("APP-000") + n;
    run("ReceiveDossier",
        object_of(std::string(R"({"call_id": "AMI-2026", "registration_number": "73)") + n +
                  R"(/2020", "received_at": "2026-06-02T10:00:00Z",
          "email_subject": "AMI_RC CAP+", "documents": [{"kind": "letter_of_interest", "name": "l.pdf", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 1}]})"),
        officer, "2026-06-02T11:00:00Z");
    run("ReceiveForm",
        object_of(std::string(R"({"call_id": "AMI-2026", "registration_number": "73)") + n +
                  R"(/2020", "received_at": "2026-07-01T10:00:00+01:00", "answers": {"motivation": "gouvernance"}})"),
        officer, "2026-07-01T11:00:00Z");
    run("AcceptLateSubmission", {{"application_id", app}, {"reason", "panne"}}, officer, "2026-07-02T09:00:00Z");
    run("AssessEligibility", {{"application_id", app}, {"criteria", object_of(criteria)}, {"rationale", "éligible"}},
        officer, "2026-07-03T09:00:00Z");
    for (const auto* ev : {&ev1, &ev2}) {
      run("AssignEvaluator", {{"application_id", app}, {"evaluator_id", ev->id}}, officer, "2026-07-04T09:00:00Z");
      run("DeclareConflictOfInterest", {{"application_id", app}, {"conflict", false}, {"statement", "aucun lien"}}, *ev,
          "2026-07-04T10:00:00Z");
      auto score = submit_score();
      score["application_id"] = app;
      run("SubmitScore", score, *ev, "2026-07-05T09:00:00Z");
    }
    run("FinaliseScore", {{"application_id", app}}, officer, "2026-07-06T09:00:00Z");
  }
  run("CorrectRecord",
      {{"application_id", "APP-0001"},
       {"corrects_position", 9},
       {"correction", object_of(R"({"rationale": "corrigé"})")},
       {"reason", "coquille"}},
      officer, "2026-07-06T10:00:00Z");
  run("RecordSelection", {{"call_id", "AMI-2026"}, {"region", "Souss-Massa"}, {"rationale", "comité"}}, officer,
      "2026-07-15T09:00:00Z");
  run("NotifyDecision", {{"application_id", "APP-0002"}}, officer, "2026-07-16T09:00:00Z");
  run("FileAppeal", {{"application_id", "APP-0002"}, {"grounds", "mal noté"}}, officer, "2026-07-20T09:00:00Z");
  run("DecideAppeal", {{"application_id", "APP-0002"}, {"upheld", false}, {"rationale", "rejeté"}}, officer,
      "2026-07-25T09:00:00Z");
  run("WithdrawApplication", {{"application_id", "APP-0001"}, {"reason", "renonce"}}, officer, "2026-07-26T09:00:00Z");
  run("SelectApplication", {{"application_id", "APP-0002"}, {"rationale", "place libérée"}}, officer,
      "2026-07-27T09:00:00Z");
  CHECK(position >= 35);
}
