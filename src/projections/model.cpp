#include "sijill/projections/model.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <future>
#include <istream>
#include <sstream>
#include <stdexcept>
#include <streambuf>

#include <simdjson.h>
#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "sijill/store/record.h"
#include "sijill/util/versioned_bytes.h"

namespace sijill::projections {

// Field lists for Boost.JSON's conversions (value_from / value_to). The order is the order of
// the serialised members.
BOOST_DESCRIBE_STRUCT(EventLink, (), (position, type, hash))
BOOST_DESCRIBE_STRUCT(Document, (), (kind, name, sha256, size))
BOOST_DESCRIBE_STRUCT(Part, (),
                      (part, position, hash, received_at, late, effective, documents, missing_documents, answers))
BOOST_DESCRIBE_STRUCT(EvaluatorWork, (),
                      (evaluator_id, round, assigned_position, declaration, statement, declared_position, scored,
                       total_half_points, scores, scored_position))
BOOST_DESCRIBE_STRUCT(DecisionRecord, (),
                      (position, hash, type, decision, recorded_at, actor_id, actor_role, rationale, rules_version,
                       evaluator_id, round, rests_on, data))
BOOST_DESCRIBE_STRUCT(CaseFile, (),
                      (application_id, call_id, organisation_id, registration_number, region, place_region, stage,
                       round, late, late_accepted, complete_at, parts, attachments, eligibility, evaluators, consensus,
                       final_score, rank, of, ever_selected, appeal, notified_at, appeal_deadline, last_decision,
                       decisions, events))
BOOST_DESCRIBE_STRUCT(SelectionRef, (), (position, hash, recorded_at, rationale))
BOOST_DESCRIBE_STRUCT(CallView, (),
                      (call_id, title, regions, quotas, divergence_threshold_points, deadline_utc, deadline_local, zone,
                       rules_version, position, selections))
BOOST_DESCRIBE_STRUCT(OrganisationView, (),
                      (organisation_id, legal_name, legal_form, registration_number, region, province, domains))
BOOST_DESCRIBE_STRUCT(ActivityItem, (),
                      (position, type, stream, recorded_at, actor_id, actor_role, region, application_id))

template <class Archive>
void serialize(Archive& archive, JsonText& t) {
  archive(t.text);
}

// The checkpoints' binary form (cereal's portable binary archive): every described struct
// member by member, in the order above. JSON values are written as tagged values (below),
// JsonText as its text.
template <class Archive, class T, std::enable_if_t<boost::describe::has_describe_members<T>::value, int> = 0>
void serialize(Archive& archive, T& t) {
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) { archive(t.*member.pointer); });
}

}  // namespace sijill::projections

namespace boost::json {

// A JSON value in the checkpoints: a kind, then its content, recursively (no text to parse
// back). Kinds: 0 null, 1 false, 2 true, 3 int64, 4 uint64, 5 double, 6 string, 7 array, 8 object.
template <class Archive>
void save(Archive& archive, const value& v) {
  switch (v.kind()) {
    case kind::null:
      archive(std::uint8_t{0});
      break;
    case kind::bool_:
      archive(static_cast<std::uint8_t>(v.get_bool() ? 2 : 1));
      break;
    case kind::int64:
      archive(std::uint8_t{3}, v.get_int64());
      break;
    case kind::uint64:
      archive(std::uint8_t{4}, v.get_uint64());
      break;
    case kind::double_:
      archive(std::uint8_t{5}, v.get_double());
      break;
    case kind::string:
      archive(std::uint8_t{6}, std::string(v.get_string()));
      break;
    case kind::array:
      archive(std::uint8_t{7}, static_cast<std::uint64_t>(v.get_array().size()));
      for (const auto& item : v.get_array()) save(archive, item);
      break;
    case kind::object:
      archive(std::uint8_t{8}, static_cast<std::uint64_t>(v.get_object().size()));
      for (const auto& member : v.get_object()) {
        archive(std::string(member.key()));
        save(archive, member.value());
      }
      break;
  }
}

template <class Archive>
void load(Archive& archive, value& v) {
  std::uint8_t kind = 0;
  archive(kind);
  switch (kind) {
    case 0:
      v = nullptr;
      return;
    case 1:
    case 2:
      v = kind == 2;
      return;
    case 3: {
      std::int64_t n = 0;
      archive(n);
      v = n;
      return;
    }
    case 4: {
      std::uint64_t n = 0;
      archive(n);
      v = n;
      return;
    }
    case 5: {
      double n = 0;
      archive(n);
      v = n;
      return;
    }
    case 6: {
      std::string text;
      archive(text);
      v = string(text);
      return;
    }
    case 7: {
      std::uint64_t size = 0;
      archive(size);
      auto& out = v.emplace_array();
      out.reserve(size);
      for (std::uint64_t i = 0; i < size; ++i) load(archive, out.emplace_back(nullptr));
      return;
    }
    case 8: {
      std::uint64_t size = 0;
      archive(size);
      auto& out = v.emplace_object();
      out.reserve(size);
      for (std::uint64_t i = 0; i < size; ++i) {
        std::string key;
        archive(key);
        load(archive, out[key]);
      }
      return;
    }
    default:
      throw std::runtime_error("a JSON value of unknown kind " + std::to_string(kind));
  }
}

}  // namespace boost::json

namespace sijill::projections {

namespace {

namespace json = boost::json;

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}
std::int64_t integer(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  // Numbers read back from JSON are int64; those the projection put in itself may be uint64.
  if (auto n = it->value().if_int64()) return *n;
  if (auto u = it->value().if_uint64()) return static_cast<std::int64_t>(*u);
  return fallback;
}
bool boolean(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().get_bool();
}
// A copy in the default memory (the event's may be an arena that goes after it is applied).
json::value member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() ? json::value(it->value(), json::storage_ptr()) : json::value();
}
std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& v : it->value().get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}
std::vector<Document> documents(const json::object& o, std::string_view key) {
  std::vector<Document> out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& v : it->value().get_array()) {
    if (!v.is_object()) continue;
    const auto& d = v.get_object();
    out.push_back({str(d, "kind"), str(d, "name"), str(d, "sha256"), static_cast<std::uint64_t>(integer(d, "size"))});
  }
  return out;
}

EventLink link(const Part& p) { return {p.position, p.part == "dossier" ? "DossierReceived" : "FormReceived", p.hash}; }
EventLink link_of(const CaseFile& c, std::uint64_t position) {
  for (const auto& r : c.events) {
    if (r.position == position) return {r.position, r.type, r.hash};
  }
  return {position, "", ""};
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

EvaluatorWork* work_of(CaseFile& c, const std::string& evaluator, int round) {
  for (auto& w : c.evaluators) {
    if (w.evaluator_id == evaluator && w.round == round) return &w;
  }
  return nullptr;
}

const Model::Feed kNoActivity;

}  // namespace

namespace {

// A value parsed by simdjson, rebuilt as a Boost.JSON value in `storage`. The log's records are
// parsed with simdjson (several times faster than Boost.JSON's own parser on them); the model
// keeps Boost.JSON values, like the rest of the server.
json::value to_boost(simdjson::dom::element element, const json::storage_ptr& storage) {
  using Type = simdjson::dom::element_type;
  switch (element.type()) {
    case Type::OBJECT: {
      const auto object = element.get_object().value_unsafe();
      json::object out(storage);
      out.reserve(object.size());
      for (const auto member : object) out.emplace(member.key, to_boost(member.value, storage));
      return out;
    }
    case Type::ARRAY: {
      const auto array = element.get_array().value_unsafe();
      json::array out(storage);
      out.reserve(array.size());
      for (const auto item : array) out.push_back(to_boost(item, storage));
      return out;
    }
    case Type::STRING:
      return json::string(element.get_string().value_unsafe(), storage);
    case Type::INT64:
      return json::value(element.get_int64().value_unsafe(), storage);
    case Type::UINT64:
      return json::value(element.get_uint64().value_unsafe(), storage);
    case Type::DOUBLE:
      return json::value(element.get_double().value_unsafe(), storage);
    case Type::BOOL:
      return json::value(element.get_bool().value_unsafe(), storage);
    case Type::NULL_VALUE:
      break;
  }
  return json::value(nullptr, storage);
}

std::string text_of(simdjson::dom::object object, std::string_view key) {
  std::string_view v;
  return object[key].get(v) ? std::string() : std::string(v);
}

}  // namespace

Result<Event> Event::from_record(const store::Record& record, json::storage_ptr storage) {
  // The parser and a padded copy of the record (simdjson reads a little past the end), both
  // reused from record to record.
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  if (padded.size() < record.bytes.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(record.bytes.size() + simdjson::SIMDJSON_PADDING);
  }
  std::copy(record.bytes.begin(), record.bytes.end(), padded.begin());
  simdjson::dom::object o;
  if (parser.parse(padded.data(), record.bytes.size(), false).get_object().get(o)) {
    return Status::data_loss("record " + std::to_string(record.position) + " is not JSON");
  }
  Event e;
  e.position = record.position;
  e.hash = store::to_hex(record.hash);
  e.stream = text_of(o, "stream");
  std::uint64_t version = 0;
  if (!o["version"].get(version)) e.version = version;
  e.type = text_of(o, "type");
  e.recorded_at = text_of(o, "recorded_at");
  simdjson::dom::object actor;
  if (!o["actor"].get(actor)) {
    e.actor_id = text_of(actor, "id");
    e.actor_role = text_of(actor, "role");
  }
  simdjson::dom::element data;
  if (!o["data"].get(data) && data.is_object()) {
    e.data_text = simdjson::minify(data);
    auto value = to_boost(data, storage);
    e.data = json::object(storage);  // the same memory as the value's: a move, not a copy
    e.data = std::move(value.get_object());
  }
  return e;
}

json::value JsonText::parse() const { return text.empty() ? json::value() : json::parse(text); }

void tag_invoke(const json::value_from_tag&, json::value& out, const JsonText& in) { out = in.parse(); }

const CaseFile* Model::case_file(std::string_view application_id) const {
  auto it = cases_.find(std::string(application_id));
  return it == cases_.end() ? nullptr : it->second.get();
}

const Model::Feed& Model::activity(const std::string& region) const {
  auto it = activity_.find(region);
  return it == activity_.end() ? kNoActivity : it->second;
}

CaseFile& Model::mutable_case(const std::string& application_id) {
  auto& slot = cases_[application_id];
  if (!slot) {
    auto fresh = std::make_shared<CaseFile>();
    fresh->application_id = application_id;
    slot = std::move(fresh);
  } else if (slot.use_count() > 1) {
    slot = std::make_shared<CaseFile>(*slot);  // shared with a published snapshot: copy on write
  }
  // Created non-const above; only this model holds it now.
  return const_cast<CaseFile&>(*slot);
}

void Model::record_activity(const Event& e, const std::string& region, const std::string& application_id) {
  auto item = std::make_shared<const ActivityItem>(
      ActivityItem{e.position, e.type, e.stream, e.recorded_at, e.actor_id, e.actor_role, region, application_id});
  auto push = [&](const std::string& key) {
    auto& feed = activity_[key];
    feed.push_front(item);
    if (feed.size() > kActivity) feed.pop_back();
  };
  push("");
  if (!region.empty()) push(region);
}

void Model::apply(const Event& e) {
  if (auto* decision = apply_event(e)) decision->data.text = e.data_text;
}

void Model::apply(Event&& e) {
  if (auto* decision = apply_event(e)) decision->data.text = std::move(e.data_text);
}

DecisionRecord* Model::apply_event(const Event& e) {
  position_ = e.position;
  hash_ = e.hash;
  recorded_at_ = e.recorded_at;
  const auto& d = e.data;

  if (e.type == "CallOpened") {
    CallView call;
    call.call_id = str(d, "call_id");
    call.title = str(d, "title");
    call.regions = strings(d, "regions");
    if (auto it = d.find("quotas"); it != d.end() && it->value().is_object()) {
      for (const auto& [region, quota] : it->value().get_object()) {
        if (quota.is_int64()) call.quotas[std::string(region)] = quota.get_int64();
      }
    }
    call.divergence_threshold_points = integer(d, "divergence_threshold_points", 20);
    call.deadline_utc = str(d, "deadline_utc");
    call.deadline_local = str(d, "deadline_local");
    call.zone = str(d, "zone");
    call.rules_version = str(d, "rules_version");
    call.position = e.position;
    auto id = call.call_id;
    calls_[id] = std::move(call);
    record_activity(e, "", "");
    return nullptr;
  }
  if (e.type == "OrganisationRegistered") {
    OrganisationView o;
    o.organisation_id = str(d, "organisation_id");
    o.legal_name = str(d, "legal_name");
    o.legal_form = str(d, "legal_form");
    if (auto it = d.find("registration"); it != d.end() && it->value().is_object()) {
      o.registration_number = str(it->value().get_object(), "number");
    }
    o.region = str(d, "region");
    o.province = str(d, "province");
    o.domains = strings(d, "domains");
    auto region = o.region;
    auto id = o.organisation_id;
    organisations_[id] = std::move(o);
    record_activity(e, region, "");
    return nullptr;
  }
  if (e.type == "SelectionRecorded") {
    auto it = calls_.find(str(d, "call_id"));
    if (it != calls_.end()) {
      it->second.selections[str(d, "region")] = {e.position, e.hash, e.recorded_at, str(d, "rationale")};
    }
    record_activity(e, str(d, "region"), "");
    return nullptr;
  }
  if (!e.stream.starts_with("application/")) return nullptr;  // access control, persons: not in these views

  const std::string id = e.stream.substr(12);
  CaseFile& c = mutable_case(id);
  c.events.push_back({e.position, e.type, e.hash});
  auto call = [&]() -> const CallView* {
    auto it = calls_.find(c.call_id);
    return it == calls_.end() ? nullptr : &it->second;
  };
  // At most one decision per event; its data is set by apply() (copied or moved from the event).
  std::size_t decided = 0;
  auto decide = [&](std::string decision, std::string rationale, std::vector<EventLink> rests_on) -> DecisionRecord& {
    DecisionRecord r;
    r.position = e.position;
    r.hash = e.hash;
    r.type = e.type;
    r.decision = std::move(decision);
    r.recorded_at = e.recorded_at;
    r.actor_id = e.actor_id;
    r.actor_role = e.actor_role;
    r.rationale = std::move(rationale);
    r.rules_version = str(d, "rules_version");
    if (r.rules_version.empty()) {
      if (const auto* cv = call()) r.rules_version = cv->rules_version;
    }
    r.round = c.round;
    r.rests_on = std::move(rests_on);
    c.decisions.push_back(std::move(r));
    decided = c.decisions.size();
    return c.decisions.back();
  };

  if (e.type == "DossierReceived" || e.type == "FormReceived") {
    const bool dossier = e.type == "DossierReceived";
    if (c.call_id.empty()) {
      c.call_id = str(d, "call_id");
      c.organisation_id = str(d, "organisation_id");
      c.registration_number = str(d, "registration_number");
      c.region = str(d, "region");
    }
    Part p;
    p.part = dossier ? "dossier" : "form";
    p.position = e.position;
    p.hash = e.hash;
    p.received_at = str(d, "received_at");
    p.late = boolean(d, "late");
    if (dossier) {
      p.documents = documents(d, "documents");
      p.missing_documents = strings(d, "missing_documents");
    } else {
      p.answers = member(d, "answers");
    }
    c.parts.push_back(std::move(p));
    mark_effective(c);
  } else if (e.type == "DocumentsAttached") {
    for (auto& doc : documents(d, "documents")) c.attachments.push_back(std::move(doc));
  } else if (e.type == "LateSubmissionAccepted") {
    c.late_accepted = true;
    if (c.stage == "inadmissible") c.stage = "received";
    std::vector<EventLink> late_parts;
    for (const auto& p : c.parts) {
      if (p.effective && p.late) late_parts.push_back(link(p));
    }
    decide("late-accepted", str(d, "reason"), std::move(late_parts));
    c.last_decision = e.position;
  } else if (e.type == "ApplicationDeclaredInadmissible") {
    c.stage = "inadmissible";
    decide("inadmissible", str(d, "rationale"), effective_parts(c));
    c.last_decision = e.position;
  } else if (e.type == "EligibilityAssessed") {
    const bool eligible = boolean(d, "eligible");
    c.stage = eligible ? "eligible" : "ineligible";
    c.eligibility = json::object{{"eligible", eligible},
                                 {"criteria", member(d, "criteria")},
                                 {"rationale", str(d, "rationale")},
                                 {"position", static_cast<std::int64_t>(e.position)},
                                 {"round", c.round}};
    decide(eligible ? "eligible" : "ineligible", str(d, "rationale"), effective_parts(c));
    c.last_decision = e.position;
  } else if (e.type == "EvaluatorAssigned") {
    EvaluatorWork w;
    w.evaluator_id = str(d, "evaluator_id");
    w.round = static_cast<int>(integer(d, "round", c.round));
    w.assigned_position = e.position;
    c.evaluators.push_back(std::move(w));
  } else if (e.type == "ConflictOfInterestDeclared") {
    const auto evaluator = str(d, "evaluator_id");
    if (auto* w = work_of(c, evaluator, static_cast<int>(integer(d, "round", c.round)))) {
      w->declaration = boolean(d, "conflict") ? "conflict" : "no_conflict";
      w->statement = str(d, "statement");
      w->declared_position = e.position;
    }
  } else if (e.type == "ScoreSubmitted") {
    const auto evaluator = str(d, "evaluator_id");
    const int round = static_cast<int>(integer(d, "round", c.round));
    std::vector<EventLink> rests_on;
    if (auto* w = work_of(c, evaluator, round)) {
      w->scored = true;
      w->total_half_points = static_cast<int>(integer(d, "total_half_points"));
      w->scores = member(d, "scores");
      w->scored_position = e.position;
      rests_on.push_back(link_of(c, w->assigned_position));
      if (w->declared_position) rests_on.push_back(link_of(c, w->declared_position));
    }
    auto& r = decide("score", "", std::move(rests_on));
    r.evaluator_id = evaluator;
    r.round = round;
  } else if (e.type == "ConsensusRecorded") {
    c.consensus = json::object{{"total_half_points", integer(d, "total_half_points")},
                               {"rationale", str(d, "rationale")},
                               {"position", static_cast<std::int64_t>(e.position)},
                               {"round", c.round}};
    std::vector<EventLink> scores;
    for (const auto& w : c.evaluators) {
      if (w.round == c.round && w.scored) scores.push_back(link_of(c, w.scored_position));
    }
    decide("consensus", str(d, "rationale"), std::move(scores));
  } else if (e.type == "ScoreFinalised") {
    json::object final_score(d, json::storage_ptr());
    final_score["position"] = static_cast<std::int64_t>(e.position);
    c.final_score = std::move(final_score);
    c.stage = "scored";
    std::vector<EventLink> rests_on;
    for (const auto& w : c.evaluators) {
      if (w.round == c.round && w.scored) rests_on.push_back(link_of(c, w.scored_position));
    }
    if (c.consensus.is_object()) {
      rests_on.push_back(link_of(c, static_cast<std::uint64_t>(integer(c.consensus.get_object(), "position"))));
    }
    decide("final-score", str(d, "rationale"), std::move(rests_on));
  } else if (e.type == "ApplicationSelected" || e.type == "ApplicationWaitlisted") {
    const bool selected = e.type == "ApplicationSelected";
    c.stage = selected ? "selected" : "waiting";
    c.rank = static_cast<int>(integer(d, "rank"));
    c.of = static_cast<int>(integer(d, "of"));
    if (selected) {
      c.ever_selected = true;
      c.place_region = str(d, "place_region");
      if (c.place_region.empty()) c.place_region = c.region;
    }
    std::vector<EventLink> rests_on;
    if (const auto* cv = call()) {
      auto it = cv->selections.find(c.region);
      if (it != cv->selections.end()) rests_on.push_back({it->second.position, "SelectionRecorded", it->second.hash});
    }
    if (c.final_score.is_object()) {
      rests_on.push_back(link_of(c, static_cast<std::uint64_t>(integer(c.final_score.get_object(), "position"))));
    }
    decide(selected ? "selected" : "waiting", str(d, "rationale"), std::move(rests_on));
    c.last_decision = e.position;
  } else if (e.type == "ApplicationWithdrawn") {
    c.stage = "withdrawn";
    std::vector<EventLink> rests_on;
    if (c.last_decision) rests_on.push_back(link_of(c, c.last_decision));
    decide("withdrawn", str(d, "reason"), std::move(rests_on));
    c.last_decision = e.position;
  } else if (e.type == "DecisionNotified") {
    c.notified_at = str(d, "notified_at");
    c.appeal_deadline = str(d, "appeal_deadline");
    std::vector<EventLink> rests_on;
    if (c.last_decision) rests_on.push_back(link_of(c, c.last_decision));
    decide("notified", "", std::move(rests_on));
  } else if (e.type == "AppealFiled") {
    c.appeal = "filed";
    std::vector<EventLink> rests_on;
    for (auto it = c.decisions.rbegin(); it != c.decisions.rend(); ++it) {
      if (it->type == "DecisionNotified") {
        rests_on.push_back({it->position, it->type, it->hash});
        break;
      }
    }
    decide("appeal-filed", str(d, "grounds"), std::move(rests_on));
  } else if (e.type == "AppealDecided") {
    const bool upheld = boolean(d, "upheld");
    c.appeal = upheld ? "upheld" : "rejected";
    std::vector<EventLink> rests_on;
    for (auto it = c.decisions.rbegin(); it != c.decisions.rend(); ++it) {
      if (it->type == "AppealFiled") {
        rests_on.push_back({it->position, it->type, it->hash});
        break;
      }
    }
    decide(upheld ? "appeal-upheld" : "appeal-rejected", str(d, "rationale"), std::move(rests_on));
    c.last_decision = e.position;
    // As the AMI's rules have it: an upheld appeal re-examines the application in a new round,
    // unless it was selected or withdrawn since.
    if (upheld && c.stage != "selected" && c.stage != "withdrawn") {
      c.round = static_cast<int>(integer(d, "next_round", c.round + 1));
      c.consensus = nullptr;
      c.final_score = nullptr;
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
  } else if (e.type == "RecordCorrected") {
    const auto corrected = static_cast<std::uint64_t>(integer(d, "corrects_position"));
    decide("correction", str(d, "reason"), {link_of(c, corrected)});
  }
  record_activity(e, c.region, id);
  return decided ? &c.decisions[decided - 1] : nullptr;
}

json::value Model::to_json() const {
  json::object cases;
  for (const auto& [id, c] : cases_) cases[id] = json::value_from(*c);
  json::object activity;
  for (const auto& [region, feed] : activity_) {
    json::array items;
    for (const auto& item : feed) items.push_back(json::value_from(*item));
    activity[region] = std::move(items);
  }
  return json::object{{"model_version", kModelVersion},
                      {"position", position_},
                      {"hash", hash_},
                      {"recorded_at", recorded_at_},
                      {"calls", json::value_from(calls_)},
                      {"organisations", json::value_from(organisations_)},
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
    archive(kModelVersion, position_, hash_, recorded_at_, calls_, organisations_);
    archive(static_cast<std::uint64_t>(activity_.size()));
    for (const auto& [region, feed] : activity_) {
      archive(region, static_cast<std::uint64_t>(feed.size()));
      for (const auto& item : feed) archive(*item);
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
    archive(m.position_, m.hash_, m.recorded_at_, m.calls_, m.organisations_);
    std::uint64_t count = 0;
    archive(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      std::string region;
      std::uint64_t items = 0;
      archive(region, items);
      if (items > kActivity) throw std::runtime_error("an activity feed longer than kept");
      auto& feed = m.activity_[region];
      for (std::uint64_t j = 0; j < items; ++j) {
        ActivityItem item;
        archive(item);
        feed.push_back(std::make_shared<const ActivityItem>(std::move(item)));
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
