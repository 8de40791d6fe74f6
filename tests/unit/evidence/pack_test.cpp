// The evidence pack written from a small log: events exactly as `sijill log` prints them, each
// file's SHA-256 in the manifest and in SHA256SUMS, personal data sealed or erased and never in
// clear, the checker built in, the ZIP archive, and the RecordAuditExport command.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <map>
#include <sstream>

#include <boost/json.hpp>

#include "sijill/domain/schemas.h"
#include "sijill/evidence/archive.h"
#include "sijill/evidence/audit.h"
#include "sijill/evidence/pack.h"
#include "sijill/evidence/tables.h"
#include "sijill/processor/command.h"
#include "sijill/projections/projector.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "temp_dir.h"

using namespace sijill;
namespace bjson = boost::json;

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A small programme: a call, an organisation, two contact persons (personal data sealed), an
// application with a decision whose rationale looks like a formula, and a score.
struct SmallLog {
  testing::TempDir dir;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<store::KeyStore> keys;

  SmallLog() {
    store::StoreOptions o;
    o.dir = dir.path();
    o.sync = false;
    auto opened = store::EventStore::open(o);
    REQUIRE(opened.is_ok());
    store = std::move(*opened);
    auto k = store::KeyStore::open(dir.path() / "keys");
    REQUIRE(k.is_ok());
    keys = std::move(*k);

    append("call/AMI-2026", "CallOpened", "u-officer-1", "programme_officer",
           {{"call_id", "AMI-2026"},
            {"title", "AMI CAP+ 2026"},
            {"regions", bjson::array{"Souss-Massa"}},
            {"quotas", {{"Souss-Massa", 30}}},
            {"divergence_threshold_points", 20},
            {"deadline_utc", "2026-06-30T19:00:00.000Z"},
            {"deadline_local", "30/06/2026 20:00"},
            {"zone", "Africa/Casablanca"},
            {"rules_version", "CAP+ AMI 2026 v1"}});
    append("organisation/OSC-0001", "OrganisationRegistered", "u-officer-1", "programme_officer",
           {{"organisation_id", "OSC-0001"},
            {"legal_name", "Association Tamount — جمعية تامونت"},
            {"legal_form", "association"},
            {"registration", {{"number", "735/2020"}}},
            {"region", "Souss-Massa"},
            {"province", "Tiznit"},
            {"domains", bjson::array{"inclusion sociale", "environnement"}}});
    for (const char* person : {"P-0001", "P-0002"}) {
      auto sealed = keys->seal(std::string("person/") + person,
                               bjson::object{{"name", std::string("Fatima Zahra ") + person},
                                             {"email", std::string("secret-") + person + "@example.ma"}});
      REQUIRE(sealed.is_ok());
      append(std::string("person/") + person, "ContactPersonRegistered", "u-officer-1", "programme_officer",
             {{"person_id", person}, {"organisation_id", "OSC-0001"}, {"role", "présidente"}, {"contact", *sealed}});
    }
    const bjson::object part{{"application_id", "APP-0001"},
                             {"call_id", "AMI-2026"},
                             {"organisation_id", "OSC-0001"},
                             {"registration_number", "735/2020"},
                             {"region", "Souss-Massa"},
                             {"received_at", "2026-06-11T15:05:00.000Z"},
                             {"late", false},
                             {"documents", bjson::array{}}};
    append("application/APP-0001", "DossierReceived", "u-officer-1", "programme_officer", part);
    auto form = part;
    form.erase("documents");
    form["answers"] = bjson::object{{"motivation", "Renforcer notre gouvernance. تعزيز الحوكمة"}};
    append("application/APP-0001", "FormReceived", "u-officer-1", "programme_officer", form);
    append("application/APP-0001", "EligibilityAssessed", "u-officer-2", "programme_officer",
           {{"application_id", "APP-0001"},
            {"eligible", true},
            {"decision", "eligible"},
            {"criteria", bjson::object{}},
            {"rationale", "=HYPERLINK(\"http://evil\") <b>éligible</b> ; مؤهلة"},
            {"round", 1}});
    append("application/APP-0001", "EvaluatorAssigned", "u-officer-2", "programme_officer",
           {{"application_id", "APP-0001"}, {"evaluator_id", "u-ev01"}, {"round", 1}});
    append("application/APP-0001", "ConflictOfInterestDeclared", "u-ev01", "evaluator",
           {{"application_id", "APP-0001"},
            {"evaluator_id", "u-ev01"},
            {"round", 1},
            {"conflict", false},
            {"statement", "Aucun lien avec l'association."}});
    bjson::object scores;
    for (const char* c : {"relevance", "capacity", "potential", "commitment"}) {
      scores[c] = bjson::object{{"half_points", 40}, {"justification", "-ancrage @solide"}};
    }
    append("application/APP-0001", "ScoreSubmitted", "u-ev01", "evaluator",
           {{"application_id", "APP-0001"},
            {"evaluator_id", "u-ev01"},
            {"round", 1},
            {"scores", scores},
            {"total_half_points", 160}});
  }

  void append(const std::string& stream, const std::string& type, const std::string& actor, const std::string& role,
              bjson::object data) {
    auto batch = store->begin_batch();
    store::AppendRequest request;
    store::EventDraft d;
    d.stream = stream;
    d.type = type;
    d.data = std::move(data);
    d.actor = {actor, role};
    request.events.push_back(std::move(d));
    REQUIRE(batch.stage(request).is_ok());
    REQUIRE(store->commit(batch).is_ok());
  }

  projections::Model model(std::uint64_t to) const {
    projections::Model m;
    REQUIRE(projections::replay_into(*store, m, to).is_ok());
    return m;
  }
};

evidence::PackOptions cli_options(evidence::Range range, const store::KeyStore* keys) {
  evidence::PackOptions o;
  o.range = range;
  o.via = "command line";
  o.not_recorded_reason = "made on the command line";
  o.keys = keys;
  o.export_id = "6f1c2b9e-3d4a-4b8c-9e21-0a7d5c3b2f10";
  o.generated_at = "2026-07-22T09:30:00.000Z";
  return o;
}

}  // namespace

TEST_CASE("the range defaults to the whole log and must lie within it") {
  auto whole = evidence::resolve_range(std::nullopt, std::nullopt, 42);
  REQUIRE(whole.is_ok());
  CHECK(whole->from == 1);
  CHECK(whole->to == 42);
  CHECK(whole->count() == 42);
  auto empty_log = evidence::resolve_range(std::nullopt, std::nullopt, 0);
  REQUIRE(empty_log.is_ok());
  CHECK(empty_log->count() == 0);
  CHECK(evidence::resolve_range(0, std::nullopt, 42).status().code() == Code::invalid_argument);
  CHECK(evidence::resolve_range(10, 5, 42).status().code() == Code::invalid_argument);
  CHECK(evidence::resolve_range(std::nullopt, 43, 42).status().code() == Code::invalid_argument);
  CHECK(evidence::resolve_range(5, 5, 42).is_ok());
}

TEST_CASE("every file of the pack has its SHA-256 in the manifest and in SHA256SUMS") {
  SmallLog log;
  const auto head = log.store->head().position;
  const auto model = log.model(head);
  testing::TempDir out;
  auto pack = evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), out.path());
  REQUIRE(pack.is_ok());

  std::vector<std::string> names;
  for (const auto& f : pack->files) names.push_back(f.name);
  CHECK(names == std::vector<std::string>{"events.jsonl", "applications.csv", "evaluations.csv", "decisions.csv",
                                          "organisations.csv", "ranking.csv", "personal_data.csv", "report.html",
                                          "verify_chain.py", "README.txt", "manifest.json", "SHA256SUMS"});
  // Nothing else in the folder.
  std::size_t on_disk = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out.path())) {
    (void)entry;
    ++on_disk;
  }
  CHECK(on_disk == names.size());

  for (const auto& f : pack->files) {
    INFO(f.name);
    const auto bytes = read(out.path() / f.name);
    CHECK(f.sha256 == store::to_hex(processor::sha256(bytes)));
    CHECK(f.bytes == bytes.size());
  }
  CHECK(pack->manifest_sha256 == store::to_hex(processor::sha256(read(out.path() / "manifest.json"))));
  CHECK(pack->events_sha256 == pack->files.front().sha256);

  // The manifest lists every file before it, with its digest, size and rows.
  const auto manifest = bjson::parse(read(out.path() / "manifest.json")).as_object();
  CHECK(manifest.at("recorded").as_bool() == false);
  CHECK(manifest.at("not_recorded_reason").as_string() == "made on the command line");
  CHECK(manifest.at("export_id").as_string() == "6f1c2b9e-3d4a-4b8c-9e21-0a7d5c3b2f10");
  const auto& listed = manifest.at("files").as_array();
  REQUIRE(listed.size() == pack->files.size() - 2);
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const auto& f = listed[i].as_object();
    CHECK(f.at("name").as_string() == pack->files[i].name);
    CHECK(f.at("sha256").as_string() == pack->files[i].sha256);
    CHECK(f.at("bytes").to_number<std::uint64_t>() == pack->files[i].bytes);
  }
  CHECK(listed[0].at("rows").to_number<std::uint64_t>() == head);
  CHECK(listed[1].at("rows").to_number<std::uint64_t>() == 1);  // one application
  const auto& range = manifest.at("range").as_object();
  CHECK(range.at("from").to_number<std::uint64_t>() == 1);
  CHECK(range.at("to").to_number<std::uint64_t>() == head);
  CHECK(range.at("count").to_number<std::uint64_t>() == head);
  CHECK(range.at("first_prev_hash").as_string() == std::string(64, '0'));
  CHECK(range.at("last_hash").as_string() == store::to_hex(log.store->head().hash));
  CHECK(manifest.at("head").at("position").to_number<std::uint64_t>() == head);
  CHECK(manifest.at("head").at("hash").as_string() == store::to_hex(log.store->head().hash));
  CHECK(manifest.at("versions").at("record_format").to_number<int>() == store::kRecordFormat);
  CHECK(manifest.at("versions").at("read_model").to_number<int>() == projections::kModelVersion);
  CHECK(manifest.at("versions").at("rules").as_array() == bjson::array{"CAP+ AMI 2026 v1"});

  // SHA256SUMS: `sha256sum -c` lines for every file but itself, the manifest included.
  std::string expected;
  for (std::size_t i = 0; i + 1 < pack->files.size(); ++i)
    expected += pack->files[i].sha256 + "  " + pack->files[i].name + "\n";
  CHECK(read(out.path() / "SHA256SUMS") == expected);
}

TEST_CASE("the tables read the decisions' data from the model's log, and a log without its cases stops the pack") {
  SmallLog log;
  const auto head = log.store->head().position;
  auto model = log.model(head);

  // A log that does not hold the model's cases (an empty data folder): no table is written from
  // data the model cannot find, and the failure names the application.
  testing::TempDir other_dir;
  store::StoreOptions o;
  o.dir = other_dir.path();
  o.sync = false;
  auto other = store::EventStore::open(o);
  REQUIRE(other.is_ok());
  model.set_log(other->get());
  testing::TempDir out;
  auto pack = evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), out.path());
  REQUIRE(pack.status().code() == Code::data_loss);
  CHECK(pack.status().message().find("APP-0001") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out.path() / "evaluations.csv"));

  // With its own log, the scores per criterion come from the recorded event.
  model.set_log(log.store.get());
  testing::TempDir again;
  REQUIRE(evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), again.path()).is_ok());
  const auto evaluations = read(again.path() / "evaluations.csv");
  CHECK(evaluations.find("relevance_half_points") != std::string::npos);
  CHECK(evaluations.find("ancrage @solide") != std::string::npos);
}

TEST_CASE("events.jsonl holds the records exactly as sijill log prints them") {
  SmallLog log;
  const auto head = log.store->head().position;
  const auto model = log.model(head);
  testing::TempDir out;
  REQUIRE(evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), out.path()).is_ok());
  std::string expected;
  REQUIRE(log.store
              ->scan_log(0, head,
                         [&](const store::Record& r) {
                           expected += r.wire() + "\n";
                           return true;
                         })
              .is_ok());
  CHECK(read(out.path() / "events.jsonl") == expected);
}

TEST_CASE("a later range starts at its first record, and the tables reflect the log as of its end") {
  SmallLog log;
  const auto to = log.store->head().position - 1;  // before the score
  const auto model = log.model(to);
  testing::TempDir out;
  auto pack = evidence::write_pack(*log.store, &model, cli_options({3, to}, log.keys.get()), out.path());
  REQUIRE(pack.is_ok());
  auto records = log.store->read_log(1, 1);  // position 2
  REQUIRE(records.is_ok());
  CHECK(pack->first_prev_hash == store::to_hex(records->front().hash));
  const auto events = read(out.path() / "events.jsonl");
  CHECK(events.starts_with("{\"position\":3,"));
  CHECK(std::count(events.begin(), events.end(), '\n') == static_cast<long>(to - 2));
  const auto evaluations = read(out.path() / "evaluations.csv");
  CHECK(evaluations.find("\"u-ev01\"") != std::string::npos);
  CHECK(evaluations.find("\"160\"") == std::string::npos);  // not scored yet at `to`

  // A model at another position is refused.
  testing::TempDir other;
  const auto later = log.model(0);
  CHECK(evidence::write_pack(*log.store, &later, cli_options({3, to}, log.keys.get()), other.path()).status().code() ==
        Code::invalid_argument);
}

TEST_CASE("the pack holds no key and no plaintext, and a forgotten person shows as erased") {
  SmallLog log;
  REQUIRE(log.keys->forget("person/P-0002").is_ok());
  const auto head = log.store->head().position;
  const auto model = log.model(head);
  testing::TempDir out;
  auto pack = evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), out.path());
  REQUIRE(pack.is_ok());
  CHECK(pack->sealed == 1);
  CHECK(pack->erased == 1);

  const auto personal = read(out.path() / "personal_data.csv");
  CHECK(personal.find("\"person/P-0001\";\"/contact\";\"sealed\"") != std::string::npos);
  CHECK(personal.find("\"person/P-0002\";\"/contact\";\"erased\"") != std::string::npos);

  // The remaining key, base64 as in the key file.
  const auto key_file = read(log.dir.path() / "keys");
  const auto tab = key_file.find('\t');
  REQUIRE(tab != std::string::npos);
  const auto key = key_file.substr(tab + 1, key_file.find('\n', tab) - tab - 1);
  REQUIRE(key.size() > 20);
  for (const auto& entry : std::filesystem::directory_iterator(out.path())) {
    const auto bytes = read(entry.path());
    INFO(entry.path().filename().string());
    CHECK(bytes.find("Fatima Zahra") == std::string::npos);
    CHECK(bytes.find("secret-P-000") == std::string::npos);
    CHECK(bytes.find(key) == std::string::npos);
  }
  // Without a key file, the state is unknown.
  testing::TempDir out2;
  auto unknown = evidence::write_pack(*log.store, &model, cli_options({1, head}, nullptr), out2.path());
  REQUIRE(unknown.is_ok());
  CHECK(unknown->unknown == 2);
}

TEST_CASE("the tables and the report carry the log's text intact, neutralised and escaped") {
  SmallLog log;
  const auto head = log.store->head().position;
  const auto model = log.model(head);
  testing::TempDir out;
  REQUIRE(evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), out.path()).is_ok());
  const auto decisions = read(out.path() / "decisions.csv");
  CHECK(decisions.find("\"'=HYPERLINK(\"\"http://evil\"\") <b>éligible</b> ; مؤهلة\"") != std::string::npos);
  const auto evaluations = read(out.path() / "evaluations.csv");
  CHECK(evaluations.find("\"'-ancrage @solide\"") != std::string::npos);
  CHECK(evaluations.find("\"80,00\"") != std::string::npos);
  const auto organisations = read(out.path() / "organisations.csv");
  CHECK(organisations.find("Association Tamount — جمعية تامونت") != std::string::npos);

  const auto report = read(out.path() / "report.html");
  CHECK(report.find("=HYPERLINK(&quot;http://evil&quot;) &lt;b&gt;éligible&lt;/b&gt; ; مؤهلة") != std::string::npos);
  CHECK(report.find("<b>éligible") == std::string::npos);
  CHECK(report.find("Cofinancé par l&#39;Union européenne") != std::string::npos);
  CHECK(report.find("Co-funded by the European Union") != std::string::npos);
  CHECK(report.find("<svg") != std::string::npos);
  CHECK(report.find("@media print") != std::string::npos);
  // Self-contained: nothing to fetch.
  CHECK(report.find("src=") == std::string::npos);
  CHECK(report.find("<link") == std::string::npos);
  CHECK(report.find("<script") == std::string::npos);
  CHECK(report.find("url(") == std::string::npos);
}

TEST_CASE("the checker in the pack is tools/verify_chain.py byte for byte") {
  const auto source = read(std::filesystem::path(SIJILL_SOURCE_DIR) / "tools" / "verify_chain.py");
  REQUIRE(!source.empty());
  CHECK(evidence::embedded_checker() == source);
}

TEST_CASE("the events alone: one file, no manifest") {
  SmallLog log;
  const auto head = log.store->head().position;
  testing::TempDir out;
  auto o = cli_options({2, head}, nullptr);
  o.contents = evidence::Contents::events_only;
  auto pack = evidence::write_pack(*log.store, nullptr, o, out.path());
  REQUIRE(pack.is_ok());
  REQUIRE(pack->files.size() == 1);
  CHECK(pack->files[0].name == "events.jsonl");
  CHECK(pack->manifest_sha256.empty());
  CHECK(pack->events_sha256 == store::to_hex(processor::sha256(read(out.path() / "events.jsonl"))));
}

TEST_CASE("the ZIP archive holds the pack's files under one folder") {
  SmallLog log;
  const auto head = log.store->head().position;
  const auto model = log.model(head);
  testing::TempDir out;
  auto pack = evidence::write_pack(*log.store, &model, cli_options({1, head}, log.keys.get()), out.path());
  REQUIRE(pack.is_ok());
  std::vector<std::string> names;
  for (const auto& f : pack->files) names.push_back(f.name);
  testing::TempDir zdir;
  const auto zip = zdir.path() / "pack.zip";
  REQUIRE(evidence::write_zip(out.path(), names, "sijill-evidence-1-" + std::to_string(head),
                              std::chrono::system_clock::now(), zip)
              .is_ok());

  std::map<std::string, std::string> entries;
  auto* a = archive_read_new();
  archive_read_support_format_zip(a);
  REQUIRE(archive_read_open_filename(a, zip.c_str(), 1 << 16) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string content;
    char chunk[8192];
    for (la_ssize_t n; (n = archive_read_data(a, chunk, sizeof chunk)) > 0;)
      content.append(chunk, static_cast<std::size_t>(n));
    CHECK(content.size() == static_cast<std::size_t>(archive_entry_size(entry)));
    entries[archive_entry_pathname(entry)] = content;
  }
  archive_read_free(a);
  REQUIRE(entries.size() == names.size());
  for (const auto& f : pack->files) {
    const auto it = entries.find("sijill-evidence-1-" + std::to_string(head) + "/" + f.name);
    REQUIRE(it != entries.end());
    CHECK(store::to_hex(processor::sha256(it->second)) == f.sha256);
  }
}

TEST_CASE("RecordAuditExport is decided for auditors and admins only, within the log") {
  auto spec = evidence::record_export_spec();
  REQUIRE(spec.is_ok());
  CHECK(spec->roles == std::vector<std::string>{"auditor"});
  const auto example = bjson::parse(evidence::record_export_schema()).at("examples").at(0).as_object();
  CHECK(domain::validate(*spec->schema, example).is_ok());
  auto extra = example;
  extra["name"] = "a member the schema does not list";
  CHECK(domain::validate(*spec->schema, extra).code() == Code::invalid_argument);

  evidence::AuditModule module;
  CHECK(module.commands() == std::vector<std::string>{"RecordAuditExport"});
  const bjson::object data = example;
  domain::CommandContext auditor{{"u-auditor", "auditor", ""}, {}, "seed"};
  // The module has seen no event yet: an export up to 4321 is past its log.
  CHECK(module.decide("RecordAuditExport", data, auditor).status().code() == Code::invalid_argument);
  const bjson::object none;
  for (std::uint64_t p = 1; p <= 4321; ++p) {
    module.evolve({p, "call/AMI-2026", p, "CallOpened", {}, {"u-officer-1", "programme_officer", ""}, &none});
  }
  auto decided = module.decide("RecordAuditExport", data, auditor);
  REQUIRE(decided.is_ok());
  REQUIRE(decided->events.size() == 1);
  CHECK(decided->events[0].stream == "audit/exports");
  CHECK(decided->events[0].type == "AuditExportRecorded");
  CHECK(decided->events[0].data == data);
  domain::CommandContext admin{{"admin", "admin", ""}, {}, "seed"};
  CHECK(module.decide("RecordAuditExport", data, admin).is_ok());
  for (const char* role : {"regional_coordinator", "programme_officer", "evaluator"}) {
    domain::CommandContext other{{"u-x", role, "Souss-Massa"}, {}, "seed"};
    CHECK(module.decide("RecordAuditExport", data, other).status().code() == Code::permission_denied);
  }
}
