// decide(): the AMI's commands, each checked against the state, giving events or a named
// rejection. What goes against an applicant is an event (a decision), never a refusal; a
// refusal is for an operation the rules forbid (docs/domain/ami.md lists them all).
#include <algorithm>
#include <functional>
#include <map>

#include "json_access.h"
#include "sijill/domain/ami/module.h"
#include "sijill/domain/ami/ranking.h"
#include "sijill/json/pointer.h"
#include "sijill/time/zone.h"

namespace sijill::domain::ami {

namespace {

using Events = std::vector<NewEvent>;
using Handler = Result<Decision> (*)(const State&, const boost::json::object&, const CommandContext&);

std::string app_stream(const std::string& id) { return "application/" + id; }

Decision one(std::string stream, std::string type, boost::json::object data) {
  Decision d;
  d.target_stream = stream;
  d.events.push_back({std::move(stream), std::move(type), std::move(data)});
  return d;
}

Status rule(std::string name, std::string message) {
  return Status::rule_violation(std::move(name), std::move(message));
}

// The roles allowed to run a command; anyone else is refused with 403.
Status require_role(const CommandContext& ctx, std::initializer_list<std::string_view> roles, std::string_view what) {
  for (auto r : roles) {
    if (ctx.actor.role == r) return Status::ok();
  }
  std::string list;
  for (auto r : roles) list += (list.empty() ? "" : " or ") + std::string(r);
  return Status::permission_denied(std::string(what) + " is for the " + list + " role, not " + ctx.actor.role);
}

const std::initializer_list<std::string_view> kOfficers = {kProgrammeOfficer, kAdmin};

Result<const Application*> find_application(const State& s, const boost::json::object& d) {
  auto id = str(d, "application_id");
  const auto* a = s.application(id);
  if (!a) return Status::not_found("no application " + id);
  return a;
}

// Fraction as JSON: {"numerator": n, "denominator": d} in half points.
boost::json::object fraction_json(const Fraction& f) {
  return {{"numerator", f.numerator}, {"denominator", f.denominator}};
}

// ---------------------------------------------------------------------------------------------
// Opening a call, registering organisations and their contact persons

Result<Decision> open_call(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "OpenCall"); !st) return st;
  if (s.call(str(d, "call_id"))) return Status::conflict("call " + str(d, "call_id") + " is already open");
  auto config = read_call_config(d);
  if (!config) return config.status();
  return one("call/" + config->call_id, "CallOpened", to_json(*config));
}

Result<Decision> register_organisation(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "RegisterOrganisation"); !st) return st;
  auto id = str(d, "organisation_id");
  if (s.organisations.count(id)) return Status::conflict("organisation " + id + " is already registered");
  auto number = str(obj(d, "registration"), "number");
  if (auto it = s.organisation_by_registration.find(number); it != s.organisation_by_registration.end()) {
    return Status::conflict("registration number " + number + " is already registered to " + it->second);
  }
  const auto& regions = morocco_regions();
  if (std::find(regions.begin(), regions.end(), str(d, "region")) == regions.end()) {
    return Status::invalid_argument("unknown region", {{"/region", "must be one of Morocco's 12 regions"}});
  }
  return one("organisation/" + id, "OrganisationRegistered", d);
}

bool is_sealed(const boost::json::value& v) {
  return v.is_object() && v.get_object().size() == 1 && v.get_object().contains("$sealed");
}

Result<Decision> register_contact_person(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "RegisterContactPerson"); !st) return st;
  auto person = str(d, "person_id");
  if (!s.organisations.count(str(d, "organisation_id"))) {
    return Status::not_found("no organisation " + str(d, "organisation_id"));
  }
  if (s.persons.count(person)) return Status::conflict("person " + person + " is already registered");
  const auto* contact = d.if_contains("contact");
  if (!contact || !is_sealed(*contact)) {
    return Status::invalid_argument("personal data must be sealed before it is recorded",
                                    {{"/contact", "must be sealed with the person's key"}});
  }
  // Sealed for this person: a value sealed under another subject would be erased with them.
  const auto& sealed = contact->get_object().at("$sealed");
  if (!sealed.is_object() || str(sealed.get_object(), "subject") != "person/" + person) {
    return Status::invalid_argument("personal data is sealed for another person",
                                    {{"/contact", "must be sealed under person/" + person}});
  }
  return one("person/" + person, "ContactPersonRegistered", d);
}

// ---------------------------------------------------------------------------------------------
// Receiving the two parts of an application

Result<Decision> receive_part(const State& s, const boost::json::object& d, const CommandContext& ctx, bool dossier) {
  if (auto st = require_role(ctx, kOfficers, dossier ? "ReceiveDossier" : "ReceiveForm"); !st) return st;
  const auto call_id = str(d, "call_id");
  const auto* call = s.call(call_id);
  if (!call) return Status::not_found("no call " + call_id);
  const auto number = str(d, "registration_number");
  auto org = s.organisation_by_registration.find(number);
  if (org == s.organisation_by_registration.end()) {
    return Status::not_found("no organisation is registered with number " + number +
                             ": register it (RegisterOrganisation) before its application");
  }
  auto received_at = time::parse_instant(str(d, "received_at"));
  if (!received_at)
    return Status::invalid_argument("received_at", {{"/received_at", std::string(received_at.status().message())}});
  if (*received_at > ctx.now + std::chrono::minutes(5)) {
    return Status::invalid_argument("received_at is in the future",
                                    {{"/received_at", "is later than the time it is being recorded"}});
  }
  std::string id;
  bool supersedes = false;
  bool effective = true;
  if (auto it = s.application_by_registration.find({call_id, number}); it != s.application_by_registration.end()) {
    id = it->second;
    const auto& app = s.applications.at(id);
    if (app.stage != Stage::received && app.stage != Stage::inadmissible) {
      return rule("already-decided", "application " + id + " has been assessed; a new submission cannot change it");
    }
    const auto& parts = dossier ? app.dossiers : app.forms;
    const bool late_now = !time::on_time(*received_at, call->config.deadline);
    // A late resubmission is recorded but does not replace a part that came on time.
    const auto* current = Application::effective(parts);
    supersedes = current != nullptr && (!late_now || current->late);
    effective = current == nullptr || supersedes;
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "APP-%04d", static_cast<int>(s.applications.size() + 1));
    id = buf;
  }
  const auto& organisation = s.organisations.at(org->second);
  boost::json::object e;
  e["application_id"] = id;
  e["call_id"] = call_id;
  e["organisation_id"] = organisation.id;
  e["registration_number"] = number;
  e["region"] = organisation.region;
  e["received_at"] = time::format_utc(*received_at);
  e["late"] = !time::on_time(*received_at, call->config.deadline);
  e["supersedes"] = supersedes;
  e["effective"] = effective;
  if (dossier) {
    if (d.contains("email_subject")) e["email_subject"] = str(d, "email_subject");
    e["documents"] = arr(d, "documents");
    boost::json::array missing;
    for (const auto& kind : call->config.required_documents) {
      const auto& docs = arr(d, "documents");
      bool found = std::any_of(docs.begin(), docs.end(), [&](const boost::json::value& doc) {
        return doc.is_object() && str(doc.get_object(), "kind") == kind;
      });
      if (!found) missing.emplace_back(kind);
    }
    e["missing_documents"] = std::move(missing);
  } else {
    e["answers"] = obj(d, "answers");
  }
  return one(app_stream(id), dossier ? "DossierReceived" : "FormReceived", std::move(e));
}

Result<Decision> receive_dossier(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  return receive_part(s, d, ctx, true);
}
Result<Decision> receive_form(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  return receive_part(s, d, ctx, false);
}

Result<Decision> accept_late_submission(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, {kProgrammeOfficer}, "AcceptLateSubmission"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (!a.late) return rule("not-late", "application " + a.id + " arrived before the deadline");
  if (a.late_accepted) return rule("already-decided", "the late submission of " + a.id + " is already accepted");
  if (a.stage != Stage::received && a.stage != Stage::inadmissible) {
    return rule("already-decided", "application " + a.id + " is " + std::string(to_string(a.stage)));
  }
  return one(app_stream(a.id), "LateSubmissionAccepted", {{"application_id", a.id}, {"reason", str(d, "reason")}});
}

// Inadmissible: late without a late acceptance, or still incomplete once the deadline has passed.
Result<Decision> declare_inadmissible(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "DeclareInadmissible"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (a.stage != Stage::received)
    return rule("already-decided", "application " + a.id + " is " + std::string(to_string(a.stage)));
  const bool late = !a.admissible();
  const bool incomplete = !a.complete() && !time::on_time(ctx.now, s.calls.at(a.call_id).config.deadline);
  if (!late && !incomplete) {
    return rule("admissible", "application " + a.id +
                                  (a.complete() ? " is complete and on time (or accepted late)"
                                                : " may still be completed before the deadline"));
  }
  return one(app_stream(a.id), "ApplicationDeclaredInadmissible",
             {{"application_id", a.id},
              {"decision", "inadmissible"},
              {"grounds", late ? "late" : "incomplete"},
              {"rationale", str(d, "rationale")}});
}

// ---------------------------------------------------------------------------------------------
// Eligibility

Result<Decision> assess_eligibility(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "AssessEligibility"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (!a.complete()) {
    return rule("incomplete-application",
                "application " + a.id + " needs both the e-mailed dossier and the online form");
  }
  if (!a.admissible())
    return rule("late-not-accepted", "application " + a.id + " arrived late and its late submission is not accepted");
  if (a.stage != Stage::received)
    return rule("already-decided", "application " + a.id + " is " + std::string(to_string(a.stage)));

  const auto& criteria = obj(d, "criteria");
  std::vector<Violation> v;
  bool eligible = true;
  for (const char* name : {"legally_constituted", "target_region", "community_experience", "field_of_work"}) {
    const auto& c = obj(criteria, name);
    const bool met = boolean(c, "met");
    eligible = eligible && met;
    const std::string at = std::string("/criteria/") + name;
    if (met && str(c, "evidence").empty())
      v.push_back({at + "/evidence", "a criterion that is met needs its evidence"});
    if (!met && str(c, "reason").empty()) v.push_back({at + "/reason", "a criterion that is not met needs its reason"});
  }
  const auto& call = s.calls.at(a.call_id).config;
  if (boolean(obj(criteria, "target_region"), "met") && !call.targets(a.region)) {
    v.push_back({"/criteria/target_region/met", a.region + " is not a target region of call " + call.call_id});
  }
  if (!v.empty()) return Status::invalid_argument("the eligibility assessment is incomplete", std::move(v));
  return one(app_stream(a.id), "EligibilityAssessed",
             {{"application_id", a.id},
              {"eligible", eligible},
              {"decision", eligible ? "eligible" : "ineligible"},
              {"criteria", criteria},
              {"rationale", str(d, "rationale")},
              {"round", a.round}});
}

// ---------------------------------------------------------------------------------------------
// Evaluation: assignment, conflicts of interest, scores, finalisation

Status must_be_under_evaluation(const Application& a) {
  switch (a.stage) {
    case Stage::eligible:
      return Status::ok();
    case Stage::received:
    case Stage::inadmissible:
    case Stage::ineligible:
      return rule("not-eligible", "application " + a.id + " is not assessed eligible");
    default:
      return rule("already-decided", "application " + a.id + " is " + std::string(to_string(a.stage)));
  }
}

Result<Decision> assign_evaluator(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "AssignEvaluator"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (auto st = must_be_under_evaluation(a); !st) return st;
  const auto evaluator = str(d, "evaluator_id");
  if (a.recorded_by.count(evaluator)) {
    return rule("segregation-of-tasks", evaluator + " recorded application " + a.id + " and may not evaluate it");
  }
  if (a.evaluations.count(evaluator)) return rule("already-assigned", evaluator + " is already assigned to " + a.id);
  if (a.conflicted.count(evaluator)) {
    return rule("conflict-of-interest",
                evaluator + " declared a conflict of interest for " + a.id + " and may not evaluate it");
  }
  if (a.scored_before.count(evaluator)) {
    return rule("already-scored",
                evaluator + " scored " + a.id + " before its appeal; a re-scoring needs new evaluators");
  }
  return one(app_stream(a.id), "EvaluatorAssigned",
             {{"application_id", a.id}, {"evaluator_id", evaluator}, {"round", a.round}});
}

Result<const Evaluation*> own_evaluation(const Application& a, const CommandContext& ctx) {
  auto it = a.evaluations.find(ctx.actor.id);
  if (it == a.evaluations.end()) return rule("not-assigned", ctx.actor.id + " is not assigned to application " + a.id);
  return &it->second;
}

Result<Decision> declare_conflict_of_interest(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, {kEvaluator}, "DeclareConflictOfInterest"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  auto ev = own_evaluation(a, ctx);
  if (!ev) return ev.status();
  if ((*ev)->declaration != Declaration::none) {
    return rule("already-declared", ctx.actor.id + " has already declared for application " + a.id);
  }
  return one(app_stream(a.id), "ConflictOfInterestDeclared",
             {{"application_id", a.id},
              {"evaluator_id", ctx.actor.id},
              {"conflict", boolean(d, "conflict")},
              {"statement", str(d, "statement")},
              {"round", a.round}});
}

Result<Decision> submit_score(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, {kEvaluator}, "SubmitScore"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  auto ev = own_evaluation(a, ctx);
  if (!ev) return ev.status();
  if (a.recorded_by.count(ctx.actor.id)) {
    return rule("segregation-of-tasks", ctx.actor.id + " recorded application " + a.id + " and may not score it");
  }
  if ((*ev)->declaration == Declaration::none) {
    return rule("no-declaration",
                ctx.actor.id + " must declare any conflict of interest for " + a.id + " before scoring it");
  }
  if ((*ev)->declaration == Declaration::conflict) {
    return rule("conflict-of-interest",
                ctx.actor.id + " declared a conflict of interest for " + a.id + " and may not score it");
  }
  if ((*ev)->scored) return rule("already-scored", ctx.actor.id + " has already scored " + a.id);
  if (auto st = must_be_under_evaluation(a); !st) return st;

  const auto& config = s.calls.at(a.call_id).config;
  const auto& scores = obj(d, "scores");
  std::vector<Violation> v;
  for (const auto& [key, _] : scores) {
    if (!config.criterion(key)) v.push_back({json::make_pointer({"scores", key}), "not a criterion of the grid"});
  }
  boost::json::object out;
  int total = 0;
  for (const auto& c : config.criteria) {
    const auto* entry = scores.if_contains(c.id);
    if (!entry || !entry->is_object()) {
      v.push_back({json::make_pointer({"scores", c.id}), "missing: every criterion of the grid is scored"});
      continue;
    }
    const auto half = integer(entry->get_object(), "half_points", -1);
    if (half < 0 || half > c.max_half_points) {
      return rule("score-out-of-range",
                  c.id + " is scored " + std::to_string(half) + " half points; it must be between 0 and " +
                      std::to_string(c.max_half_points) + " (" + std::to_string(c.max_half_points / 2) + " points)");
    }
    total += static_cast<int>(half);
    out[c.id] =
        boost::json::object{{"half_points", half}, {"justification", str(entry->get_object(), "justification")}};
  }
  if (!v.empty()) return Status::invalid_argument("the scores do not match the grid", std::move(v));
  return one(app_stream(a.id), "ScoreSubmitted",
             {{"application_id", a.id},
              {"evaluator_id", ctx.actor.id},
              {"round", a.round},
              {"scores", std::move(out)},
              {"total_half_points", total}});
}

Result<Decision> record_consensus(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "RecordConsensus"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (auto st = must_be_under_evaluation(a); !st) return st;
  if (a.consensus_half_points) return rule("already-decided", "a consensus is already recorded for " + a.id);
  const int needed = s.calls.at(a.call_id).config.min_evaluators;
  if (a.scores_in() < needed) {
    return rule("not-enough-scores", "a consensus needs at least " + std::to_string(needed) + " scores; " + a.id +
                                         " has " + std::to_string(a.scores_in()));
  }
  const auto total = integer(d, "total_half_points", -1);
  const auto max = s.calls.at(a.call_id).config.max_total_half_points();
  if (total < 0 || total > max) {
    return rule("score-out-of-range", "the consensus must be between 0 and " + std::to_string(max) + " half points");
  }
  return one(
      app_stream(a.id), "ConsensusRecorded",
      {{"application_id", a.id}, {"round", a.round}, {"total_half_points", total}, {"rationale", str(d, "rationale")}});
}

Result<Decision> finalise_score(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "FinaliseScore"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (auto st = must_be_under_evaluation(a); !st) return st;
  const auto& config = s.calls.at(a.call_id).config;
  std::vector<const Evaluation*> scored;
  for (const auto& [_, e] : a.evaluations) {
    if (e.declaration != Declaration::conflict && !e.scored) {
      return rule("scores-pending", e.evaluator + " is assigned to " + a.id + " and has not scored it");
    }
    if (e.scored) scored.push_back(&e);
  }
  if (static_cast<int>(scored.size()) < config.min_evaluators) {
    return rule("not-enough-scores", a.id + " has " + std::to_string(scored.size()) + " scores; at least " +
                                         std::to_string(config.min_evaluators) + " are needed");
  }
  int lo = scored.front()->total_half_points, hi = lo;
  Fraction mean{0, static_cast<std::int64_t>(scored.size())};
  Fraction relevance{0, static_cast<std::int64_t>(scored.size())};
  boost::json::array totals;
  for (const auto* e : scored) {
    lo = std::min(lo, e->total_half_points);
    hi = std::max(hi, e->total_half_points);
    mean.numerator += e->total_half_points;
    relevance.numerator += e->half_points.at(config.criteria.front().id);
    totals.push_back(boost::json::object{{"evaluator_id", e->evaluator}, {"total_half_points", e->total_half_points}});
  }
  const int divergence = hi - lo;
  // Diverging scores need one more evaluator than the minimum (a third, by default) or a consensus.
  const bool extra_evaluator = static_cast<int>(scored.size()) > config.min_evaluators;
  if (divergence > config.divergence_threshold_half_points && !a.consensus_half_points && !extra_evaluator) {
    return rule("scores-diverge", "the scores of " + a.id + " diverge by " + std::to_string(divergence / 2) +
                                      (divergence % 2 ? ".5" : "") + " points (threshold " +
                                      std::to_string(config.divergence_threshold_half_points / 2) +
                                      "): a third evaluator's score or a consensus is needed");
  }
  Fraction final_score = a.consensus_half_points ? Fraction{*a.consensus_half_points, 1} : mean;
  return one(app_stream(a.id), "ScoreFinalised",
             {{"application_id", a.id},
              {"round", a.round},
              {"basis", a.consensus_half_points ? "consensus" : "mean"},
              {"final_half_points", fraction_json(final_score)},
              {"relevance_half_points", fraction_json(relevance)},
              {"divergence_half_points", divergence},
              {"totals", std::move(totals)},
              {"rules_version", config.rules_version}});
}

// ---------------------------------------------------------------------------------------------
// Selection, withdrawal, filling a freed place

boost::json::object entry_json(const RankEntry& e, int rank) {
  return {{"rank", rank},
          {"application_id", e.application_id},
          {"final_half_points", fraction_json(e.final_score)},
          {"relevance_half_points", fraction_json(e.relevance)},
          {"complete_at", time::format_utc(e.complete_at)}};
}

Result<Decision> record_selection(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "RecordSelection"); !st) return st;
  const auto call_id = str(d, "call_id");
  const auto* call = s.call(call_id);
  if (!call) return Status::not_found("no call " + call_id);
  const auto region = str(d, "region");
  if (!call->config.targets(region)) {
    return Status::invalid_argument("not a target region",
                                    {{"/region", region + " is not a target region of " + call_id}});
  }
  if (call->selection_closed.count(region))
    return rule("already-decided", "the selection of " + region + " is already recorded");
  for (const auto& [id, a] : s.applications) {
    if (a.call_id == call_id && a.region == region && (a.stage == Stage::eligible || a.stage == Stage::received)) {
      return rule("scores-pending", "application " + id + " in " + region + " is " + std::string(to_string(a.stage)) +
                                        ": every application must be decided before the selection");
    }
  }
  const auto rationale = str(d, "rationale");
  const auto ranked = ranking(s, call_id, region);
  const int quota = call->config.quotas.at(region);
  int free = quota - (call->selected.count(region) ? call->selected.at(region) : 0);
  Decision decision;
  decision.target_stream = "call/" + call_id;
  boost::json::array entries, selected, waiting;
  std::vector<NewEvent> per_application;
  int rank = 0;
  for (const auto& e : ranked) {
    ++rank;
    entries.push_back(entry_json(e, rank));
    if (e.stage != Stage::scored) continue;
    boost::json::object data = {{"application_id", e.application_id},
                                {"call_id", call_id},
                                {"region", region},
                                {"rank", rank},
                                {"of", static_cast<std::int64_t>(ranked.size())},
                                {"final_half_points", fraction_json(e.final_score)},
                                {"rationale", rationale}};
    if (free > 0) {
      --free;
      selected.emplace_back(e.application_id);
      data["decision"] = "selected";
      per_application.push_back({app_stream(e.application_id), "ApplicationSelected", std::move(data)});
    } else {
      waiting.emplace_back(e.application_id);
      data["decision"] = "waiting";
      per_application.push_back({app_stream(e.application_id), "ApplicationWaitlisted", std::move(data)});
    }
  }
  decision.events.push_back(
      {"call/" + call_id,
       "SelectionRecorded",
       {{"call_id", call_id},
        {"region", region},
        {"quota", quota},
        {"ranking", std::move(entries)},
        {"selected", std::move(selected)},
        {"waiting", std::move(waiting)},
        {"tie_breaks", boost::json::array{"final_score", "relevance", "complete_at", "application_id"}},
        {"rationale", rationale},
        {"rules_version", call->config.rules_version}}});
  for (auto& e : per_application) decision.events.push_back(std::move(e));
  return decision;
}

// The best waiting application of `region`, or of every region but `region` when `others`.
const Application* best_waiting(const State& s, const std::string& call_id, const std::string& region, bool others) {
  std::optional<RankEntry> best;
  const Application* found = nullptr;
  for (const auto& r : s.calls.at(call_id).config.regions) {
    if (others == (r == region)) continue;
    for (const auto& e : ranking(s, call_id, r)) {
      if (e.stage != Stage::waiting) continue;
      if (!best || ranks_before(e, *best)) {
        best = e;
        found = s.application(e.application_id);
      }
      break;  // the first waiting one is its region's best
    }
  }
  return found;
}

Result<Decision> select_application(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "SelectApplication"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  switch (a.stage) {
    case Stage::waiting:
      break;
    case Stage::received:
    case Stage::inadmissible:
    case Stage::ineligible:
      return rule("not-eligible",
                  "application " + a.id + " is " + std::string(to_string(a.stage)) + " and cannot be selected");
    case Stage::eligible:
    case Stage::scored:
      return rule("not-on-waiting-list", "application " + a.id + " is not on a waiting list yet");
    default:
      return rule("already-decided", "application " + a.id + " is " + std::string(to_string(a.stage)));
  }
  const auto& call = s.calls.at(a.call_id);
  const auto place_region = str(d, "place_region", a.region);
  if (!call.config.targets(place_region)) {
    return Status::invalid_argument("not a target region",
                                    {{"/place_region", place_region + " is not a target region"}});
  }
  if (!call.selection_closed.count(place_region)) {
    return rule("selection-not-recorded",
                place_region + "'s selection is not recorded yet: its places go first to its own ranking");
  }
  const int taken = call.selected.count(place_region) ? call.selected.at(place_region) : 0;
  if (taken >= call.config.quotas.at(place_region)) {
    return rule("quota-full", place_region + " has selected " + std::to_string(taken) + " of its " +
                                  std::to_string(call.config.quotas.at(place_region)) + " places");
  }
  const Application* next = nullptr;
  if (place_region == a.region) {
    next = best_waiting(s, a.call_id, a.region, false);
  } else {
    if (call.config.reallocation == Reallocation::leave_unfilled) {
      return rule("reallocation-not-allowed", "call " + a.call_id + " leaves a region's unfilled places unfilled");
    }
    if (const auto* local = best_waiting(s, a.call_id, place_region, false)) {
      return rule("waiting-list-not-exhausted",
                  place_region + "'s place goes to its own waiting list first (next: " + local->id + ")");
    }
    next = best_waiting(s, a.call_id, place_region, true);
  }
  if (next && next->id != a.id)
    return rule("not-next-in-rank", "the next in rank for this place is " + next->id + ", not " + a.id);
  const auto ranked_in_region = ranking(s, a.call_id, a.region);
  return one(app_stream(a.id), "ApplicationSelected",
             {{"application_id", a.id},
              {"call_id", a.call_id},
              {"region", a.region},
              {"place_region", place_region},
              {"rank", a.rank.value_or(1)},
              {"of", static_cast<std::int64_t>(ranked_in_region.size())},
              {"final_half_points", fraction_json(*a.final_score)},
              {"decision", "selected"},
              {"fills_freed_place", true},
              {"rationale", str(d, "rationale")}});
}

// Places an application scored after its region's selection (after an appeal, or a late
// acceptance): it takes a free place if it ranks before every waiting application, else its
// rank on the waiting list. Selected applications are never displaced.
Result<Decision> place_application(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "PlaceApplication"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (a.stage != Stage::scored) {
    if (a.stage == Stage::eligible) return rule("scores-pending", "application " + a.id + " has no final score yet");
    return rule("already-decided", "application " + a.id + " is " + std::string(to_string(a.stage)));
  }
  const auto& call = s.calls.at(a.call_id);
  if (!call.selection_closed.count(a.region)) {
    return rule("selection-not-recorded", a.region + "'s selection is not recorded yet: RecordSelection places it");
  }
  const auto ranked = ranking(s, a.call_id, a.region);
  int rank = 0;
  bool before_every_waiting = true;
  for (const auto& e : ranked) {
    ++rank;
    if (e.application_id == a.id) break;
    if (e.stage == Stage::waiting) before_every_waiting = false;
  }
  const int taken = call.selected.count(a.region) ? call.selected.at(a.region) : 0;
  const bool select = before_every_waiting && taken < call.config.quotas.at(a.region);
  return one(app_stream(a.id), select ? "ApplicationSelected" : "ApplicationWaitlisted",
             {{"application_id", a.id},
              {"call_id", a.call_id},
              {"region", a.region},
              {"rank", rank},
              {"of", static_cast<std::int64_t>(ranked.size())},
              {"final_half_points", fraction_json(*a.final_score)},
              {"decision", select ? "selected" : "waiting"},
              {"rationale", str(d, "rationale")}});
}

Result<Decision> withdraw_application(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "WithdrawApplication"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (a.stage == Stage::withdrawn) return rule("already-decided", "application " + a.id + " is already withdrawn");
  return one(app_stream(a.id), "ApplicationWithdrawn",
             {{"application_id", a.id},
              {"region", a.region},
              {"was_selected", a.stage == Stage::selected},
              {"decision", "withdrawn"},
              {"reason", str(d, "reason")}});
}

// ---------------------------------------------------------------------------------------------
// Notification and appeal

// The appeal period ends at the end of its last day, in the call's time zone (periods in days
// end with their last day: Regulation 1182/71, Art. 3): notified on 10/09 and 15 days to appeal,
// the appeal is on time until 25/09 23:59:59.999 local time.
Result<time::Instant> appeal_deadline(time::Instant notified_at, int days, const std::string& zone_name) {
  auto zone = time::Zone::locate(zone_name);
  if (!zone) return zone.status();
  return time::end_of_local_day(notified_at, days, *zone);
}

Result<Decision> notify_decision(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "NotifyDecision"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  switch (a.stage) {
    case Stage::inadmissible:
    case Stage::ineligible:
    case Stage::selected:
    case Stage::waiting:
      break;
    default:
      return rule("no-decision",
                  "application " + a.id + " has no decision to notify (it is " + std::string(to_string(a.stage)) + ")");
  }
  if (a.notified_position == a.decision_position) {
    return rule("already-notified", "the decision on " + a.id + " (" + std::string(to_string(a.stage)) +
                                        ") was notified already; notifying it again would reopen the appeal period");
  }
  auto notified_at =
      d.contains("notified_at") ? time::parse_instant(str(d, "notified_at")) : Result<time::Instant>(ctx.now);
  if (!notified_at)
    return Status::invalid_argument("notified_at", {{"/notified_at", std::string(notified_at.status().message())}});
  if (*notified_at > ctx.now + std::chrono::minutes(5)) {
    return Status::invalid_argument("notified_at is in the future",
                                    {{"/notified_at", "is later than the time it is being recorded"}});
  }
  const auto days = s.calls.at(a.call_id).config.appeal_period_days;
  auto deadline = appeal_deadline(*notified_at, days, s.calls.at(a.call_id).config.deadline.zone);
  if (!deadline) return deadline.status();
  return one(app_stream(a.id), "DecisionNotified",
             {{"application_id", a.id},
              {"decision", to_string(a.stage)},
              {"notified_at", time::format_utc(*notified_at)},
              {"appeal_deadline", time::format_utc(*deadline)},
              {"appeal_period_days", days},
              {"languages", boost::json::array{"fr", "ar"}}});
}

Result<Decision> file_appeal(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "FileAppeal"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (!a.notified_at) return rule("not-notified", "application " + a.id + " has not been notified of a decision");
  if (a.appeal)
    return rule("appeal-already-filed", "application " + a.id + " has already appealed; one appeal is allowed");
  if (a.stage == Stage::selected) return rule("nothing-to-appeal", "application " + a.id + " is selected");
  auto filed_at = d.contains("filed_at") ? time::parse_instant(str(d, "filed_at")) : Result<time::Instant>(ctx.now);
  if (!filed_at) return Status::invalid_argument("filed_at", {{"/filed_at", std::string(filed_at.status().message())}});
  if (*filed_at < *a.notified_at) {
    return Status::invalid_argument("filed_at is before the notification",
                                    {{"/filed_at", "is before the decision was notified"}});
  }
  if (*filed_at > ctx.now + std::chrono::minutes(5)) {
    return Status::invalid_argument("filed_at is in the future",
                                    {{"/filed_at", "is later than the time it is being recorded"}});
  }
  if (*filed_at > *a.appeal_deadline) {
    return rule("appeal-period-over",
                "the appeal period of " + a.id + " ended at " + time::format_utc(*a.appeal_deadline));
  }
  return one(app_stream(a.id), "AppealFiled",
             {{"application_id", a.id},
              {"filed_at", time::format_utc(*filed_at)},
              {"grounds", str(d, "grounds")},
              {"decision_appealed", to_string(a.stage)}});
}

Result<Decision> decide_appeal(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "DecideAppeal"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto& a = **app;
  if (!a.appeal) return rule("no-appeal", "application " + a.id + " has no appeal to decide");
  if (a.appeal->upheld) return rule("already-decided", "the appeal of " + a.id + " is already decided");
  const bool upheld = boolean(d, "upheld");
  // Selected (or withdrawn) since the appeal was filed: upholding it changes nothing more.
  const bool reexamine = upheld && a.stage != Stage::selected && a.stage != Stage::withdrawn;
  return one(app_stream(a.id), "AppealDecided",
             {{"application_id", a.id},
              {"upheld", upheld},
              {"decision", upheld ? "appeal-upheld" : "appeal-rejected"},
              {"reexamination", reexamine},
              {"rationale", str(d, "rationale")},
              {"next_round", reexamine ? a.round + 1 : a.round}});
}

// ---------------------------------------------------------------------------------------------
// Documents stored after the dossier (content-addressed in the data folder) are cited on the
// application by their SHA-256, so the hash chain vouches for them too. Citing a document is a
// record, not a submission: it does not change when the application arrived.

Result<Decision> attach_documents(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "AttachDocuments"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  return one(app_stream((*app)->id), "DocumentsAttached",
             {{"application_id", (*app)->id}, {"documents", arr(d, "documents")}, {"reason", str(d, "reason")}});
}

// ---------------------------------------------------------------------------------------------
// Corrections: a later event names the event it corrects, and why. Nothing is edited.

Result<Decision> correct_record(const State& s, const boost::json::object& d, const CommandContext& ctx) {
  if (auto st = require_role(ctx, kOfficers, "CorrectRecord"); !st) return st;
  auto app = find_application(s, d);
  if (!app) return app.status();
  const auto position = static_cast<std::uint64_t>(integer(d, "corrects_position"));
  if (!(*app)->positions.count(position)) {
    return Status::invalid_argument("the corrected event is not one of this application's",
                                    {{"/corrects_position", "position " + std::to_string(position) +
                                                                " is not an event of application " + (*app)->id}});
  }
  return one(app_stream((*app)->id), "RecordCorrected",
             {{"application_id", (*app)->id},
              {"corrects_position", integer(d, "corrects_position")},
              {"correction", obj(d, "correction")},
              {"reason", str(d, "reason")}});
}

const std::map<std::string, Handler, std::less<>>& handlers() {
  static const std::map<std::string, Handler, std::less<>> table = {
      {"OpenCall", open_call},
      {"RegisterOrganisation", register_organisation},
      {"RegisterContactPerson", register_contact_person},
      {"ReceiveDossier", receive_dossier},
      {"ReceiveForm", receive_form},
      {"AcceptLateSubmission", accept_late_submission},
      {"DeclareInadmissible", declare_inadmissible},
      {"AssessEligibility", assess_eligibility},
      {"AssignEvaluator", assign_evaluator},
      {"DeclareConflictOfInterest", declare_conflict_of_interest},
      {"SubmitScore", submit_score},
      {"RecordConsensus", record_consensus},
      {"FinaliseScore", finalise_score},
      {"RecordSelection", record_selection},
      {"SelectApplication", select_application},
      {"PlaceApplication", place_application},
      {"WithdrawApplication", withdraw_application},
      {"NotifyDecision", notify_decision},
      {"FileAppeal", file_appeal},
      {"DecideAppeal", decide_appeal},
      {"CorrectRecord", correct_record},
      {"AttachDocuments", attach_documents},
  };
  return table;
}

}  // namespace

std::vector<std::string> AmiModule::commands() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : handlers()) names.push_back(name);
  return names;
}

Result<Decision> AmiModule::decide(std::string_view command, const boost::json::object& data,
                                   const CommandContext& context) const {
  auto it = handlers().find(command);
  if (it == handlers().end()) return Status::not_found("no command " + std::string(command));
  return it->second(state_, data, context);
}

}  // namespace sijill::domain::ami
