#include "sijill/projections/model.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <functional>
#include <future>
#include <istream>
#include <optional>
#include <shared_mutex>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <simdjson.h>
#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "event.h"
#include "sijill/store/event_store.h"
#include "sijill/store/record.h"
#include "sijill/util/versioned_bytes.h"

namespace sijill::projections {

// Field lists for Boost.JSON's conversions (value_from / value_to). The order is the order of
// the serialised members.
BOOST_DESCRIBE_STRUCT(EventLink, (), (position, type, hash))
BOOST_DESCRIBE_STRUCT(Document, (), (kind, name, sha256, size))
BOOST_DESCRIBE_STRUCT(Part, (), (part, position, hash, received_at, late, effective, documents, missing_documents))
BOOST_DESCRIBE_STRUCT(EvaluatorWork, (),
                      (evaluator_id, round, assigned_position, declaration, statement, declared_position, scored,
                       total_half_points, scored_position))
BOOST_DESCRIBE_STRUCT(Points, (), (numerator, denominator))
BOOST_DESCRIBE_STRUCT(DecisionRecord, (),
                      (position, hash, type, decision, recorded_at, actor_id, actor_role, rationale, rules_version,
                       evaluator_id, round, rests_on))
BOOST_DESCRIBE_STRUCT(CaseFile, (),
                      (application_id, call_id, organisation_id, registration_number, region, place_region, stage,
                       round, late, late_accepted, complete_at, parts, attachments, eligibility_position, eligible,
                       evaluators, consensus_position, final_score_position, final_half_points, relevance_half_points,
                       rank, of, ever_selected, appeal, notified_at, appeal_deadline, last_decision, decisions, events))
BOOST_DESCRIBE_STRUCT(SelectionRef, (), (position, hash, recorded_at, rationale))
BOOST_DESCRIBE_STRUCT(CallView, (),
                      (call_id, title, regions, quotas, divergence_threshold_points, deadline_utc, deadline_local, zone,
                       rules_version, position, selections))
BOOST_DESCRIBE_STRUCT(OrganisationView, (),
                      (organisation_id, legal_name, legal_form, registration_number, region, province, domains))
BOOST_DESCRIBE_STRUCT(ActivityItem, (), (position, type, stream, recorded_at, actor_id, actor_role, region))

// The checkpoints' binary form (cereal's portable binary archive): every described struct
// member by member, in the order above.
template <class Archive, class T, std::enable_if_t<boost::describe::has_describe_members<T>::value, int> = 0>
void serialize(Archive& archive, T& t) {
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) { archive(t.*member.pointer); });
}

}  // namespace sijill::projections

namespace sijill::projections {

namespace json = boost::json;

// --- Names and digests --------------------------------------------------------------------

const std::string Name::kEmpty;

namespace {

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The interned texts: never removed, so a Name's pointer stays valid for the process's life.
class NamePool {
 public:
  const std::string* intern(std::string_view text) {
    {
      std::shared_lock lock(mu_);
      if (auto it = names_.find(text); it != names_.end()) return &*it;
    }
    std::unique_lock lock(mu_);
    return &*names_.emplace(text).first;
  }

 private:
  std::shared_mutex mu_;
  std::unordered_set<std::string, NameHash, std::equal_to<>> names_;
};

// Never destroyed: names may be read by threads and static objects until the process ends.
NamePool& name_pool() {
  static auto* pool = new NamePool;
  return *pool;
}

}  // namespace

Name::Name(std::string_view text) {
  if (text.empty()) return;
  // Most names were met just before on this thread (an event type, a role): a small cache,
  // indexed by the length and two letters, finds them with one comparison.
  thread_local std::array<const std::string*, 64> recent{};
  auto& slot = recent[(text.size() * 7 + static_cast<unsigned char>(text.front()) * 3 +
                       static_cast<unsigned char>(text[text.size() / 2])) %
                      recent.size()];
  if (slot && slot->size() == text.size() && std::memcmp(slot->data(), text.data(), text.size()) == 0) {
    text_ = slot;
    return;
  }
  text_ = name_pool().intern(text);
  slot = text_;
}

void tag_invoke(const json::value_from_tag&, json::value& out, const Name& in) { out = in.view(); }

std::string Digest::hex() const { return empty() ? std::string() : store::to_hex(bytes); }
bool Digest::empty() const { return bytes == std::array<std::uint8_t, 32>{}; }
void tag_invoke(const json::value_from_tag&, json::value& out, const Digest& in) { out = in.hex(); }

template <class Archive>
void save(Archive& archive, const Name& n) {
  archive(n.str());
}
template <class Archive>
void load(Archive& archive, Name& n) {
  std::string text;
  archive(text);
  n = Name(text);
}
template <class Archive>
void serialize(Archive& archive, Digest& d) {
  archive(cereal::binary_data(d.bytes.data(), d.bytes.size()));
}

// --- Activity feeds -----------------------------------------------------------------------

ActivityItem& Feed::push() {
  newest_ = (newest_ + 1) % kCapacity;
  size_ = std::min(size_ + 1, kCapacity);
  return items_[newest_];
}

void Feed::append_older(ActivityItem item) {
  if (size_ == kCapacity) throw std::runtime_error("an activity feed longer than kept");
  // Items arrive newest first: each goes behind the ones already there.
  if (size_ == 0) newest_ = 0;
  items_[(newest_ + kCapacity - size_) % kCapacity] = std::move(item);
  ++size_;
}

// --- Reading events -----------------------------------------------------------------------

namespace {

using Object = simdjson::dom::object;
using Element = simdjson::dom::element;

std::string_view view(Object o, std::string_view key) {
  std::string_view v;
  return o[key].get(v) ? std::string_view() : v;
}
std::string str(Object o, std::string_view key) { return std::string(view(o, key)); }
// A number as int64 (uint64 beyond), else `fallback`.
std::int64_t number(Element v, std::int64_t fallback = 0) {
  std::int64_t n = 0;
  if (!v.get(n)) return n;
  std::uint64_t u = 0;
  if (!v.get(u)) return static_cast<std::int64_t>(u);
  return fallback;
}

std::int64_t integer(Object o, std::string_view key, std::int64_t fallback = 0) {
  auto field = o[key];
  std::int64_t n = 0;
  if (!field.get(n)) return n;
  std::uint64_t u = 0;
  if (!field.get(u)) return static_cast<std::int64_t>(u);
  return fallback;
}

// The members of an event's data that Model::apply reads, by type. Objects and arrays are
// parsed here, on the applying thread (few events have one), each into values it keeps.
class Fields {
 public:
  explicit Fields(const Event& e) : e_(e) {}

  std::string_view view(F f) const {
    const auto* m = e_.member(f);
    return m && m->kind == Member::Kind::string ? m->text : std::string_view();
  }
  std::string str(F f) const { return std::string(view(f)); }
  std::int64_t integer(F f, std::int64_t fallback = 0) const {
    const auto* m = e_.member(f);
    return m && m->kind == Member::Kind::integer ? m->integer : fallback;
  }
  bool boolean(F f) const {
    const auto* m = e_.member(f);
    return m && m->kind == Member::Kind::boolean && m->boolean;
  }
  // A string member of an object member ("" when either is missing).
  std::string str(F f, std::string_view name) const {
    Object o;
    return parse(f).get(o) ? std::string() : projections::str(o, name);
  }
  // An object member whose members are integers.
  std::map<std::string, std::int64_t> integers(F f) const {
    std::map<std::string, std::int64_t> out;
    Object o;
    if (parse(f).get(o)) return out;
    for (const auto [name, value] : o) {
      std::int64_t n = 0;
      if (!value.get(n)) out[std::string(name)] = n;
    }
    return out;
  }
  Points points(F f) const {
    Object o;
    if (parse(f).get(o)) return {};
    return {projections::integer(o, "numerator"), projections::integer(o, "denominator", 1)};
  }
  std::vector<std::string> strings(F f) const {
    std::vector<std::string> out;
    simdjson::dom::array array;
    if (parse(f).get(array)) return out;
    for (const auto v : array) {
      std::string_view text;
      if (!v.get(text)) out.emplace_back(text);
    }
    return out;
  }
  std::vector<Document> documents(F f) const {
    std::vector<Document> out;
    simdjson::dom::array array;
    if (parse(f).get(array)) return out;
    out.reserve(array.size());
    for (const auto v : array) {
      Object d;
      if (v.get(d)) continue;
      // One walk of the document's members (the first of duplicates counts, as at_key).
      Document& doc = out.emplace_back();
      bool kind = false, name = false, sha256 = false, size = false;
      for (const auto member : d) {
        std::string_view text;
        if (member.key == "kind" && !std::exchange(kind, true)) {
          if (!member.value.get(text)) doc.kind.assign(text);
        } else if (member.key == "name" && !std::exchange(name, true)) {
          if (!member.value.get(text)) doc.name.assign(text);
        } else if (member.key == "sha256" && !std::exchange(sha256, true)) {
          if (!member.value.get(text)) doc.sha256.assign(text);
        } else if (member.key == "size" && !std::exchange(size, true)) {
          doc.size = static_cast<std::uint64_t>(number(member.value));
        }
      }
    }
    return out;
  }

 private:
  // Member `f` when it is an object or an array, parsed: valid until the next parse on this
  // thread. The record's buffer holds simdjson's padding after its end, so the member's text
  // is parsed where it is.
  simdjson::simdjson_result<Element> parse(F f) const {
    const auto* m = e_.member(f);
    if (!m || m->kind != Member::Kind::json) return simdjson::NO_SUCH_FIELD;
    thread_local simdjson::dom::parser parser;
    return parser.parse(m->text.data(), m->text.size(), false);
  }

  const Event& e_;
};

}  // namespace

// --- Applying events ----------------------------------------------------------------------

namespace {

EventLink link(const Part& p) {
  static const Name dossier("DossierReceived"), form("FormReceived");
  return {p.position, p.part == "dossier" ? dossier : form, p.hash};
}
EventLink link_of(const CaseFile& c, std::uint64_t position) {
  // The case's events are in position order.
  auto it = std::lower_bound(c.events.begin(), c.events.end(), position,
                             [](const EventLink& l, std::uint64_t p) { return l.position < p; });
  if (it != c.events.end() && it->position == position) return *it;
  return {position, {}, {}};
}

// The part of a kind that counts: the latest received before the deadline when there is one (a
// late resubmission does not replace an on-time part), else the latest. As the AMI's rules say
// (ami::Application::effective).
void mark_effective(CaseFile& c) {
  for (const char* kind : {"dossier", "form"}) {
    Part* on_time = nullptr;
    Part* latest = nullptr;
    for (auto& p : c.parts) {
      if (p.part != kind) continue;
      p.effective = false;
      latest = &p;
      if (!p.late) on_time = &p;
    }
    if (Part* chosen = on_time ? on_time : latest) chosen->effective = true;
  }
  const Part* dossier = nullptr;
  const Part* form = nullptr;
  for (const auto& p : c.parts) {
    if (!p.effective) continue;
    (p.part == "dossier" ? dossier : form) = &p;
  }
  c.late = (dossier && dossier->late) || (form && form->late);
  if (dossier && form) c.complete_at = std::max(dossier->received_at, form->received_at);
}

std::vector<EventLink> effective_parts(const CaseFile& c) {
  std::vector<EventLink> out;
  for (const auto& p : c.parts) {
    if (p.effective) out.push_back(link(p));
  }
  return out;
}

EvaluatorWork* work_of(CaseFile& c, std::string_view evaluator, int round) {
  for (auto& w : c.evaluators) {
    if (w.evaluator_id == evaluator && w.round == round) return &w;
  }
  return nullptr;
}

const Feed kNoActivity;

// The event types the model reads, looked up once per event.
enum class Kind {
  other,
  call_opened,
  organisation_registered,
  selection_recorded,
  dossier_received,
  form_received,
  documents_attached,
  late_submission_accepted,
  declared_inadmissible,
  eligibility_assessed,
  evaluator_assigned,
  conflict_declared,
  score_submitted,
  consensus_recorded,
  score_finalised,
  selected,
  waitlisted,
  withdrawn,
  decision_notified,
  appeal_filed,
  appeal_decided,
  record_corrected,
};

// An event's kind and its type as a Name (interned once here for the kinds the model reads).
struct TypeInfo {
  Kind kind = Kind::other;
  Name name;
};

TypeInfo type_of(std::string_view type) {
  static const auto kinds = [] {
    std::unordered_map<std::string_view, TypeInfo> out;
    for (const auto& [text, kind] : std::initializer_list<std::pair<std::string_view, Kind>>{
             {"CallOpened", Kind::call_opened},
             {"OrganisationRegistered", Kind::organisation_registered},
             {"SelectionRecorded", Kind::selection_recorded},
             {"DossierReceived", Kind::dossier_received},
             {"FormReceived", Kind::form_received},
             {"DocumentsAttached", Kind::documents_attached},
             {"LateSubmissionAccepted", Kind::late_submission_accepted},
             {"ApplicationDeclaredInadmissible", Kind::declared_inadmissible},
             {"EligibilityAssessed", Kind::eligibility_assessed},
             {"EvaluatorAssigned", Kind::evaluator_assigned},
             {"ConflictOfInterestDeclared", Kind::conflict_declared},
             {"ScoreSubmitted", Kind::score_submitted},
             {"ConsensusRecorded", Kind::consensus_recorded},
             {"ScoreFinalised", Kind::score_finalised},
             {"ApplicationSelected", Kind::selected},
             {"ApplicationWaitlisted", Kind::waitlisted},
             {"ApplicationWithdrawn", Kind::withdrawn},
             {"DecisionNotified", Kind::decision_notified},
             {"AppealFiled", Kind::appeal_filed},
             {"AppealDecided", Kind::appeal_decided},
             {"RecordCorrected", Kind::record_corrected},
         }) {
      out.emplace(text, TypeInfo{kind, Name(text)});
    }
    return out;
  }();
  auto it = kinds.find(type);
  return it == kinds.end() ? TypeInfo{Kind::other, Name(type)} : it->second;
}

}  // namespace

const CaseFile* Model::case_file(std::string_view application_id) const {
  auto it = cases_.find(application_id);
  return it == cases_.end() ? nullptr : it->second.get();
}

const Feed& Model::activity(std::string_view region) const {
  // Compared as text: a region asked for is not interned (it may be anything a client sent).
  for (const auto& [r, feed] : *activity_) {
    if (r.view() == region) return feed;
  }
  return kNoActivity;
}

std::shared_ptr<const Model::Feeds> Model::no_feeds() {
  static const auto none = std::make_shared<const Feeds>();
  return none;  // a copy of a shared_ptr: allocates nothing (moves are noexcept)
}

Model::Model(const Model& other)
    : log_(other.log_),
      position_(other.position_),
      hash_(other.hash_),
      recorded_at_(other.recorded_at_),
      calls_(other.calls_),
      organisations_(other.organisations_),
      cases_(other.cases_),
      activity_(other.activity_) {}

Model& Model::operator=(const Model& other) {
  if (this != &other) *this = Model(other);
  return *this;
}

Model::Model(Model&& other) noexcept
    : log_(other.log_),
      position_(other.position_),
      hash_(other.hash_),
      recorded_at_(std::move(other.recorded_at_)),
      calls_(std::move(other.calls_)),
      organisations_(std::move(other.organisations_)),
      cases_(std::move(other.cases_)),
      activity_(std::move(other.activity_)) {
  other.case_index_.reset();
  other.last_case_.reset();
  other.last_call_ = nullptr;
  other.activity_ = no_feeds();
}

Model& Model::operator=(Model&& other) noexcept {
  if (this == &other) return *this;
  log_ = other.log_;
  position_ = other.position_;
  hash_ = other.hash_;
  recorded_at_ = std::move(other.recorded_at_);
  calls_ = std::move(other.calls_);
  organisations_ = std::move(other.organisations_);
  cases_ = std::move(other.cases_);
  activity_ = std::move(other.activity_);
  case_index_.reset();
  other.case_index_.reset();
  last_case_.reset();
  other.last_case_.reset();
  last_call_ = nullptr;
  other.last_call_ = nullptr;
  other.activity_ = no_feeds();
  return *this;
}

const DecisionRecord* CaseFile::decision_at(std::uint64_t position) const {
  // Decisions are in position order.
  auto it = std::lower_bound(decisions.begin(), decisions.end(), position,
                             [](const DecisionRecord& d, std::uint64_t p) { return d.position < p; });
  return it != decisions.end() && it->position == position ? &*it : nullptr;
}

namespace {
json::value member_of(const json::value& v, std::string_view key) {
  if (const auto* o = v.if_object()) {
    if (const auto* m = o->if_contains(key)) return *m;
  }
  return nullptr;
}

// A standing decision as the case file shows it: `leading`, then why, where and in which round.
json::object standing(const DecisionRecord& d, json::object leading) {
  leading.emplace("rationale", d.rationale);
  leading.emplace("position", static_cast<std::int64_t>(d.position));
  leading.emplace("round", d.round);
  return leading;
}

}  // namespace

const json::value& CaseData::at(std::uint64_t position) const {
  static const json::value none;
  auto it = std::lower_bound(data_.begin(), data_.end(), position,
                             [](const auto& d, std::uint64_t p) { return d.first < p; });
  return it != data_.end() && it->first == position ? it->second : none;
}

Result<CaseData> Model::case_data(const CaseFile& c) const {
  if (!log_) return Status::internal("the read model has no log to read the case's data from");
  // The case lists every event of its stream up to position(), in order: its first
  // c.events.size() versions.
  auto records = log_->read_stream("application/" + c.application_id, 1, c.events.size());
  if (!records) return records.status();
  if (records->size() != c.events.size()) {
    return Status::data_loss("the log holds " + std::to_string(records->size()) + " events of application " +
                             c.application_id + ", the read model " + std::to_string(c.events.size()));
  }
  // Only the decisions' and the forms' data are shown: the other records (a dossier's document
  // list, an assignment) are checked, not parsed.
  auto shown = [&c](std::uint64_t position) {
    if (c.decision_at(position)) return true;
    return std::any_of(c.parts.begin(), c.parts.end(),
                       [position](const Part& p) { return p.position == position && p.part == "form"; });
  };
  CaseData out;
  out.data_.reserve(records->size());
  for (std::size_t i = 0; i < records->size(); ++i) {
    const auto& r = (*records)[i];
    if (r.position != c.events[i].position || r.hash != c.events[i].hash.bytes) {
      return Status::data_loss("the event at position " + std::to_string(r.position) + " of application " +
                               c.application_id + " is not the one the read model lists");
    }
    if (!shown(r.position)) continue;
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 256;  // deeper than any data the schemas let in (their limit is 64)
    auto record = json::parse(r.bytes, ec, {}, options);
    if (ec || !record.is_object()) {
      return Status::data_loss("record " + std::to_string(r.position) + " is not JSON");
    }
    out.data_.emplace_back(r.position, member_of(record, "data"));
  }
  return out;
}

json::value eligibility_of(const CaseFile& c, const CaseData& data) {
  const auto* d = c.decision_at(c.eligibility_position);
  if (!d) return nullptr;
  return standing(*d, {{"eligible", c.eligible}, {"criteria", member_of(data.at(d->position), "criteria")}});
}

json::value consensus_of(const CaseFile& c, const CaseData& data) {
  const auto* d = c.decision_at(c.consensus_position);
  if (!d) return nullptr;
  const auto total = member_of(data.at(d->position), "total_half_points");
  return standing(*d, {{"total_half_points", total.is_int64() || total.is_uint64() ? total : json::value(0)}});
}

json::value final_score_of(const CaseFile& c, const CaseData& data) {
  const auto* d = c.decision_at(c.final_score_position);
  if (!d) return nullptr;
  auto out = data.at(d->position);
  if (auto* o = out.if_object()) o->insert_or_assign("position", static_cast<std::int64_t>(d->position));
  return out;
}

json::value scores_of(const CaseFile& c, const EvaluatorWork& w, const CaseData& data) {
  const auto* d = w.scored ? c.decision_at(w.scored_position) : nullptr;
  return d ? member_of(data.at(d->position), "scores") : json::value();
}

json::value answers_of(const Part& p, const CaseData& data) { return member_of(data.at(p.position), "answers"); }

// An open-addressing table (one probe of its metadata, then the slot, in most lookups): its keys
// are views of cases_'s own keys, which do not move while their node lives (case files are never
// removed).
struct Model::CaseIndex {
  boost::unordered_flat_map<std::string_view, Cases::iterator> map;
};

void Model::CaseIndexDeleter::operator()(CaseIndex* index) const { delete index; }

CaseFile& Model::mutable_case(std::string_view application_id) {
  if (!case_index_) case_index_.reset(new CaseIndex);
  auto& index = case_index_->map;
  if (index.size() != cases_.size()) {
    index.clear();
    index.reserve(cases_.size());
    for (auto it = cases_.begin(); it != cases_.end(); ++it) index.emplace(it->first, it);
  }
  Cases::iterator it;
  if (last_case_ && (*last_case_)->first == application_id) {
    it = *last_case_;  // an application's events often come together
  } else if (auto found = index.find(application_id); found != index.end()) {
    it = found->second;
  } else {
    auto fresh = std::make_shared<CaseFile>();
    fresh->application_id = application_id;
    fresh->events.reserve(16);  // about as many as an application gathers
    fresh->parts.reserve(2);    // a dossier and a form
    it = cases_.emplace(std::string(application_id), std::move(fresh)).first;
    index.emplace(it->first, it);
    last_case_ = it;
    return const_cast<CaseFile&>(*it->second);
  }
  last_case_ = it;
  if (it->second.use_count() > 1) {
    it->second = std::make_shared<CaseFile>(*it->second);  // shared with a published snapshot: copy on write
  } else {
    std::atomic_thread_fence(std::memory_order_acquire);  // as in mutable_feeds()
  }
  // Created non-const above; only this model holds it now.
  return const_cast<CaseFile&>(*it->second);
}

const CallView* Model::call_of(const CaseFile& c) {
  // A call's cases come together in the log: the call found last is most often the one.
  if (last_call_ && last_call_->call_id == c.call_id) return last_call_;
  auto it = calls_.find(c.call_id);
  last_call_ = it == calls_.end() ? nullptr : &it->second;
  return last_call_;
}

Feed& Model::feed_in(Feeds& feeds, Name region) {
  for (auto& [r, feed] : feeds) {
    if (r == region) return feed;
  }
  auto at = std::find_if(feeds.begin(), feeds.end(), [&](const auto& f) { return region < f.first; });
  return feeds.emplace(at, region, Feed{})->second;
}

Model::Feeds& Model::mutable_feeds() {
  if (activity_.use_count() > 1) {
    activity_ = std::make_shared<const Feeds>(*activity_);
  } else {
    // The last snapshot that shared them may have been dropped on a reader's thread: its reads
    // happen before these writes.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  // Created non-const; only this model holds it now.
  return const_cast<Feeds&>(*activity_);
}

std::string_view ActivityItem::application_id() const {
  constexpr std::string_view kApplication = "application/";
  const std::string_view s = stream;
  return s.starts_with(kApplication) ? s.substr(kApplication.size()) : std::string_view();
}

void Model::record_activity(const Event& e, Name type, Name region) {
  auto& feeds = mutable_feeds();
  const Name actor_id(e.actor_id);
  const Name actor_role(e.actor_role);
  auto fill = [&](Feed& feed) {
    auto& item = feed.push();
    item.position = e.position;
    item.type = type;
    item.stream.assign(e.stream);
    item.recorded_at.assign(e.recorded_at);
    item.actor_id = actor_id;
    item.actor_role = actor_role;
    item.region = region;
  };
  fill(feed_in(feeds, Name()));
  if (!region.empty()) fill(feed_in(feeds, region));
}

void Model::apply(const Event& e) {
  position_ = e.position;
  hash_.bytes = e.hash;
  recorded_at_.assign(e.recorded_at);
  const TypeInfo info = type_of(e.type);
  const Kind kind = info.kind;
  const Name type = info.name;
  const Fields f(e);

  if (kind == Kind::call_opened) {
    CallView call;
    call.call_id = f.str(F::call_id);
    call.title = f.str(F::title);
    call.regions = f.strings(F::regions);
    call.quotas = f.integers(F::quotas);
    call.divergence_threshold_points = f.integer(F::divergence_threshold_points, 20);
    call.deadline_utc = f.str(F::deadline_utc);
    call.deadline_local = f.str(F::deadline_local);
    call.zone = f.str(F::zone);
    call.rules_version = f.str(F::rules_version);
    call.position = e.position;
    auto id = call.call_id;
    calls_[id] = std::move(call);
    last_call_ = nullptr;
    record_activity(e, type, {});
    return;
  }
  if (kind == Kind::organisation_registered) {
    OrganisationView o;
    o.organisation_id = f.str(F::organisation_id);
    o.legal_name = f.str(F::legal_name);
    o.legal_form = f.str(F::legal_form);
    o.registration_number = f.str(F::registration, "number");
    o.region = f.str(F::region);
    o.province = f.str(F::province);
    o.domains = f.strings(F::domains);
    const Name region(o.region);
    auto id = o.organisation_id;
    organisations_[id] = std::make_shared<const OrganisationView>(std::move(o));
    record_activity(e, type, region);
    return;
  }
  if (kind == Kind::selection_recorded) {
    const Name region(f.view(F::region));
    auto it = calls_.find(f.str(F::call_id));
    if (it != calls_.end()) {
      it->second.selections[region] = {e.position, {e.hash}, std::string(e.recorded_at), f.str(F::rationale)};
    }
    record_activity(e, type, region);
    return;
  }
  constexpr std::string_view kApplication = "application/";
  if (!e.stream.starts_with(kApplication)) return;  // access control, persons: not in these views

  const std::string_view id = e.stream.substr(kApplication.size());
  CaseFile& c = mutable_case(id);
  c.events.push_back({e.position, type, {e.hash}});
  // At most one decision per event.
  auto decide = [&](Name decision, std::string rationale, std::vector<EventLink> rests_on) -> DecisionRecord& {
    DecisionRecord& r = c.decisions.emplace_back();
    r.position = e.position;
    r.hash = {e.hash};
    r.type = type;
    r.decision = decision;
    r.recorded_at.assign(e.recorded_at);
    r.actor_id = Name(e.actor_id);
    r.actor_role = Name(e.actor_role);
    r.rationale = std::move(rationale);
    r.rules_version = Name(f.view(F::rules_version));
    if (r.rules_version.empty()) {
      if (const auto* cv = call_of(c)) r.rules_version = Name(cv->rules_version);
    }
    r.round = c.round;
    r.rests_on = std::move(rests_on);
    return r;
  };

  switch (kind) {
    case Kind::dossier_received:
    case Kind::form_received: {
      const bool dossier = kind == Kind::dossier_received;
      if (c.call_id.empty()) {
        c.call_id = f.str(F::call_id);
        c.organisation_id = f.str(F::organisation_id);
        c.registration_number = f.str(F::registration_number);
        c.region = f.str(F::region);
      }
      Part& p = c.parts.emplace_back();
      p.part = dossier ? "dossier" : "form";
      p.position = e.position;
      p.hash = {e.hash};
      p.received_at = f.str(F::received_at);
      p.late = f.boolean(F::late);
      if (dossier) {
        p.documents = f.documents(F::documents);
        p.missing_documents = f.strings(F::missing_documents);
      }
      mark_effective(c);
      break;
    }
    case Kind::documents_attached:
      for (auto& doc : f.documents(F::documents)) c.attachments.push_back(std::move(doc));
      break;
    case Kind::late_submission_accepted: {
      c.late_accepted = true;
      if (c.stage == "inadmissible") c.stage = "received";
      std::vector<EventLink> late_parts;
      for (const auto& p : c.parts) {
        if (p.effective && p.late) late_parts.push_back(link(p));
      }
      decide("late-accepted", f.str(F::reason), std::move(late_parts));
      c.last_decision = e.position;
      break;
    }
    case Kind::declared_inadmissible:
      c.stage = "inadmissible";
      decide("inadmissible", f.str(F::rationale), effective_parts(c));
      c.last_decision = e.position;
      break;
    case Kind::eligibility_assessed: {
      const bool eligible = f.boolean(F::eligible);
      c.stage = eligible ? "eligible" : "ineligible";
      c.eligibility_position = e.position;
      c.eligible = eligible;
      decide(eligible ? "eligible" : "ineligible", f.str(F::rationale), effective_parts(c));
      c.last_decision = e.position;
      break;
    }
    case Kind::evaluator_assigned: {
      EvaluatorWork& w = c.evaluators.emplace_back();
      w.evaluator_id = f.str(F::evaluator_id);
      w.round = static_cast<int>(f.integer(F::round, c.round));
      w.assigned_position = e.position;
      break;
    }
    case Kind::conflict_declared:
      if (auto* w = work_of(c, f.view(F::evaluator_id), static_cast<int>(f.integer(F::round, c.round)))) {
        w->declaration = f.boolean(F::conflict) ? "conflict" : "no_conflict";
        w->statement = f.str(F::statement);
        w->declared_position = e.position;
      }
      break;
    case Kind::score_submitted: {
      const auto evaluator = f.view(F::evaluator_id);
      const int round = static_cast<int>(f.integer(F::round, c.round));
      std::vector<EventLink> rests_on;
      if (auto* w = work_of(c, evaluator, round)) {
        w->scored = true;
        w->total_half_points = static_cast<int>(f.integer(F::total_half_points));
        w->scored_position = e.position;
        rests_on.push_back(link_of(c, w->assigned_position));
        if (w->declared_position) rests_on.push_back(link_of(c, w->declared_position));
      }
      auto& r = decide("score", "", std::move(rests_on));
      r.evaluator_id = evaluator;
      r.round = round;
      break;
    }
    case Kind::consensus_recorded: {
      c.consensus_position = e.position;
      std::vector<EventLink> scores;
      for (const auto& w : c.evaluators) {
        if (w.round == c.round && w.scored) scores.push_back(link_of(c, w.scored_position));
      }
      decide("consensus", f.str(F::rationale), std::move(scores));
      break;
    }
    case Kind::score_finalised: {
      c.final_score_position = e.position;
      c.final_half_points = f.points(F::final_half_points);
      c.relevance_half_points = f.points(F::relevance_half_points);
      c.stage = "scored";
      std::vector<EventLink> rests_on;
      for (const auto& w : c.evaluators) {
        if (w.round == c.round && w.scored) rests_on.push_back(link_of(c, w.scored_position));
      }
      if (c.consensus_position) rests_on.push_back(link_of(c, c.consensus_position));
      decide("final-score", f.str(F::rationale), std::move(rests_on));
      break;
    }
    case Kind::selected:
    case Kind::waitlisted: {
      const bool selected = kind == Kind::selected;
      c.stage = selected ? "selected" : "waiting";
      c.rank = static_cast<int>(f.integer(F::rank));
      c.of = static_cast<int>(f.integer(F::of));
      if (selected) {
        c.ever_selected = true;
        c.place_region = f.str(F::place_region);
        if (c.place_region.empty()) c.place_region = c.region;
      }
      std::vector<EventLink> rests_on;
      if (const auto* cv = call_of(c)) {
        auto it = cv->selections.find(c.region);
        if (it != cv->selections.end()) rests_on.push_back({it->second.position, "SelectionRecorded", it->second.hash});
      }
      if (c.final_score_position) rests_on.push_back(link_of(c, c.final_score_position));
      decide(selected ? "selected" : "waiting", f.str(F::rationale), std::move(rests_on));
      c.last_decision = e.position;
      break;
    }
    case Kind::withdrawn: {
      c.stage = "withdrawn";
      std::vector<EventLink> rests_on;
      if (c.last_decision) rests_on.push_back(link_of(c, c.last_decision));
      decide("withdrawn", f.str(F::reason), std::move(rests_on));
      c.last_decision = e.position;
      break;
    }
    case Kind::decision_notified: {
      c.notified_at = f.str(F::notified_at);
      c.appeal_deadline = f.str(F::appeal_deadline);
      std::vector<EventLink> rests_on;
      if (c.last_decision) rests_on.push_back(link_of(c, c.last_decision));
      decide("notified", "", std::move(rests_on));
      break;
    }
    case Kind::appeal_filed: {
      c.appeal = "filed";
      std::vector<EventLink> rests_on;
      for (auto it = c.decisions.rbegin(); it != c.decisions.rend(); ++it) {
        if (it->type == "DecisionNotified") {
          rests_on.push_back({it->position, it->type, it->hash});
          break;
        }
      }
      decide("appeal-filed", f.str(F::grounds), std::move(rests_on));
      break;
    }
    case Kind::appeal_decided: {
      const bool upheld = f.boolean(F::upheld);
      c.appeal = upheld ? "upheld" : "rejected";
      std::vector<EventLink> rests_on;
      for (auto it = c.decisions.rbegin(); it != c.decisions.rend(); ++it) {
        if (it->type == "AppealFiled") {
          rests_on.push_back({it->position, it->type, it->hash});
          break;
        }
      }
      decide(upheld ? "appeal-upheld" : "appeal-rejected", f.str(F::rationale), std::move(rests_on));
      c.last_decision = e.position;
      // As the AMI's rules have it: an upheld appeal re-examines the application in a new round,
      // unless it was selected or withdrawn since.
      if (upheld && c.stage != "selected" && c.stage != "withdrawn") {
        c.round = static_cast<int>(f.integer(F::next_round, c.round + 1));
        c.consensus_position = 0;
        c.final_score_position = 0;
        c.final_half_points = {};
        c.relevance_half_points = {};
        c.rank = 0;
        c.of = 0;
        if (c.stage == "inadmissible") {
          c.late_accepted = true;
          c.stage = "received";
        } else if (c.stage == "ineligible") {
          c.stage = "received";
        } else {
          c.stage = "eligible";
        }
      }
      break;
    }
    case Kind::record_corrected: {
      const auto corrected = static_cast<std::uint64_t>(f.integer(F::corrects_position));
      decide("correction", f.str(F::reason), {link_of(c, corrected)});
      break;
    }
    default:
      break;
  }
  record_activity(e, type, Name(c.region));
}

json::value Model::to_json() const {
  json::object cases;
  for (const auto& [id, c] : cases_) cases[id] = json::value_from(*c);
  json::object organisations;
  for (const auto& [id, o] : organisations_) organisations[id] = json::value_from(*o);
  json::object activity;
  for (const auto& [region, feed] : *activity_) {
    json::array items;
    for (std::size_t i = 0; i < feed.size(); ++i) items.push_back(json::value_from(feed[i]));
    activity[region.view()] = std::move(items);
  }
  return json::object{{"model_version", kModelVersion},
                      {"position", position_},
                      {"hash", hash_.hex()},
                      {"recorded_at", recorded_at_},
                      {"calls", json::value_from(calls_)},
                      {"organisations", std::move(organisations)},
                      {"cases", std::move(cases)},
                      {"activity", std::move(activity)}};
}

namespace {

// The case files go into the checkpoint in this many parts, each its own archive with its own
// SHA-256, so that they are read back on several threads at once, each checked before it is
// decoded (a damaged size could otherwise ask for gigabytes, or a damaged text be believed).
constexpr std::size_t kCaseParts = 4;

using CaseList = std::vector<std::pair<std::string, std::shared_ptr<const CaseFile>>>;

CaseList read_cases(std::string_view bytes) {
  util::MemoryBuffer buffer(bytes);
  std::istream in(&buffer);
  cereal::PortableBinaryInputArchive archive(in);
  std::uint64_t count = 0;
  archive(count);
  if (count > bytes.size()) throw std::runtime_error("a case count larger than its part");
  CaseList out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string id;
    auto c = std::make_shared<CaseFile>();
    archive(id, *c);
    out.emplace_back(std::move(id), std::move(c));
  }
  return out;
}

}  // namespace

// Layout: the size of the first section (8 bytes, little-endian) and its SHA-256 (32 bytes);
// the first section, an archive of {version, position, hash, recorded_at, calls, organisations,
// activity, the parts' sizes and SHA-256}; then the parts' bytes one after another (case files
// in id order, each part an archive of {count, (id, case file)...}). Every byte is checked
// against a SHA-256 before it is decoded.
constexpr std::size_t kPreamble = 8 + 32;
void Model::write_binary(std::ostream& out) const {
  std::vector<std::string> parts;
  const std::size_t per_part = (cases_.size() + kCaseParts - 1) / kCaseParts;
  auto it = cases_.begin();
  for (std::size_t p = 0; p < kCaseParts; ++p) {
    std::ostringstream bytes;
    {
      cereal::PortableBinaryOutputArchive archive(bytes);
      const auto n = std::min<std::size_t>(per_part, static_cast<std::size_t>(std::distance(it, cases_.end())));
      archive(static_cast<std::uint64_t>(n));
      for (std::size_t i = 0; i < n; ++i, ++it) archive(it->first, *it->second);
    }
    parts.push_back(std::move(bytes).str());
  }
  std::ostringstream first_bytes;
  {
    cereal::PortableBinaryOutputArchive archive(first_bytes);
    archive(kModelVersion, position_, hash_, recorded_at_, calls_);
    archive(static_cast<std::uint64_t>(organisations_.size()));
    for (const auto& [id, o] : organisations_) archive(id, *o);
    archive(static_cast<std::uint64_t>(activity_->size()));
    for (const auto& [region, feed] : *activity_) {
      archive(region, static_cast<std::uint64_t>(feed.size()));
      for (std::size_t i = 0; i < feed.size(); ++i) archive(feed[i]);
    }
    archive(static_cast<std::uint64_t>(parts.size()));
    for (const auto& part : parts) archive(static_cast<std::uint64_t>(part.size()), store::to_hex(store::sha256(part)));
  }
  const auto first = std::move(first_bytes).str();
  char size[8];
  for (std::size_t i = 0; i < 8; ++i) size[i] = static_cast<char>((first.size() >> (8 * i)) & 0xff);
  const auto digest = store::sha256(first);
  out.write(size, sizeof size);
  out.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  out.write(first.data(), static_cast<std::streamsize>(first.size()));
  for (const auto& part : parts) out.write(part.data(), static_cast<std::streamsize>(part.size()));
}

Result<Model> Model::read_binary(std::string_view all) {
  try {
    if (all.size() < kPreamble) throw std::runtime_error("it is cut short");
    std::uint64_t first_size = 0;
    for (std::size_t i = 0; i < 8; ++i) first_size |= std::uint64_t{static_cast<unsigned char>(all[i])} << (8 * i);
    if (first_size > all.size() - kPreamble) throw std::runtime_error("it is cut short");
    const auto first = all.substr(kPreamble, first_size);
    const auto digest = store::sha256(first);
    if (!std::equal(digest.begin(), digest.end(), reinterpret_cast<const unsigned char*>(all.data()) + 8))
      throw std::runtime_error("its first section does not match its SHA-256");
    util::MemoryBuffer buffer(first);
    std::istream in(&buffer);
    cereal::PortableBinaryInputArchive archive(in);
    int version = 0;
    archive(version);
    if (version != kModelVersion) return Status::data_loss("another model version");
    Model m;
    archive(m.position_, m.hash_, m.recorded_at_, m.calls_);
    std::uint64_t organisations = 0;
    archive(organisations);
    if (organisations > first.size()) throw std::runtime_error("more organisations than bytes");
    for (std::uint64_t i = 0; i < organisations; ++i) {
      std::string id;
      OrganisationView o;
      archive(id, o);
      m.organisations_.emplace_hint(m.organisations_.end(), std::move(id),
                                    std::make_shared<const OrganisationView>(std::move(o)));
    }
    std::uint64_t count = 0;
    archive(count);
    auto& feeds = m.mutable_feeds();
    for (std::uint64_t i = 0; i < count; ++i) {
      Name region;
      std::uint64_t items = 0;
      archive(region, items);
      if (items > kActivity) throw std::runtime_error("an activity feed longer than kept");
      auto& feed = feed_in(feeds, region);
      for (std::uint64_t j = 0; j < items; ++j) {
        ActivityItem item;
        archive(item);
        feed.append_older(std::move(item));
      }
    }
    archive(count);
    if (count != kCaseParts) throw std::runtime_error("not " + std::to_string(kCaseParts) + " parts of case files");
    std::vector<std::pair<std::uint64_t, std::string>> sizes(count);
    for (auto& [size, sha] : sizes) archive(size, sha);
    // The parts, read whole, then each checked and decoded on a thread of its own.
    if (buffer.consumed() != first.size()) throw std::runtime_error("bytes after its first section");
    const auto rest = all.substr(kPreamble + first_size);
    std::vector<std::string_view> bytes;
    std::uint64_t at = 0;
    for (const auto& [size, sha] : sizes) {
      if (size > rest.size() - at) throw std::runtime_error("a part of the case files is cut short");
      bytes.push_back(rest.substr(at, size));
      at += size;
    }
    if (at != rest.size()) throw std::runtime_error("bytes after the last part of the case files");
    std::vector<std::future<CaseList>> decoded;
    for (std::size_t p = 0; p < bytes.size(); ++p) {
      decoded.push_back(std::async(p == 0 ? std::launch::deferred : std::launch::async, [&, p] {
        if (store::to_hex(store::sha256(bytes[p])) != sizes[p].second)
          throw std::runtime_error("a part of the case files does not match its SHA-256");
        return read_cases(bytes[p]);
      }));
    }
    for (auto& part : decoded) {
      for (auto& [id, c] : part.get()) m.cases_.emplace_hint(m.cases_.end(), std::move(id), std::move(c));
    }
    return m;
  } catch (const std::exception& ex) {
    return Status::data_loss(std::string("the read model checkpoint does not read back: ") + ex.what());
  }
}

}  // namespace sijill::projections
