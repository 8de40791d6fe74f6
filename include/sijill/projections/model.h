// The programme's read model: what the dashboards, the case files, the rankings and the
// decision histories show (docs/read-models.md).
//
// A projection of the log. It interprets what the committed events recorded and never re-runs
// the programme's rules: an application is selected because an ApplicationSelected event says
// so. apply() takes every event exactly once, in position order; the model can be rebuilt from
// position 0 at any time and gives the same bytes once serialised (to_json; tests compare
// models so). Checkpoints hold the same model in a binary form (write_binary).
//
// Copying a Model copies its maps' pointers, not what they point to: case files, organisations
// and the activity feeds are shared, immutable once published, and copied on write, so a
// snapshot after every commit costs a copy of the indexes (27 to 37 ms at a million events,
// docs/performance.md), not of the cases.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/conversion.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "sijill/util/status.h"

namespace sijill::store {
class EventStore;
}

namespace sijill::projections {

// Bumped whenever apply() or the serialised shape changes: checkpoints of another version are
// discarded and the model is rebuilt from the log.
inline constexpr int kModelVersion = 8;

// A committed event as the projection reads it: its envelope and the members of its data the
// model uses, views into the record's bytes (event.h, internal to the projections).
class Event;

// A name from a small set that many records repeat (an event type, a role, a region, a
// decision, a rules version, the id of one of the programme's users, which its administrators
// register): interned once for the life of the process, so that keeping, copying and comparing
// one costs a pointer. Not for free text, or identifiers whose set grows with the data or that
// clients choose (applications, documents). Serialised as its text.
class Name {
 public:
  Name() = default;             // ""
  Name(std::string_view text);  // NOLINT(google-explicit-constructor): a name is its text
  Name(const char* text) : Name(std::string_view(text)) {}
  Name(const std::string& text) : Name(std::string_view(text)) {}

  const std::string& str() const { return *text_; }
  operator const std::string&() const { return *text_; }  // NOLINT(google-explicit-constructor)
  std::string_view view() const { return *text_; }
  bool empty() const { return text_->empty(); }

  friend bool operator==(Name a, Name b) { return a.text_ == b.text_; }
  friend bool operator==(Name a, std::string_view b) { return *a.text_ == b; }
  friend bool operator==(Name a, const char* b) { return *a.text_ == b; }
  friend std::strong_ordering operator<=>(Name a, Name b) { return *a.text_ <=> *b.text_; }

 private:
  const std::string* text_ = &kEmpty;
  static const std::string kEmpty;
};
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const Name& in);

// A SHA-256 digest (an event's hash in the chain), kept as its 32 bytes; shown as hex.
struct Digest {
  std::array<std::uint8_t, 32> bytes{};
  std::string hex() const;
  bool empty() const;  // all zero: no event
  friend bool operator==(const Digest&, const Digest&) = default;
};
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const Digest& in);

// A link to an event: what a decision rests on, what a case is made of.
struct EventLink {
  std::uint64_t position = 0;
  Name type;
  Digest hash;
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
  Digest hash;
  std::string received_at;
  bool late = false;
  bool effective = false;  // the part of its kind that counts (the latest on time, else the latest)
  std::vector<Document> documents;
  std::vector<std::string> missing_documents;
  // A form's answers stay in the log, where the case file reads them (CaseData).
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
  std::uint64_t scored_position = 0;  // its decision's data holds the scores per criterion
};

// A decision on an application, or an act of its procedure that an auditor follows.
struct DecisionRecord {
  std::uint64_t position = 0;
  Digest hash;
  Name type;
  Name decision;  // "eligible", "selected", "score", "notified", ...
  std::string recorded_at;
  Name actor_id;
  Name actor_role;
  std::string rationale;
  Name rules_version;
  std::string evaluator_id;  // for the acts of one evaluator (scores), else empty
  int round = 1;
  std::vector<EventLink> rests_on;
  // The event's data stays in the log, where the views read it (CaseData).
};

// An exact number of half points, as the AMI's rules record it ({numerator, denominator}).
struct Points {
  std::int64_t numerator = 0;
  std::int64_t denominator = 0;  // 0: none
  friend bool operator==(const Points&, const Points&) = default;
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
  // The eligibility, the consensus and the final score that stand: the position of the decision
  // that recorded each (0: none yet; an upheld appeal that reopens the case clears the
  // consensus and the final score, and keeps the eligibility until it is assessed again), whose
  // data the case-file view shows, and the figures the dashboards and rankings count with.
  std::uint64_t eligibility_position = 0;
  bool eligible = false;
  std::vector<EvaluatorWork> evaluators;
  std::uint64_t consensus_position = 0;
  std::uint64_t final_score_position = 0;
  Points final_half_points;
  Points relevance_half_points;  // denominator 0: not given
  int rank = 0;                  // in the last ranking that placed it (0: none)
  int of = 0;
  bool ever_selected = false;
  std::string appeal;  // "", "filed", "upheld", "rejected"
  std::string notified_at;
  std::string appeal_deadline;
  std::uint64_t last_decision = 0;  // position of the latest decision (what a notification notifies)
  std::vector<DecisionRecord> decisions;
  std::vector<EventLink> events;  // every event of the application's stream (who and when: its decisions)

  // The decision recorded at `position`, or null.
  const DecisionRecord* decision_at(std::uint64_t position) const;
};

// The data of an application's events as recorded, read from the log when a view needs it: the
// model keeps where each decision and each form is, and the figures its lists count and sort by,
// not the data itself, which the log already holds exactly as it was hashed (Model::case_data).
class CaseData {
 public:
  // The data of the case's decision or form at `position`; null for any other position.
  const boost::json::value& at(std::uint64_t position) const;

 private:
  friend class Model;
  std::vector<std::pair<std::uint64_t, boost::json::value>> data_;  // in position order
};

// What a case file shows of its decisions' data (null when there is none).
boost::json::value eligibility_of(const CaseFile& c,
                                  const CaseData& data);  // {eligible, criteria, rationale, position, round}
boost::json::value consensus_of(const CaseFile& c,
                                const CaseData& data);  // {total_half_points, rationale, position, round}
boost::json::value final_score_of(const CaseFile& c,
                                  const CaseData& data);  // the ScoreFinalised data, plus its position
// Per criterion: {half_points, justification}.
boost::json::value scores_of(const CaseFile& c, const EvaluatorWork& w, const CaseData& data);
boost::json::value answers_of(const Part& p, const CaseData& data);  // a form's answers

struct SelectionRef {
  std::uint64_t position = 0;
  Digest hash;
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
  Name type;
  std::string stream;
  std::string recorded_at;
  Name actor_id;
  Name actor_role;
  Name region;  // empty: programme-wide

  // The application whose stream it is ("application/<id>"), else empty.
  std::string_view application_id() const;
};

// The latest events of a feed, newest first, at most `kCapacity`. A ring: a new item takes the
// place (and the strings' memory) of the oldest, so that following the log allocates nothing
// once the feed is full.
class Feed {
 public:
  static constexpr std::size_t kCapacity = 20;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const ActivityItem& operator[](std::size_t i) const { return items_[(newest_ + kCapacity - i) % kCapacity]; }
  // The slot of the next item (the oldest one's once full), to be overwritten by the caller.
  ActivityItem& push();
  // For reading back in order, oldest first.
  void append_older(ActivityItem item);

 private:
  std::array<ActivityItem, kCapacity> items_{};
  std::size_t newest_ = kCapacity - 1;
  std::size_t size_ = 0;
};

class Model {
 public:
  Model() = default;
  // Copies leave the lookup index behind (it points into its own model's map); the copy builds
  // its own when it is next applied to.
  Model(const Model& other);
  Model& operator=(const Model& other);
  Model(Model&& other) noexcept;
  Model& operator=(Model&& other) noexcept;
  ~Model() = default;

  // How many of the latest events the activity feeds keep, programme-wide and per region.
  static constexpr std::size_t kActivity = Feed::kCapacity;

  // Applies the next event (its position is position() + 1).
  void apply(const Event& event);

  // The log the model was built from (replay_into and the projector set it), where case_data()
  // reads. It must outlive the model and every copy of it.
  void set_log(const store::EventStore* log) { log_ = log; }
  // The recorded data of a case's events, at most up to position(): one read of its stream.
  // internal without a log (a bug); data_loss when the log does not hold the events the
  // model lists for the case.
  Result<CaseData> case_data(const CaseFile& c) const;

  std::uint64_t position() const { return position_; }
  std::string hash() const { return hash_.hex(); }  // hex; empty at position 0
  const std::string& recorded_at() const { return recorded_at_; }

  const std::map<std::string, CallView>& calls() const { return calls_; }
  // Organisations, like case files, are shared between the snapshots (a snapshot copies the
  // maps' pointers, not the organisations).
  using Organisations = std::map<std::string, std::shared_ptr<const OrganisationView>, std::less<>>;
  const Organisations& organisations() const { return organisations_; }
  using Cases = std::map<std::string, std::shared_ptr<const CaseFile>, std::less<>>;
  const Cases& cases() const { return cases_; }
  const CaseFile* case_file(std::string_view application_id) const;
  // The latest events, newest first: programme-wide ("") or of one region.
  const Feed& activity(std::string_view region) const;

  // The whole model as JSON, members in a fixed order: equal models give equal bytes.
  boost::json::value to_json() const;

  // The checkpoints' form: the same model in a compact binary encoding (cereal's portable binary
  // archive), much faster to read back than its JSON; read_binary() decodes the case files on
  // several threads. It returns data_loss when the bytes are not a model of this version, or
  // are damaged (each part of the case files carries its SHA-256).
  void write_binary(std::ostream& out) const;
  static Result<Model> read_binary(std::string_view bytes);

 private:
  // The feeds by region ("" = programme-wide), in the order of the regions' names; few, so
  // found by comparing names (pointers).
  using Feeds = std::vector<std::pair<Name, Feed>>;
  static Feed& feed_in(Feeds& feeds, Name region);
  static std::shared_ptr<const Feeds> no_feeds();  // one empty list, shared

  CaseFile& mutable_case(std::string_view application_id);
  const CallView* call_of(const CaseFile& c);
  Feeds& mutable_feeds();
  void record_activity(const Event& event, Name type, Name region);

  const store::EventStore* log_ = nullptr;
  std::uint64_t position_ = 0;
  Digest hash_;
  std::string recorded_at_;
  std::map<std::string, CallView> calls_;
  Organisations organisations_;
  Cases cases_;
  // Hashed lookup into cases_ for apply() (model.cpp): absent, or complete (see mutable_case()).
  // Lookups that apply() repeats are remembered: the case and the call it found last. A copy
  // or a move of the model leaves them behind (they point into its own maps).
  struct CaseIndex;
  struct CaseIndexDeleter {
    void operator()(CaseIndex* index) const;
  };
  std::unique_ptr<CaseIndex, CaseIndexDeleter> case_index_;
  std::optional<Cases::iterator> last_case_;
  const CallView* last_call_ = nullptr;
  // Shared with the snapshots published since it last changed, and copied on write like the
  // case files.
  std::shared_ptr<const Feeds> activity_ = no_feeds();
};

}  // namespace sijill::projections
