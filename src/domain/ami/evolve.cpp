// evolve(): how each AMI event changes the state. Events are facts: evolve never refuses one.
#include <algorithm>
#include <functional>
#include <map>

#include "json_access.h"
#include "sijill/domain/ami/module.h"

namespace sijill::domain::ami {

namespace {

using Apply = void (*)(State&, const RecordedEvent&, const boost::json::object&);

Fraction fraction(const boost::json::object& o) {
  Fraction f{integer(o, "numerator"), integer(o, "denominator", 1)};
  if (f.denominator <= 0) f.denominator = 1;
  return f;
}

Application& app(State& s, const boost::json::object& d) { return s.applications[str(d, "application_id")]; }

void call_opened(State& s, const RecordedEvent&, const boost::json::object& d) {
  s.calls[str(d, "call_id")].config = call_config_from_event(d);
}

void organisation_registered(State& s, const RecordedEvent&, const boost::json::object& d) {
  Organisation o{str(d, "organisation_id"), str(d, "legal_name"),
                 str(d, "legal_form"),      str(obj(d, "registration"), "number"),
                 str(d, "region"),          str(d, "province")};
  s.organisation_by_registration[o.registration_number] = o.id;
  s.organisations[o.id] = std::move(o);
}

void contact_person_registered(State& s, const RecordedEvent&, const boost::json::object& d) {
  s.persons.insert(str(d, "person_id"));
}

void part_received(State& s, const RecordedEvent& e, const boost::json::object& d, bool dossier) {
  auto& a = app(s, d);
  if (a.id.empty()) {
    a.id = str(d, "application_id");
    a.call_id = str(d, "call_id");
    a.organisation_id = str(d, "organisation_id");
    a.registration_number = str(d, "registration_number");
    a.region = str(d, "region");
    s.application_by_registration[{a.call_id, a.registration_number}] = a.id;
  }
  Submission sub{e.position, instant(d, "received_at"), boolean(d, "late"), e.actor.id};
  (dossier ? a.dossiers : a.forms).push_back(sub);
  a.recorded_by.insert(e.actor.id);
  // The effective part of each kind counts (Application::effective).
  const auto* dossier_part = Application::effective(a.dossiers);
  const auto* form_part = Application::effective(a.forms);
  a.late = (dossier_part && dossier_part->late) || (form_part && form_part->late);
  if (dossier_part && form_part) a.complete_at = std::max(dossier_part->received_at, form_part->received_at);
}

void dossier_received(State& s, const RecordedEvent& e, const boost::json::object& d) { part_received(s, e, d, true); }
void form_received(State& s, const RecordedEvent& e, const boost::json::object& d) { part_received(s, e, d, false); }

void late_submission_accepted(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  a.late_accepted = true;
  if (a.stage == Stage::inadmissible) a.stage = Stage::received;
}

void declared_inadmissible(State& s, const RecordedEvent& e, const boost::json::object& d) {
  auto& a = app(s, d);
  a.decision_position = e.position;
  a.stage = Stage::inadmissible;
  a.decision_rationale = str(d, "rationale");
}

void eligibility_assessed(State& s, const RecordedEvent& e, const boost::json::object& d) {
  auto& a = app(s, d);
  a.decision_position = e.position;
  a.stage = boolean(d, "eligible") ? Stage::eligible : Stage::ineligible;
  a.decision_rationale = str(d, "rationale");
}

void evaluator_assigned(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  auto id = str(d, "evaluator_id");
  a.evaluations[id] = Evaluation{id, a.round, Declaration::none, false, {}, 0};
}

void conflict_declared(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  const auto id = str(d, "evaluator_id");
  const bool conflict = boolean(d, "conflict");
  a.evaluations[id].declaration = conflict ? Declaration::conflict : Declaration::no_conflict;
  if (conflict) a.conflicted.insert(id);  // the register: it bars them in every later round too
}

void score_submitted(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& ev = app(s, d).evaluations[str(d, "evaluator_id")];
  ev.scored = true;
  ev.total_half_points = static_cast<int>(integer(d, "total_half_points"));
  for (const auto& [criterion, v] : obj(d, "scores")) {
    ev.half_points[std::string(criterion)] =
        v.is_object() ? static_cast<int>(integer(v.get_object(), "half_points")) : 0;
  }
}

void consensus_recorded(State& s, const RecordedEvent&, const boost::json::object& d) {
  app(s, d).consensus_half_points = static_cast<int>(integer(d, "total_half_points"));
}

void score_finalised(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  a.final_score = fraction(obj(d, "final_half_points"));
  a.relevance = fraction(obj(d, "relevance_half_points"));
  a.stage = Stage::scored;
}

void selection_recorded(State& s, const RecordedEvent&, const boost::json::object& d) {
  s.calls[str(d, "call_id")].selection_closed.insert(str(d, "region"));
}

void application_selected(State& s, const RecordedEvent& e, const boost::json::object& d) {
  auto& a = app(s, d);
  a.decision_position = e.position;
  a.stage = Stage::selected;
  a.was_selected = true;
  a.rank = static_cast<int>(integer(d, "rank"));
  a.place_region = str(d, "place_region", a.region);
  a.decision_rationale = str(d, "rationale");
  s.calls[a.call_id].selected[a.place_region] += 1;
}

void application_waitlisted(State& s, const RecordedEvent& e, const boost::json::object& d) {
  auto& a = app(s, d);
  a.decision_position = e.position;
  a.stage = Stage::waiting;
  a.rank = static_cast<int>(integer(d, "rank"));
  a.decision_rationale = str(d, "rationale");
}

void application_withdrawn(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  if (a.stage == Stage::selected) s.calls[a.call_id].selected[a.place_region] -= 1;  // frees the place
  a.stage = Stage::withdrawn;
}

void decision_notified(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  a.notified_at = instant(d, "notified_at");
  a.notified_position = a.decision_position;
  a.appeal_deadline = instant(d, "appeal_deadline");
}

void appeal_filed(State& s, const RecordedEvent&, const boost::json::object& d) {
  app(s, d).appeal = Appeal{instant(d, "filed_at"), std::nullopt};
}

void appeal_decided(State& s, const RecordedEvent&, const boost::json::object& d) {
  auto& a = app(s, d);
  const bool upheld = boolean(d, "upheld");
  if (a.appeal) a.appeal->upheld = upheld;
  // An application selected (or withdrawn) since it appealed keeps its place: nothing to redo.
  if (!upheld || a.stage == Stage::selected || a.stage == Stage::withdrawn) return;
  // Re-examined by evaluators who have not scored it, then re-ranked; never displacing anyone.
  for (const auto& [id, e] : a.evaluations) {
    if (e.scored) a.scored_before.insert(id);
  }
  a.evaluations.clear();
  a.consensus_half_points.reset();
  a.final_score.reset();
  a.round = static_cast<int>(integer(d, "next_round", a.round + 1));
  switch (a.stage) {
    case Stage::inadmissible:
      a.late_accepted = true;
      a.stage = Stage::received;
      break;
    case Stage::ineligible:
      a.stage = Stage::received;
      break;
    default:
      a.stage = Stage::eligible;
      break;
  }
}

const std::map<std::string, Apply, std::less<>>& appliers() {
  static const std::map<std::string, Apply, std::less<>> table = {
      {"CallOpened", call_opened},
      {"OrganisationRegistered", organisation_registered},
      {"ContactPersonRegistered", contact_person_registered},
      {"DossierReceived", dossier_received},
      {"FormReceived", form_received},
      {"LateSubmissionAccepted", late_submission_accepted},
      {"ApplicationDeclaredInadmissible", declared_inadmissible},
      {"EligibilityAssessed", eligibility_assessed},
      {"EvaluatorAssigned", evaluator_assigned},
      {"ConflictOfInterestDeclared", conflict_declared},
      {"ScoreSubmitted", score_submitted},
      {"ConsensusRecorded", consensus_recorded},
      {"ScoreFinalised", score_finalised},
      {"SelectionRecorded", selection_recorded},
      {"ApplicationSelected", application_selected},
      {"ApplicationWaitlisted", application_waitlisted},
      {"ApplicationWithdrawn", application_withdrawn},
      {"DecisionNotified", decision_notified},
      {"AppealFiled", appeal_filed},
      {"AppealDecided", appeal_decided},
  };
  return table;
}

}  // namespace

void AmiModule::evolve(const RecordedEvent& event) {
  if (event.data == nullptr) return;
  if (auto it = appliers().find(event.type); it != appliers().end()) it->second(state_, event, *event.data);
  if (event.stream.starts_with("application/")) {
    auto app = state_.applications.find(std::string(event.stream.substr(12)));
    if (app != state_.applications.end()) app->second.positions.insert(event.position);
  }
}

}  // namespace sijill::domain::ami
