// Whole imports of the shipped Google Forms sample on a temporary data folder, through the
// local command path (the API's checks, the processor, the rules).
#include <boost/json/serialize.hpp>

#include "sijill/importer/import.h"
#include "sijill/importer/runner.h"
#include "sijill/store/key_store.h"
#include "support.h"
#include "temp_dir.h"

using namespace sijill;
using namespace sijill::importer;

namespace {

LocalOptions local(const std::filesystem::path& dir, const std::string& user,
                   const std::string& role = "programme_officer") {
  LocalOptions o;
  o.dir = dir;
  o.user = user;
  o.role = role;
  return o;
}

std::string read_text(const std::string& path) {
  auto t = read_file(path);
  REQUIRE(t.is_ok());
  return std::move(t).value();
}

// A data folder with the first admin, two programme officers, and the CAP+ call open.
void prepare(const std::filesystem::path& dir) {
  {
    LocalOptions first;
    first.dir = dir;
    first.user = "admin";
    first.role = "admin";
    first.first_admin = true;
    auto admin = LocalRunner::open(first);
    REQUIRE(admin.is_ok());
    REQUIRE((*admin)->run("RegisterUser", R"({"person_id":"admin","roles":["admin"]})", {}).is_ok());
  }
  {
    auto admin = LocalRunner::open(local(dir, "admin", "admin"));
    REQUIRE(admin.is_ok());
    REQUIRE((*admin)->run("RegisterUser", R"({"person_id":"officer-1","roles":["programme_officer"]})", {}).is_ok());
    REQUIRE((*admin)
                ->run("RegisterUser", R"({"person_id":"officer-2","roles":["programme_officer","evaluator"]})", {})
                .is_ok());
  }
  auto officer = LocalRunner::open(local(dir, "officer-1"));
  REQUIRE(officer.is_ok());
  auto opened =
      (*officer)->run("OpenCall", read_text(std::string(SIJILL_SOURCE_DIR) + "/schemas/programmes/cap-2026.json"), {});
  INFO(opened.status().to_string());
  REQUIRE(opened.is_ok());
}

Result<ImportReport> import_sample(const std::filesystem::path& dir, const std::string& user, bool dry_run = false) {
  auto table = test::sample_table();
  auto planner = Planner::create(test::sample_mapping(), table.header, "AMI-2026");
  REQUIRE(planner.is_ok());
  LocalOptions o = local(dir, user);
  o.read_only = dry_run;
  auto runner = LocalRunner::open(o);
  REQUIRE(runner.is_ok());
  ImportOptions options;
  options.dry_run = dry_run;
  options.correlation_id = "import-test";
  return import_rows(*planner, table.records, **runner, options);
}

std::uint64_t head(const std::filesystem::path& dir) {
  store::StoreOptions o;
  o.dir = dir;
  o.read_only = true;
  auto s = store::EventStore::open(o);
  REQUIRE(s.is_ok());
  return (*s)->head().position;
}

const RowReport& row_at(const ImportReport& r, std::size_t line) {
  for (const auto& row : r.rows) {
    if (row.line == line) return row;
  }
  FAIL("no row at line " << line);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("importing the sample: every case of the sample's README") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());
  const auto before = head(dir.path());

  auto report = import_sample(dir.path(), "officer-1");
  INFO(report.status().to_string());
  REQUIRE(report.is_ok());
  INFO(report->to_text());
  CHECK_FALSE(report->stopped);
  CHECK(report->rows.size() == 24);
  CHECK(report->count(RowOutcome::imported) == 22);
  CHECK(report->count(RowOutcome::superseding) == 1);
  CHECK(report->count(RowOutcome::refused) == 1);
  CHECK_FALSE(report->all_in());
  // 22 organisations, 22 contact persons, 23 forms.
  CHECK(report->appended() == 67);
  CHECK(head(dir.path()) == before + 67);

  // Seconds before the deadline: on time. Just after: late, recorded, not refused.
  CHECK(row_at(*report, 42).late == std::optional<bool>(false));
  CHECK(row_at(*report, 46).late == std::optional<bool>(true));
  CHECK(row_at(*report, 46).outcome == RowOutcome::imported);
  // The CSO that submitted twice: one application, the later form supersedes the first.
  const auto& first = row_at(*report, 8);
  const auto& second = row_at(*report, 47);
  CHECK(first.outcome == RowOutcome::imported);
  CHECK(second.outcome == RowOutcome::superseding);
  CHECK(first.application_id == second.application_id);
  CHECK(second.supersedes == std::optional<bool>(true));
  CHECK(second.appended == 1);  // the form only: organisation and contact person exist
  // The empty required answer: refused by its line and column, nothing of it appended.
  const auto& bad = row_at(*report, 50);
  CHECK(bad.outcome == RowOutcome::refused);
  CHECK(bad.appended == 0);
  REQUIRE_FALSE(bad.errors.empty());
  CHECK(bad.errors[0].column == "Nom de l'organisation");
  // Applications are numbered in order of submission, whatever the order of the file.
  CHECK(row_at(*report, 2).application_id == "APP-0001");
  CHECK(row_at(*report, 46).application_id == "APP-0022");

  const auto json = report->to_json();
  CHECK(json.at("summary").at("refused") == 1);
  CHECK(json.at("rows").as_array().back().at("errors").as_array()[0].at("path").as_string() == "/legal_name");

  SECTION("importing again appends nothing: every row is already imported") {
    auto again = import_sample(dir.path(), "officer-1");
    REQUIRE(again.is_ok());
    CHECK(again->count(RowOutcome::already_imported) == 23);
    CHECK(again->count(RowOutcome::refused) == 1);
    CHECK(again->appended() == 0);
    CHECK(row_at(*again, 46).late == std::optional<bool>(true));
    CHECK(row_at(*again, 47).application_id == first.application_id);
    CHECK(head(dir.path()) == before + 67);
  }
  SECTION("another user's import of the same file appends nothing either") {
    auto other = import_sample(dir.path(), "officer-2");
    REQUIRE(other.is_ok());
    INFO(other->to_text());
    CHECK(other->count(RowOutcome::already_imported) == 23);
    CHECK(other->appended() == 0);
    CHECK(head(dir.path()) == before + 67);
  }
  SECTION("a dry run sees every row imported already, and appends nothing") {
    auto dry = import_sample(dir.path(), "officer-1", true);
    REQUIRE(dry.is_ok());
    INFO(dry->to_text());
    CHECK(dry->count(RowOutcome::already_imported) == 23);
    CHECK(dry->count(RowOutcome::refused) == 1);
    CHECK(dry->would_append() == 0);
    CHECK(row_at(*dry, 46).late == std::optional<bool>(true));
    CHECK(head(dir.path()) == before + 67);
  }
}

TEST_CASE("a dry run on a fresh call: nothing appended, the plan shown") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());
  const auto before = head(dir.path());
  auto dry = import_sample(dir.path(), "officer-1", true);
  REQUIRE(dry.is_ok());
  INFO(dry->to_text());
  CHECK(dry->dry_run);
  CHECK(dry->count(RowOutcome::valid) == 23);
  CHECK(dry->count(RowOutcome::refused) == 1);
  CHECK(dry->would_append() == 22 + 22 + 23);  // what the real import appends
  CHECK(head(dir.path()) == before);
  // The rules were evaluated, later rows seeing earlier ones: the deadline's edges, and the
  // second form of 863/2020 superseding the first in the same application.
  CHECK(row_at(*dry, 42).late == std::optional<bool>(false));
  CHECK(row_at(*dry, 46).late == std::optional<bool>(true));
  const auto& first = row_at(*dry, 8);
  const auto& twice = row_at(*dry, 47);
  CHECK(first.supersedes == std::optional<bool>(false));
  CHECK(twice.supersedes == std::optional<bool>(true));
  CHECK_FALSE(first.application_id.empty());
  CHECK(twice.application_id == first.application_id);
  REQUIRE(twice.notes.size() >= 2);
  CHECK_THAT(twice.notes[0], Catch::Contains("would be registered by line 8"));
  CHECK_THAT(twice.notes[1], Catch::Contains("would be registered by an earlier row"));
  CHECK_THAT(dry->to_text(), Catch::Contains("67 events would be appended"));
  // The real import then does what the dry run said.
  auto real = import_sample(dir.path(), "officer-1");
  REQUIRE(real.is_ok());
  for (const auto& row : real->rows) {
    const auto& planned = row_at(*dry, row.line);
    CHECK(row.application_id == planned.application_id);
    CHECK(row.late == planned.late);
    CHECK(row.supersedes == planned.supersedes);
    CHECK(row.appended == planned.would_append);
  }
}

TEST_CASE("a dry run reports a row the rules refuse, and what it would have appended before") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());
  const auto before = head(dir.path());
  auto table = test::sample_table();
  std::vector<CsvRecord> records{test::record_at(table, 2), test::record_at(table, 5)};
  records[0].fields[0] = "01/01/2030 10:00:00";  // Horodateur: not yet
  auto planner = Planner::create(test::sample_mapping(), table.header, "AMI-2026");
  REQUIRE(planner.is_ok());
  LocalOptions o = local(dir.path(), "officer-1");
  o.read_only = true;
  auto runner = LocalRunner::open(o);
  REQUIRE(runner.is_ok());
  ImportOptions options;
  options.dry_run = true;
  auto report = import_rows(*planner, records, **runner, options);
  REQUIRE(report.is_ok());
  INFO(report->to_text());
  const auto& refused = row_at(*report, 2);
  CHECK(refused.outcome == RowOutcome::refused);
  CHECK(refused.refused_by == "ReceiveForm");
  CHECK(refused.errors[0].message == "received_at is in the future");
  CHECK(refused.appended == 0);
  CHECK(refused.would_append == 2);  // the organisation and its contact person
  CHECK(row_at(*report, 5).outcome == RowOutcome::valid);
  CHECK_FALSE(report->all_in());
  CHECK(head(dir.path()) == before);
  // A writing runner does not do dry runs (its state belongs to its processor).
  auto writer = LocalRunner::open(local(dir.path(), "officer-1"));
  REQUIRE(writer.is_ok());
  CHECK((*writer)->dry_run("OpenCall", "{}", {}).status().code() == Code::internal);
}

TEST_CASE("local dry runs: idempotency, If-Match, duplicates, stand-ins for personal data") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());
  const auto before = head(dir.path());
  LocalOptions o = local(dir.path(), "officer-1");
  o.read_only = true;
  auto runner = LocalRunner::open(o);
  REQUIRE(runner.is_ok());
  auto& r = **runner;
  CHECK(r.run("RegisterOrganisation", "{}", {}).status().code() == Code::unavailable);  // read-only
  const std::string org =
      R"({"organisation_id":"OSC-1","legal_name":"Association Tamount","registration":{"authority":"Préfecture","number":"1/2020","date":"2020-01-01"},"region":"Souss-Massa"})";
  RunOptions keyed;
  keyed.idempotency_key = "org-1";
  auto first = r.dry_run("RegisterOrganisation", org, keyed);
  REQUIRE(first.is_ok());
  CHECK_FALSE(first->replayed);
  REQUIRE(first->events.size() == 1);
  CHECK(first->events[0].stream == "organisation/OSC-1");
  CHECK(first->events[0].type == "OrganisationRegistered");
  CHECK(r.has_stream("organisation/OSC-1").value());  // later dry runs see it
  // The same key and body: a repeat; another body: 409; the same id without a key: 409.
  auto again = r.dry_run("RegisterOrganisation", org, keyed);
  REQUIRE(again.is_ok());
  CHECK(again->replayed);
  CHECK(again->events.empty());
  CHECK(again->first_events.size() == 1);
  auto other = org;
  other.replace(other.find("Tamount"), 7, "Tamount2");
  CHECK(r.dry_run("RegisterOrganisation", other, keyed).status().code() == Code::conflict);
  CHECK(r.dry_run("RegisterOrganisation", org, {}).status().code() == Code::conflict);
  // If-Match on the stream the dry run would have written.
  RunOptions match;
  match.if_match = 0;
  auto person =
      R"({"person_id":"P-1","organisation_id":"OSC-1","contact":{"name":"Naima Oubella","email":"n@example.ma"}})";
  auto sealed = r.dry_run("RegisterContactPerson", person, match);
  REQUIRE(sealed.is_ok());
  const auto data = boost::json::serialize(sealed->events.at(0).data);
  CHECK(data.find("Naima") == std::string::npos);
  CHECK(data.find(R"("dry_run":true)") != std::string::npos);
  // The rules first (the person exists: 409), then If-Match, as a real run checks them.
  CHECK(r.dry_run("RegisterContactPerson", person, match).status().code() == Code::conflict);
  match.if_match = 1;
  CHECK(r.dry_run("RegisterContactPerson", R"({"person_id":"P-2","organisation_id":"OSC-1","contact":{"name":"N"}})",
                  match)
            .status()
            .code() == Code::version_mismatch);
  CHECK(r.dry_run("NoSuchCommand", "{}", {}).status().code() == Code::not_found);
  CHECK(r.dry_run("RegisterUser", R"({"person_id":"x","roles":["auditor"]})", {}).status().code() ==
        Code::permission_denied);
  CHECK(head(dir.path()) == before);
  auto keys = store::KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());
  CHECK_FALSE((*keys)->has_key("person/P-1"));  // no key made for a dry run
}

TEST_CASE("a refusal by the rules is reported by line and column; the import goes on") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());
  auto table = test::sample_table();
  std::vector<CsvRecord> records{test::record_at(table, 2), test::record_at(table, 5)};
  records[0].fields[0] = "01/01/2030 10:00:00";  // Horodateur: not yet
  auto planner = Planner::create(test::sample_mapping(), table.header, "AMI-2026");
  REQUIRE(planner.is_ok());
  auto runner = LocalRunner::open(local(dir.path(), "officer-1"));
  REQUIRE(runner.is_ok());
  auto report = import_rows(*planner, records, **runner);
  REQUIRE(report.is_ok());
  INFO(report->to_text());
  const auto& refused = row_at(*report, 2);
  CHECK(refused.outcome == RowOutcome::refused);
  CHECK(refused.refused_by == "ReceiveForm");
  CHECK(refused.problem == "/problems/invalid-argument");
  REQUIRE(refused.errors.size() == 2);
  CHECK(refused.errors[0].message == "received_at is in the future");
  CHECK(refused.errors[1].column == "Horodateur");
  CHECK(refused.errors[1].path == "/received_at");
  // The organisation and its contact person are facts of their own: recorded, and said so.
  CHECK(refused.appended == 2);
  CHECK_THAT(refused.notes.back(), Catch::Contains("2 event(s) appended before the refusal"));
  CHECK(row_at(*report, 5).outcome == RowOutcome::imported);
  CHECK(report->count(RowOutcome::refused) == 1);
}

TEST_CASE("an import into a call that is not open stops before any row") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());
  auto table = test::sample_table();
  auto planner = Planner::create(test::sample_mapping(), table.header, "AMI-2099");
  REQUIRE(planner.is_ok());
  auto runner = LocalRunner::open(local(dir.path(), "officer-1"));
  REQUIRE(runner.is_ok());
  auto report = import_rows(*planner, table.records, **runner);
  REQUIRE_FALSE(report.is_ok());
  CHECK(report.status().code() == Code::not_found);
}

TEST_CASE("the local command path: who may act, schemas, sealing, refusals") {
  sijill::testing::TempDir dir("sijill-import");
  prepare(dir.path());

  CHECK(LocalRunner::open(local(dir.path(), "nobody")).status().code() == Code::permission_denied);
  CHECK(LocalRunner::open(local(dir.path(), "officer-1", "admin")).status().code() == Code::permission_denied);
  LocalOptions first = local(dir.path(), "admin", "admin");
  first.first_admin = true;
  CHECK(LocalRunner::open(first).status().code() == Code::permission_denied);  // users exist already
  CHECK(LocalRunner::open(local(dir.path() / "none", "officer-1")).status().code() == Code::not_found);

  auto runner = LocalRunner::open(local(dir.path(), "officer-1"));
  REQUIRE(runner.is_ok());
  auto& r = **runner;
  CHECK(r.run("NoSuchCommand", "{}", {}).status().code() == Code::not_found);
  CHECK(r.run("RegisterUser", R"({"person_id":"x","roles":["auditor"]})", {}).status().code() ==
        Code::permission_denied);
  auto bad = r.run("RegisterOrganisation", R"({"organisation_id":"OSC-1","legal_name":""})", {});
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Code::invalid_argument);
  CHECK_FALSE(bad.status().violations().empty());
  CHECK(r.run("ReceiveForm", "not json", {}).status().code() == Code::invalid_argument);

  REQUIRE(
      r.run(
           "RegisterOrganisation",
           R"({"organisation_id":"OSC-1","legal_name":"Association Tamount","registration":{"authority":"Préfecture","number":"1/2020","date":"2020-01-01"},"region":"Souss-Massa"})",
           {})
          .is_ok());
  // Personal data arrives in clear and is sealed before it is recorded.
  auto person = r.run(
      "RegisterContactPerson",
      R"({"person_id":"P-1","organisation_id":"OSC-1","contact":{"name":"Naima Oubella","email":"n@example.ma"}})", {});
  INFO(person.status().to_string());
  REQUIRE(person.is_ok());
  auto data = r.event_data("person/P-1", 1);
  REQUIRE(data.is_ok());
  const auto recorded = boost::json::serialize(*data);
  CHECK(recorded.find("Naima") == std::string::npos);
  CHECK(recorded.find("$sealed") != std::string::npos);
  // The problem body a client would have received.
  auto dup = r.run("RegisterContactPerson",
                   R"({"person_id":"P-1","organisation_id":"OSC-1","contact":{"name":"Naima Oubella"}})", {});
  REQUIRE_FALSE(dup.is_ok());
  const auto problem = problem_json(dup.status());
  CHECK(problem.at("status") == 409);
  CHECK(problem.at("type").as_string() == "/problems/conflict");
  // Idempotency: the same key and body answer with the first result.
  RunOptions keyed;
  keyed.idempotency_key = "k-1";
  const std::string org2 =
      R"({"organisation_id":"OSC-2","legal_name":"Réseau Aghbalou","registration":{"authority":"Préfecture","number":"2/2020","date":"2020-01-01"},"region":"Souss-Massa"})";
  auto a = r.run("RegisterOrganisation", org2, keyed);
  auto b = r.run("RegisterOrganisation", org2, keyed);
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  CHECK_FALSE(a->replayed);
  CHECK(b->replayed);
  CHECK(a->position == b->position);
}

TEST_CASE("problem bodies read back into a Status") {
  auto st = status_from_problem(
      422,
      R"({"type":"/problems/deadline-passed","title":"Refused by a rule","status":422,"detail":"late","errors":[{"path":"/received_at","message":"m"}]})");
  CHECK(st.code() == Code::rule_violation);
  CHECK(st.rule() == "deadline-passed");
  CHECK(st.message() == "late");
  REQUIRE(st.violations().size() == 1);
  CHECK(st.violations()[0].path == "/received_at");
  CHECK(status_from_problem(404, R"({"type":"/problems/not-found","detail":"no call"})").code() == Code::not_found);
  CHECK(status_from_problem(404, R"({"type":"/problems/not-found","detail":"no call"})").message() == "no call");
  CHECK(status_from_problem(502, "<html>").code() == Code::internal);
}
