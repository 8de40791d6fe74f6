// A randomized model test of the AMI: random sequences of submissions, assessments, scores,
// selections, withdrawals and appeals, from several actors, many of them refused. After every
// step: no region's selection exceeds its quota, each ranking respects the tie-break rules, a
// selected CSO is never displaced, a refusal changes nothing; and replaying the events into a
// fresh module gives the same state.
#include <catch2/catch.hpp>

#include <random>

#include "domain_harness.h"
#include "sijill/domain/ami/module.h"
#include "sijill/domain/ami/ranking.h"

using namespace sijill;
using namespace sijill::domain;
using namespace sijill::domain::ami;
using sijill::testing::DomainHarness;

namespace {

const std::vector<std::string> kRegions = {"Souss-Massa", "L'Oriental", "Drâa-Tafilalet"};
const std::vector<std::string> kEvaluators = {"u-ev1", "u-ev2", "u-ev3", "u-ev4", "u-ev5", "u-ev6"};
constexpr int kOrganisations = 24;

time::Instant at(const char* text) { return *time::parse_instant(text); }

class Model {
 public:
  explicit Model(unsigned seed) : rng_(seed), harness_(module_) {}

  void set_up() {
    auto call = cap_2026_call("AMI-T");
    call["regions"] = boost::json::array(kRegions.begin(), kRegions.end());
    call["quotas"] = boost::json::object{{kRegions[0], 3}, {kRegions[1], 3}, {kRegions[2], 2}};
    call["reallocation"] = pick(2) ? "reallocate" : "leave_unfilled";
    must("OpenCall", call, officer(), at("2026-05-12T09:00:00Z"));
    for (int i = 1; i <= kOrganisations; ++i) {
      // One in eight works outside the call's regions: eligibility is for the assessor to judge.
      const std::string region = i % 8 == 0 ? "Fès-Meknès" : kRegions[static_cast<std::size_t>(i) % kRegions.size()];
      must("RegisterOrganisation",
           {{"organisation_id", "OSC-" + std::to_string(i)},
            {"legal_name", "Association " + std::to_string(i)},
            {"legal_form", "Association"},
            {"registration",
             boost::json::object{
                 {"authority", "Préfecture"}, {"number", std::to_string(i) + "/2019"}, {"date", "2019-01-01"}}},
            {"region", region},
            {"province", "—"},
            {"domains", boost::json::array{"Développement local"}}},
           officer(), at("2026-05-20T09:00:00Z"));
    }
  }

  // One random action; refusals are expected and must change nothing.
  void step() {
    now_ += std::chrono::minutes(1 + pick(600));
    const auto before = module_.state();
    // Mostly a step that can move an application forward, sometimes anything at all.
    auto [command, data, actor] = pick(10) < 7 ? guided_command() : random_command();
    auto r = harness_.run(command, data, actor, now_);
    if (!r) {
      ++refused_;
      REQUIRE(r.status().code() != Code::internal);
      REQUIRE(module_.state() == before);  // a refusal changes nothing
    } else {
      ++accepted_;
      accepted_types_.insert(command);
    }
    check_invariants();
  }

  void check_replay() const {
    AmiModule fresh;
    for (const auto& e : harness_.log()) DomainHarness::apply(e, fresh);
    REQUIRE(fresh.state() == module_.state());
  }

  int accepted() const { return accepted_; }
  int refused() const { return refused_; }
  const std::set<std::string>& accepted_types() const { return accepted_types_; }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <class T>
  const T& any(const std::vector<T>& v) {
    return v[pick(v.size())];
  }

  static Actor officer() { return {"u-officer", "programme_officer", ""}; }
  // The officer who records applications differs from the one who decides, some of the time.
  Actor some_officer() { return pick(2) ? officer() : Actor{"u-officer2", "programme_officer", ""}; }
  Actor some_evaluator() { return {any(kEvaluators), "evaluator", ""}; }

  void must(std::string_view command, const boost::json::object& data, const Actor& actor, time::Instant t) {
    auto r = harness_.run(command, data, actor, t);
    INFO(command << ": " << r.status().to_string());
    REQUIRE(r.is_ok());
  }

  std::string some_application() {
    const auto& apps = module_.state().applications;
    if (apps.empty()) return "APP-0001";
    auto it = apps.begin();
    std::advance(it, static_cast<long>(pick(apps.size())));
    return it->first;
  }

  boost::json::object scores_data(const std::string& app) {
    boost::json::object scores;
    for (auto [id, max] : {std::pair{"relevance", 60}, {"capacity", 50}, {"potential", 50}, {"commitment", 40}}) {
      // Coarse values so that ties happen and the tie-breaks are exercised.
      const int half = static_cast<int>(pick(5)) * max / 4;
      scores[id] = boost::json::object{{"half_points", half}, {"justification", "j"}};
    }
    return {{"application_id", app}, {"scores", scores}};
  }

  // A command suited to a random application's stage.
  std::tuple<std::string, boost::json::object, Actor> guided_command() {
    const auto id = some_application();
    const auto* a = module_.state().application(id);
    if (!a || pick(8) == 0) {  // a new submission
      const auto org = 1 + pick(kOrganisations);
      boost::json::object d = {{"call_id", "AMI-T"},
                               {"registration_number", std::to_string(org) + "/2019"},
                               {"received_at", time::format_utc(now_ - std::chrono::minutes(pick(120)))}};
      if (pick(2)) {
        d["documents"] = boost::json::array{};
        return {"ReceiveDossier", d, some_officer()};
      }
      d["answers"] = boost::json::object{};
      return {"ReceiveForm", d, some_officer()};
    }
    const boost::json::object ref = {{"application_id", id}, {"rationale", "r"}, {"reason", "r"}};
    switch (a->stage) {
      case Stage::received:
        if (!a->complete()) {
          boost::json::object d = {{"call_id", "AMI-T"},
                                   {"registration_number", a->registration_number},
                                   {"received_at", time::format_utc(now_ - std::chrono::minutes(pick(120)))}};
          if (pick(3) == 0) return {"DeclareInadmissible", ref, officer()};
          if (a->dossiers.empty()) {
            d["documents"] = boost::json::array{};
            return {"ReceiveDossier", d, some_officer()};
          }
          d["answers"] = boost::json::object{};
          return {"ReceiveForm", d, some_officer()};
        }
        if (!a->admissible()) return {pick(2) ? "AcceptLateSubmission" : "DeclareInadmissible", ref, officer()};
        return random_assessment(id);
      case Stage::eligible: {
        for (const auto& [ev, e] : a->evaluations) {
          if (e.declaration == Declaration::none) {
            return {"DeclareConflictOfInterest",
                    {{"application_id", id}, {"conflict", pick(12) == 0}, {"statement", "s"}},
                    Actor{ev, "evaluator", ""}};
          }
          if (e.declaration == Declaration::no_conflict && !e.scored)
            return {"SubmitScore", scores_data(id), Actor{ev, "evaluator", ""}};
        }
        if (a->active_evaluators() < 2 || pick(6) == 0) {
          return {"AssignEvaluator", {{"application_id", id}, {"evaluator_id", any(kEvaluators)}}, officer()};
        }
        if (pick(5) == 0) {
          return {"RecordConsensus",
                  {{"application_id", id}, {"total_half_points", static_cast<int>(pick(201))}, {"rationale", "c"}},
                  officer()};
        }
        return {"FinaliseScore", ref, officer()};
      }
      case Stage::scored:
        if (!module_.state().calls.at(a->call_id).selection_closed.count(a->region)) {
          return {
              "RecordSelection", {{"call_id", "AMI-T"}, {"region", a->region}, {"rationale", "classement"}}, officer()};
        }
        return {"PlaceApplication", ref, officer()};
      case Stage::waiting:
        if (pick(3) == 0) {
          boost::json::object d = ref;
          if (pick(3) == 0) d["place_region"] = any(kRegions);
          return {"SelectApplication", d, officer()};
        }
        [[fallthrough]];
      case Stage::ineligible:
      case Stage::inadmissible:
        if (!a->notified_at) return {"NotifyDecision", {{"application_id", id}}, officer()};
        if (!a->appeal) return {"FileAppeal", {{"application_id", id}, {"grounds", "g"}}, officer()};
        return {"DecideAppeal", {{"application_id", id}, {"upheld", pick(2) == 0}, {"rationale", "r"}}, officer()};
      case Stage::selected:
        if (pick(6) == 0) return {"WithdrawApplication", ref, officer()};
        return {"NotifyDecision", {{"application_id", id}}, officer()};
      case Stage::withdrawn:
        break;
    }
    return random_command();
  }

  std::tuple<std::string, boost::json::object, Actor> random_assessment(const std::string& app) {
    auto criterion = [&](bool met) {
      return met ? boost::json::object{{"met", true}, {"evidence", "pièce"}}
                 : boost::json::object{{"met", false}, {"reason", "non"}};
    };
    const auto* a = module_.state().application(app);
    const bool in_target = a && std::find(kRegions.begin(), kRegions.end(), a->region) != kRegions.end();
    return {"AssessEligibility",
            {{"application_id", app},
             {"criteria", boost::json::object{{"legally_constituted", criterion(pick(8) != 0)},
                                              {"target_region", criterion(in_target)},
                                              {"community_experience", criterion(true)},
                                              {"field_of_work", criterion(true)}}},
             {"rationale", "grille"}},
            officer()};
  }

  std::tuple<std::string, boost::json::object, Actor> random_command() {
    const auto app = some_application();
    const auto org = 1 + pick(kOrganisations);
    switch (pick(16)) {
      case 0:
      case 1: {
        // Around the deadline: some late, most on time.
        auto received = at("2026-06-30T19:00:00Z") - std::chrono::hours(static_cast<int>(pick(400))) +
                        std::chrono::hours(pick(10) == 0 ? 30 : 0);
        boost::json::object d = {{"call_id", "AMI-T"},
                                 {"registration_number", std::to_string(org) + "/2019"},
                                 {"received_at", time::format_utc(received)}};
        if (pick(2)) {
          d["documents"] = boost::json::array{boost::json::object{
              {"sha256", std::string(64, 'a')}, {"kind", "legal_file"}, {"name", "f.pdf"}, {"size", 10}}};
          d["email_subject"] = "AMI_RC CAP+";
          return {"ReceiveDossier", d, some_officer()};
        }
        d["answers"] = boost::json::object{};
        return {"ReceiveForm", d, some_officer()};
      }
      case 2:
        return {pick(2) ? "AcceptLateSubmission" : "DeclareInadmissible",
                {{"application_id", app}, {"reason", "r"}, {"rationale", "r"}},
                some_officer()};
      case 3:
        return random_assessment(app);
      case 4:
      case 5:
        return {"AssignEvaluator", {{"application_id", app}, {"evaluator_id", any(kEvaluators)}}, officer()};
      case 6:
        return {"DeclareConflictOfInterest",
                {{"application_id", app}, {"conflict", pick(10) == 0}, {"statement", "s"}},
                some_evaluator()};
      case 7:
      case 8: {
        boost::json::object scores;
        for (auto [id, max] : {std::pair{"relevance", 60}, {"capacity", 50}, {"potential", 50}, {"commitment", 40}}) {
          const int half = pick(30) == 0 ? max + 1 : static_cast<int>(pick(static_cast<std::size_t>(max) + 1));
          scores[id] = boost::json::object{{"half_points", half}, {"justification", "j"}};
        }
        return {"SubmitScore", {{"application_id", app}, {"scores", scores}}, some_evaluator()};
      }
      case 9:
        return {pick(4) ? "FinaliseScore" : "RecordConsensus",
                {{"application_id", app}, {"total_half_points", static_cast<int>(pick(201))}, {"rationale", "c"}},
                officer()};
      case 10:
        return {"RecordSelection",
                {{"call_id", "AMI-T"}, {"region", any(kRegions)}, {"rationale", "classement"}},
                officer()};
      case 11: {
        boost::json::object d = {{"application_id", app}, {"rationale", "place libérée"}};
        if (pick(3) == 0) d["place_region"] = any(kRegions);
        return {"SelectApplication", d, officer()};
      }
      case 12:
        return {"WithdrawApplication", {{"application_id", app}, {"reason", "désistement"}}, officer()};
      case 13:
        return {"NotifyDecision", {{"application_id", app}, {"notified_at", time::format_utc(now_)}}, officer()};
      case 14:
        if (pick(2)) {
          return {"FileAppeal",
                  {{"application_id", app},
                   {"filed_at", time::format_utc(now_ - std::chrono::hours(pick(2) ? 0 : 24 * 20))},
                   {"grounds", "g"}},
                  officer()};
        }
        return {"DecideAppeal", {{"application_id", app}, {"upheld", pick(2) == 0}, {"rationale", "r"}}, officer()};
      default:
        return {"PlaceApplication", {{"application_id", app}, {"rationale", "après recours"}}, officer()};
    }
  }

  void check_invariants() {
    const auto& s = module_.state();
    for (const auto& [call_id, call] : s.calls) {
      for (const auto& region : call.config.regions) {
        int selected = 0;
        for (const auto& [id, a] : s.applications) {
          selected += a.call_id == call_id && a.stage == Stage::selected && a.place_region == region;
        }
        const int recorded = call.selected.count(region) ? call.selected.at(region) : 0;
        INFO(region << ": " << selected << " selected, " << recorded << " recorded, quota "
                    << call.config.quotas.at(region));
        REQUIRE(selected == recorded);
        REQUIRE(selected <= call.config.quotas.at(region));

        // The ranking respects the tie-breaks, written out here independently of ranks_before
        // (scores are at most a few hundred half points over a few evaluators: no overflow).
        const auto ranked = ranking(s, call_id, region);
        for (std::size_t i = 1; i < ranked.size(); ++i) {
          const auto& a = ranked[i - 1];
          const auto& b = ranked[i];
          const std::int64_t fa = static_cast<std::int64_t>(a.final_score.numerator) * b.final_score.denominator;
          const std::int64_t fb = static_cast<std::int64_t>(b.final_score.numerator) * a.final_score.denominator;
          const std::int64_t ra = static_cast<std::int64_t>(a.relevance.numerator) * b.relevance.denominator;
          const std::int64_t rb = static_cast<std::int64_t>(b.relevance.numerator) * a.relevance.denominator;
          const bool ordered =
              fa > fb ||
              (fa == fb &&
               (ra > rb || (ra == rb && (a.complete_at < b.complete_at ||
                                         (a.complete_at == b.complete_at && a.application_id < b.application_id)))));
          INFO(a.application_id << " ranked before " << b.application_id);
          REQUIRE(ordered);
        }
      }
    }
    // A selected CSO is never displaced: it stays selected until it withdraws.
    for (const auto& [id, a] : s.applications) {
      if (a.stage == Stage::selected) ever_selected_.insert(id);
    }
    for (const auto& id : ever_selected_) {
      const auto stage = s.applications.at(id).stage;
      INFO(id << " was selected and is now " << to_string(stage));
      REQUIRE((stage == Stage::selected || stage == Stage::withdrawn));
    }
  }

  std::mt19937 rng_;
  AmiModule module_;
  DomainHarness harness_;
  time::Instant now_ = at("2026-06-01T08:00:00Z");
  int accepted_ = 0;
  int refused_ = 0;
  std::set<std::string> ever_selected_;
  std::set<std::string> accepted_types_;
};

}  // namespace

TEST_CASE("random AMI histories keep quotas, rankings and selections, and replay to the same state") {
  const unsigned base_seed = 20260630;
  std::set<std::string> covered;
  int accepted = 0;
  for (unsigned run = 0; run < 20; ++run) {
    const unsigned seed = base_seed + run;
    INFO("seed " << seed);
    Model model(seed);
    model.set_up();
    for (int i = 0; i < 1500; ++i) {
      model.step();
      if (i % 300 == 299) model.check_replay();
    }
    model.check_replay();
    accepted += model.accepted();
    covered.insert(model.accepted_types().begin(), model.accepted_types().end());
  }
  // The random walk must reach the interesting parts of the process, or it proves little.
  INFO("commands accepted at least once: " << covered.size());
  for (const char* c : {"ReceiveDossier", "ReceiveForm", "AssessEligibility", "AssignEvaluator",
                        "DeclareConflictOfInterest", "SubmitScore", "FinaliseScore", "RecordSelection",
                        "SelectApplication", "WithdrawApplication", "NotifyDecision", "FileAppeal", "DecideAppeal",
                        "PlaceApplication", "RecordConsensus", "AcceptLateSubmission", "DeclareInadmissible"}) {
    INFO(c);
    CHECK(covered.count(c) == 1);
  }
  CHECK(accepted > 1000);
}
