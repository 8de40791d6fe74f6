// The AMI's state, as the events have built it: calls, organisations (OSC), applications
// (dossiers de candidature), their evaluations and the decisions taken on them.
//
// Plain structs, changed only by evolve() (ami/module.h). Everything here can be rebuilt from
// the log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sijill/domain/ami/config.h"
#include "sijill/domain/ami/score.h"
#include "sijill/time/instant.h"

namespace sijill::domain::ami {

// A civil-society organisation (OSC: organisation de la société civile). A legal person: its
// contact persons are natural persons, recorded apart (personal data).
struct Organisation {
  std::string id;
  std::string legal_name;
  std::string legal_form;
  std::string registration_number;  // numéro du récépissé de dépôt
  std::string region;
  std::string province;

  friend bool operator==(const Organisation&, const Organisation&) = default;
};

// One received part of an application: the e-mailed dossier or the online form.
struct Submission {
  std::uint64_t position = 0;  // the event that recorded it
  time::Instant received_at;
  bool late = false;
  std::string recorded_by;

  friend bool operator==(const Submission&, const Submission&) = default;
};

// The conflict-of-interest declaration of an assigned evaluator.
enum class Declaration { none, no_conflict, conflict };

// One evaluator's work on one application, in one round (round 2 after an upheld appeal).
struct Evaluation {
  std::string evaluator;
  int round = 1;
  Declaration declaration = Declaration::none;
  bool scored = false;
  std::map<std::string, int> half_points;  // per criterion
  int total_half_points = 0;

  friend bool operator==(const Evaluation&, const Evaluation&) = default;
};

// Where an application stands. Decisions against the applicant are states, not refusals.
enum class Stage {
  received,      // one or both parts in
  inadmissible,  // late, and no late acceptance
  ineligible,    // assessed: at least one criterion not met
  eligible,      // assessed eligible: evaluation under way
  scored,        // final score recorded
  selected,
  waiting,  // on its region's waiting list
  withdrawn,
};
std::string_view to_string(Stage stage);

struct Appeal {
  time::Instant filed_at;
  std::optional<bool> upheld;  // empty until decided

  friend bool operator==(const Appeal&, const Appeal&) = default;
};

struct Application {
  std::string id;  // "APP-0001"
  std::string call_id;
  std::string organisation_id;
  std::string registration_number;
  std::string region;
  std::string place_region;          // the region whose place it holds when selected
  std::vector<Submission> dossiers;  // in order received; the last one supersedes
  std::vector<Submission> forms;
  std::optional<time::Instant> complete_at;  // the later of the two effective parts' arrival
  bool late = false;                         // an effective part arrived at or after the deadline
  bool late_accepted = false;
  std::set<std::string> recorded_by;  // users who recorded its parts (segregation of tasks)
  Stage stage = Stage::received;
  int round = 1;
  std::map<std::string, Evaluation> evaluations;  // by evaluator, current round
  std::set<std::string> scored_before;            // evaluators of earlier rounds
  std::set<std::string> conflicted;               // declared a conflict of interest, in any round
  std::optional<int> consensus_half_points;
  std::optional<Fraction> final_score;
  Fraction relevance;                   // mean of the relevance criterion, for the tie-break
  std::optional<int> rank;              // in its region's last recorded ranking
  bool was_selected = false;            // ever selected (never displaced)
  std::string decision_rationale;       // the rationale of the latest decision on it
  std::uint64_t decision_position = 0;  // the event of its latest decision
  std::optional<time::Instant> notified_at;
  std::uint64_t notified_position = 0;  // the decision event that was notified
  std::optional<time::Instant> appeal_deadline;
  std::optional<Appeal> appeal;
  std::set<std::uint64_t> positions;  // the events of its stream, for corrections

  bool complete() const { return !dossiers.empty() && !forms.empty(); }
  // The part of a kind that counts: the latest received before the deadline when there is one
  // (a late resubmission does not replace an on-time part), else the latest.
  static const Submission* effective(const std::vector<Submission>& parts);
  bool admissible() const { return !late || late_accepted; }
  // Evaluators assigned in the current round who have declared no conflict.
  int active_evaluators() const;
  int scores_in() const;

  friend bool operator==(const Application&, const Application&) = default;
};

struct Call {
  CallConfig config;
  int next_application_number = 1;
  std::map<std::string, int> selected;     // per region: places taken
  std::set<std::string> selection_closed;  // regions whose first selection is recorded

  friend bool operator==(const Call&, const Call&) = default;
};

struct State {
  std::map<std::string, Call> calls;
  std::map<std::string, Organisation> organisations;
  std::map<std::string, std::string> organisation_by_registration;
  std::map<std::string, Application> applications;
  // (call, registration number) -> application id: one application per CSO per call.
  std::map<std::pair<std::string, std::string>, std::string> application_by_registration;
  std::set<std::string> persons;

  const Application* application(std::string_view id) const;
  const Call* call(std::string_view id) const;

  friend bool operator==(const State&, const State&) = default;
};

}  // namespace sijill::domain::ami
