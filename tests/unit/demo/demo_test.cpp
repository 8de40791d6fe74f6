// The demo programme runs through the AMI's rules from start to finish, every step accepted,
// and ends with a full selection of 150, waiting lists, appeals and a filled place; the same
// seed gives the same log.
#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include "domain_harness.h"
#include "sijill/demo/demo.h"
#include "sijill/domain/ami/module.h"
#include "sijill/store/key_store.h"
#include "temp_dir.h"

using namespace sijill;

namespace {

struct Run {
  domain::ami::AmiModule module;
  testing::DomainHarness harness{module};
  Result<demo::Summary> summary = Status::internal("not run");

  explicit Run(unsigned seed, store::KeyStore& keys) {
    summary = demo::run(seed, [&](const demo::Step& s) -> Result<std::vector<demo::ProducedEvent>> {
      auto data = s.data;
      if (s.command == "RegisterContactPerson") {  // the server seals personal data before deciding
        auto sealed = keys.seal("person/" + std::string(data.at("person_id").as_string()), data.at("contact"));
        if (!sealed) return sealed.status();
        data["contact"] = *sealed;
      }
      auto r = harness.run(s.command, data, s.actor, s.at);
      if (!r) return r.status();
      std::vector<demo::ProducedEvent> out;
      for (auto& e : *r) out.push_back({e.type, e.data});
      return out;
    });
  }
};

}  // namespace

TEST_CASE("the demo programme runs the whole AMI and selects 150 CSOs, 30 a region") {
  testing::TempDir dir;
  auto keys = store::KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());
  Run run(2026, **keys);
  INFO(run.summary.status().to_string());
  REQUIRE(run.summary.is_ok());
  const auto& s = run.module.state();
  CHECK(run.summary->organisations == 350);
  CHECK(run.summary->selected == 150);
  CHECK(run.summary->waiting > 50);

  std::map<std::string, int> selected, waiting;
  std::map<domain::ami::Stage, int> stages;
  for (const auto& [id, a] : s.applications) {
    ++stages[a.stage];
    if (a.stage == domain::ami::Stage::selected) ++selected[a.place_region];
    if (a.stage == domain::ami::Stage::waiting) ++waiting[a.region];
  }
  CHECK(selected.size() == 5);
  for (const auto& [region, n] : selected) {
    INFO(region);
    CHECK(n == 30);
    CHECK(waiting[region] > 0);
  }
  CHECK(stages[domain::ami::Stage::ineligible] > 5);
  CHECK(stages[domain::ami::Stage::inadmissible] > 0);
  CHECK(stages[domain::ami::Stage::withdrawn] == 1);

  // The story has what auditors look for: conflicts, divergences, late and double submissions.
  std::map<std::string, int> types;
  int conflicts = 0;
  for (const auto& e : run.harness.log()) {
    ++types[e.type];
    if (e.type == "ConflictOfInterestDeclared" && e.data.at("conflict").as_bool()) ++conflicts;
  }
  CHECK(conflicts > 0);
  CHECK(types["ConsensusRecorded"] > 0);
  CHECK(types["LateSubmissionAccepted"] > 0);
  CHECK(types["AppealFiled"] == 3);
  CHECK(types["AppealDecided"] == 3);
  CHECK(types["SelectionRecorded"] == 5);
  int superseding = 0;
  for (const auto& e : run.harness.log()) superseding += e.type == "FormReceived" && e.data.at("supersedes").as_bool();
  CHECK(superseding > 0);
  // Personal data never appears in clear in an event.
  for (const auto& e : run.harness.log()) {
    if (e.type == "ContactPersonRegistered") CHECK(e.data.at("contact").as_object().contains("$sealed"));
  }
}

TEST_CASE("the same seed gives the same demo, another seed another one") {
  testing::TempDir dir;
  auto keys = store::KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());
  Run a(7, **keys), b(7, **keys), c(8, **keys);
  REQUIRE(a.summary.is_ok());
  REQUIRE(b.summary.is_ok());
  REQUIRE(c.summary.is_ok());
  auto fingerprint = [](const Run& r) {
    std::string out;
    for (const auto& e : r.harness.log()) {
      if (e.type == "ContactPersonRegistered") continue;  // sealed with random nonces
      out += e.type + e.stream + boost::json::serialize(e.data) + "\n";
    }
    return out;
  };
  CHECK(fingerprint(a) == fingerprint(b));
  CHECK(fingerprint(a) != fingerprint(c));
}
