// The programme's read model: what the dashboards, the case files, the rankings and the
// decision histories show (docs/read-models.md).
//
// A projection of the log. It interprets what the committed events recorded and never re-runs
// the programme's rules: an application is selected because an ApplicationSelected event says
// so. apply() takes every event exactly once, in position order; the model can be rebuilt from
// position 0 at any time and gives the same bytes once serialised (to_json; tests compare
// models so). Checkpoints hold the same model in a binary form (write_binary).
//
// Copying a Model is cheap: case files are shared, immutable once published, and copied on
// write (cases_), so a snapshot after every commit costs a copy of the index, not of the cases.
#pragma once

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/conversion.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "sijill/util/status.h"

namespace sijill::store {
struct Record;
}

namespace sijill::projections {

// Bumped whenever apply() or the serialised shape changes: checkpoints of another version are
// discarded and the model is rebuilt from the log.
inline constexpr int kModelVersion = 4;

// A JSON value kept as its compact text: what the model keeps of an event's data only to show
// it (a decision's data). Cheaper to keep, copy and checkpoint than a parsed value; parsed when
// a view shows it. Converts to a boost::json::value (value_from).
struct JsonText {
  std::string text;  // empty: null
  boost::json::value parse() const;
  friend bool operator==(const JsonText&, const JsonText&) = default;
};
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const JsonText& in);

// A committed event as the projection reads it.
struct Event {
  std::uint64_t position = 0;
  std::string stream;
  std::uint64_t version = 0;
  std::string type;
  std::string recorded_at;  // RFC 3339 UTC, milliseconds
  std::string actor_id;
  std::string actor_role;
  std::string hash;  // hex
  boost::json::object data;
  std::string data_text;  // the same data as compact JSON text

  // Reads a record's hashed bytes. data_loss when they are not a record. `data` is allocated
  // from `storage` (e.g. an arena shared by a batch of events); the model copies what it keeps
  // into its own memory, so the arena may go once the event is applied.
  static Result<Event> from_record(const store::Record& record, boost::json::storage_ptr storage = {});
};

// A link to an event: what a decision rests on, what a case is made of.
struct EventLink {
  std::uint64_t position = 0;
  std::string type;
  std::string hash;
};

struct Document {
  std::string kind;
  std::string name;
  std::string sha256;
  std::uint64_t size = 0;
};

// One received part of an application: the e-mailed dossier or the online form.
struct Part {
  std::string part;  // "dossier" or "form"
  std::uint64_t position = 0;
  std::string hash;
  std::string received_at;
  bool late = false;
  bool effective = false;  // the part of its kind that counts (the latest on time, else the latest)
  std::vector<Document> documents;
  std::vector<std::string> missing_documents;
  boost::json::value answers;  // the form's answers (null for a dossier)
};

// One evaluator's work on one application in one round.
struct EvaluatorWork {
  std::string evaluator_id;
  int round = 1;
  std::uint64_t assigned_position = 0;
  std::string declaration = "none";  // "none", "no_conflict", "conflict"
  std::string statement;
  std::uint64_t declared_position = 0;
  bool scored = false;
  int total_half_points = 0;
  boost::json::value scores;  // per criterion: {half_points, justification}
  std::uint64_t scored_position = 0;
};

// A decision on an application, or an act of its procedure that an auditor follows.
struct DecisionRecord {
  std::uint64_t position = 0;
  std::string hash;
  std::string type;
  std::string decision;  // "eligible", "selected", "score", "notified", ...
  std::string recorded_at;
  std::string actor_id;
  std::string actor_role;
  std::string rationale;
  std::string rules_version;
  std::string evaluator_id;  // for the acts of one evaluator (scores), else empty
  int round = 1;
  std::vector<EventLink> rests_on;
  JsonText data;  // the event's data
};

// The case file of one application (dossier de candidature).
struct CaseFile {
  std::string application_id;
  std::string call_id;
  std::string organisation_id;
  std::string registration_number;
  std::string region;
  std::string place_region;
  std::string stage =
      "received";  // as ami::Stage: received, inadmissible, ineligible, eligible, scored, selected, waiting, withdrawn
  int round = 1;
  bool late = false;
  bool late_accepted = false;
  std::string complete_at;  // empty until both parts are in
  std::vector<Part> parts;
  std::vector<Document> attachments;  // DocumentsAttached
  boost::json::value eligibility;     // null until assessed: {eligible, criteria, rationale, position, round}
  std::vector<EvaluatorWork> evaluators;
  boost::json::value consensus;    // null or {total_half_points, rationale, position, round}
  boost::json::value final_score;  // null or the ScoreFinalised data plus its position
  int rank = 0;                    // in the last ranking that placed it (0: none)
  int of = 0;
  bool ever_selected = false;
  std::string appeal;  // "", "filed", "upheld", "rejected"
  std::string notified_at;
  std::string appeal_deadline;
  std::uint64_t last_decision = 0;  // position of the latest decision (what a notification notifies)
  std::vector<DecisionRecord> decisions;
  std::vector<EventLink> events;  // every event of the application's stream (who and when: its decisions)
};

struct SelectionRef {
  std::uint64_t position = 0;
  std::string hash;
  std::string recorded_at;
  std::string rationale;
};

struct CallView {
  std::string call_id;
  std::string title;
  std::vector<std::string> regions;
  std::map<std::string, std::int64_t> quotas;
  std::int64_t divergence_threshold_points = 20;
  std::string deadline_utc;
  std::string deadline_local;
  std::string zone;
  std::string rules_version;
  std::uint64_t position = 0;
  std::map<std::string, SelectionRef> selections;  // per region: the latest SelectionRecorded
};

struct OrganisationView {
  std::string organisation_id;
  std::string legal_name;
  std::string legal_form;
  std::string registration_number;
  std::string region;
  std::string province;
  std::vector<std::string> domains;
};

struct ActivityItem {
  std::uint64_t position = 0;
  std::string type;
  std::string stream;
  std::string recorded_at;
  std::string actor_id;
  std::string actor_role;
  std::string region;  // empty: programme-wide
  std::string application_id;
};

class Model {
 public:
  // How many of the latest events the activity feeds keep, programme-wide and per region.
  static constexpr std::size_t kActivity = 20;

  // Applies the next event (its position is position() + 1). The rvalue form may move the
  // event's data into the model instead of copying it.
  void apply(const Event& event);
  void apply(Event&& event);

  std::uint64_t position() const { return position_; }
  const std::string& hash() const { return hash_; }  // hex; empty at position 0
  const std::string& recorded_at() const { return recorded_at_; }

  const std::map<std::string, CallView>& calls() const { return calls_; }
  const std::map<std::string, OrganisationView>& organisations() const { return organisations_; }
  const std::map<std::string, std::shared_ptr<const CaseFile>>& cases() const { return cases_; }
  const CaseFile* case_file(std::string_view application_id) const;
  // The latest events, newest first: programme-wide ("") or of one region. An item is shared
  // by the programme's feed and its region's.
  using Feed = std::deque<std::shared_ptr<const ActivityItem>>;
  const Feed& activity(const std::string& region) const;

  // The whole model as JSON, members in a fixed order: equal models give equal bytes.
  boost::json::value to_json() const;

  // The checkpoints' form: the same model in a compact binary encoding (cereal's portable binary
  // archive), much faster to read back than its JSON; read_binary() decodes the case files on
  // several threads. It returns data_loss when the bytes are not a model of this version, or
  // are damaged (each part of the case files carries its SHA-256).
  void write_binary(std::ostream& out) const;
  static Result<Model> read_binary(std::string_view bytes);

 private:
  CaseFile& mutable_case(const std::string& application_id);
  void record_activity(const Event& event, const std::string& region, const std::string& application_id);
  // The decision this event recorded, if any (its data is then the event's: see apply()).
  DecisionRecord* apply_event(const Event& event);

  std::uint64_t position_ = 0;
  std::string hash_;
  std::string recorded_at_;
  std::map<std::string, CallView> calls_;
  std::map<std::string, OrganisationView> organisations_;
  std::map<std::string, std::shared_ptr<const CaseFile>> cases_;
  std::map<std::string, Feed> activity_;  // "" = programme-wide
};

}  // namespace sijill::projections
