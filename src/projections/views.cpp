#include "sijill/projections/views.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include <boost/json.hpp>

#include "sijill/domain/ami/ranking.h"
#include "sijill/time/instant.h"
#include "sijill/time/zone.h"
#include "sijill/util/embedded.h"

namespace sijill::projections {

namespace json = boost::json;

namespace {

const json::object& targets_config() {
  static const json::object config =
      json::parse(embedded::files().at("schemas/programmes/cap-2026-targets.json")).as_object();
  return config;
}

std::int64_t integer(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  // Numbers read back from JSON are int64; those the projection put in itself may be uint64.
  if (auto n = it->value().if_int64()) return *n;
  if (auto u = it->value().if_uint64()) return static_cast<std::int64_t>(*u);
  return fallback;
}
std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

domain::ami::Fraction fraction(const json::value& v) {
  if (!v.is_object()) return {};
  const auto& o = v.get_object();
  return {integer(o, "numerator"), std::max<std::int64_t>(1, integer(o, "denominator", 1))};
}
domain::ami::Fraction fraction(const Points& p) {
  if (p.denominator == 0) return {};
  return {p.numerator, std::max<std::int64_t>(1, p.denominator)};
}
json::value points_json(const Points& p) {
  if (p.denominator == 0) return nullptr;
  return json::object{{"numerator", p.numerator}, {"denominator", p.denominator}};
}

// Points for reading: half points / 2, with two decimals (the exact fraction travels beside it).
std::string points_text(const domain::ami::Fraction& f) {
  // hundredths of a point, rounded half up: numerator * 100 / (2 * denominator)
  const std::int64_t num = f.numerator * 100;
  const std::int64_t den = 2 * f.denominator;
  std::int64_t hundredths = (2 * num + den) / (2 * den);
  std::string whole = std::to_string(hundredths / 100);
  std::string frac = std::to_string(hundredths % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return whole + "." + frac;
}

void put_instant(json::object& o, std::string_view key, const std::string& utc) {
  o[key] = utc;
  o[std::string(key) + "_local"] = local_time(utc);
}

json::object actor_json(const std::string& id, const std::string& role) {
  return json::object{{"id", id}, {"role", role}};
}

bool has_scored(const CaseFile& c, const std::string& evaluator) {
  return std::any_of(c.evaluators.begin(), c.evaluators.end(),
                     [&](const EvaluatorWork& w) { return w.evaluator_id == evaluator && w.scored; });
}

// What an evaluator who has not scored yet may not see of others' work.
bool hidden(const CaseFile& c, const Viewer& viewer, const std::string& evaluator) {
  return viewer.evaluator && evaluator != viewer.id && !has_scored(c, viewer.id);
}

bool diverging(const CaseFile& c, const Model& model) {
  if (c.final_score_position || c.consensus_position) return false;
  int lo = 0, hi = 0, n = 0;
  for (const auto& w : c.evaluators) {
    if (w.round != c.round || !w.scored) continue;
    lo = n ? std::min(lo, w.total_half_points) : w.total_half_points;
    hi = n ? std::max(hi, w.total_half_points) : w.total_half_points;
    ++n;
  }
  std::int64_t threshold = 20;
  if (auto it = model.calls().find(c.call_id); it != model.calls().end()) {
    threshold = it->second.divergence_threshold_points;
  }
  return n >= 2 && hi - lo > threshold * 2;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

const OrganisationView* organisation_of(const Model& model, const CaseFile& c) {
  auto it = model.organisations().find(c.organisation_id);
  return it == model.organisations().end() ? nullptr : it->second.get();
}

json::value links_json(const std::vector<EventLink>& links) {
  json::array out;
  for (const auto& l : links)
    out.push_back(json::object{{"position", l.position}, {"type", l.type.view()}, {"hash", l.hash.hex()}});
  return out;
}

}  // namespace

std::string local_time(std::string_view utc) {
  if (utc.empty()) return {};
  static const auto zone = time::Zone::locate();
  auto t = time::parse_instant(utc);
  if (!t || !zone) return {};
  return time::format_local(*t, *zone);
}

namespace {

// The cascade funding's lines: each envelope, and what is awarded and paid on it. No event
// records an award or a tranche yet (they come with the cascade funding's rules), so nothing is
// awarded; with `awards`, each line lists its awards (none).
json::array money_lines(const json::object& config, bool awards) {
  json::array lines;
  for (const auto& l : config.at("lines").as_array()) {
    const auto& lo = l.as_object();
    const auto envelope = integer(lo, "envelope_cents");
    json::object line{{"line", str(lo, "line")}, {"label", str(lo, "label")}, {"envelope_cents", envelope},
                      {"awarded_cents", 0},      {"paid_cents", 0},           {"remaining_cents", envelope}};
    if (awards) line["awards"] = json::array();
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

json::object dashboard(const Model& model, const std::string& region) {
  const auto& config = targets_config();
  struct Pipeline {
    std::int64_t received = 0, complete = 0, late = 0, inadmissible = 0, eligible = 0, ineligible = 0, scored = 0,
                 selected = 0, waiting = 0, withdrawn = 0, appealed = 0;
  };
  struct Evaluation {
    std::int64_t assignments = 0, declared = 0, conflicts = 0, scores = 0, diverging = 0, finalised = 0;
  };
  // One evaluator's assignments in the current round of the applications in view.
  struct Workload {
    std::int64_t assigned = 0, declared = 0, conflicts = 0, scored = 0, to_score = 0;
  };
  Pipeline p;
  Evaluation ev;
  std::map<std::string, Workload> workload;
  std::map<std::string, Pipeline> per_region;
  std::set<std::string> regions;
  std::map<std::string, std::int64_t> quotas;
  for (const auto& [id, call] : model.calls()) {
    for (const auto& r : call.regions) regions.insert(r);
    for (const auto& [r, q] : call.quotas) quotas[r] += q;
  }
  for (const auto& [id, ptr] : model.cases()) {
    const CaseFile& c = *ptr;
    const bool eligible = c.eligibility_position && c.eligible;
    auto count = [&](Pipeline& q) {
      ++q.received;
      if (!c.complete_at.empty()) ++q.complete;
      if (c.late) ++q.late;
      if (c.stage == "inadmissible") ++q.inadmissible;
      if (eligible) ++q.eligible;
      if (c.stage == "ineligible") ++q.ineligible;
      if (c.final_score_position) ++q.scored;
      if (c.stage == "withdrawn") ++q.withdrawn;
      if (!c.appeal.empty()) ++q.appealed;
    };
    auto& rp = per_region[c.region];
    count(rp);
    // A selected application counts where its place is (a freed place filled from another region).
    if (c.stage == "selected") ++per_region[c.place_region.empty() ? c.region : c.place_region].selected;
    if (c.stage == "waiting") ++rp.waiting;
    if (!region.empty() && c.region != region) continue;
    count(p);
    if (c.stage == "waiting") ++p.waiting;
    for (const auto& w : c.evaluators) {
      if (w.round != c.round) continue;
      auto& load = workload[w.evaluator_id];
      ++ev.assignments;
      ++load.assigned;
      if (w.declaration != "none") {
        ++ev.declared;
        ++load.declared;
      }
      if (w.declaration == "conflict") {
        ++ev.conflicts;
        ++load.conflicts;
      }
      if (w.scored) {
        ++ev.scores;
        ++load.scored;
      } else if (w.declaration == "no_conflict") {
        ++load.to_score;
      }
    }
    if (diverging(c, model)) ++ev.diverging;
    if (c.final_score_position) ++ev.finalised;
  }
  if (region.empty()) {
    for (const auto& [r, q] : per_region) p.selected += q.selected;
  } else {
    p.selected = per_region[region].selected;
  }

  json::array targets;
  for (const auto& t : config.at("targets").as_array()) {
    const auto& to = t.as_object();
    const auto id = str(to, "id");
    std::int64_t target = integer(to, "target");
    std::int64_t actual = 0;
    const auto per = str(to, "per_region");
    if (id == "csos_accompanied") actual = p.selected;
    json::object item{
        {"id", id}, {"label", str(to, "label")}, {"target", target}, {"actual", actual}, {"unit", str(to, "unit")}};
    if (!region.empty()) {
      if (per == "quota") {
        item["target"] = quotas.count(region) ? quotas.at(region) : 0;
      } else if (per == "one") {
        item["target"] = regions.count(region) ? 1 : 0;
      } else {
        item["scope"] = "programme";
      }
    } else if (per.empty()) {
      item["scope"] = "programme";
    }
    targets.push_back(std::move(item));
  }

  json::array modules;
  for (const auto& m : config.at("training_modules").as_array()) {
    const auto& mo = m.as_object();
    modules.push_back(json::object{
        {"id", str(mo, "id")}, {"label", str(mo, "label")}, {"sessions", 0}, {"attendances", 0}, {"completed", 0}});
  }
  json::array money = money_lines(config, false);
  json::array by_region;
  for (const auto& r : regions) {
    if (!region.empty() && r != region) continue;
    const auto& q = per_region[r];
    by_region.push_back(json::object{{"region", r},
                                     {"quota", quotas.count(r) ? quotas.at(r) : 0},
                                     {"received", q.received},
                                     {"eligible", q.eligible},
                                     {"scored", q.scored},
                                     {"selected", q.selected},
                                     {"waiting", q.waiting},
                                     {"accompanied", q.selected}});
  }
  json::array activity;
  const auto& feed = model.activity(region);
  for (std::size_t i = 0; i < feed.size(); ++i) {
    const auto& a = feed[i];
    json::object item{{"position", a.position}, {"type", a.type.view()}, {"stream", a.stream}};
    put_instant(item, "recorded_at", a.recorded_at);
    item["actor"] = actor_json(a.actor_id, a.actor_role);
    item["region"] = a.region.empty() ? json::value() : json::value(a.region.view());
    item["application_id"] = a.application_id().empty() ? json::value() : json::value(a.application_id());
    activity.push_back(std::move(item));
  }
  json::array region_list;
  for (const auto& r : regions) region_list.push_back(json::string(r));
  json::array evaluators;
  for (const auto& [id, load] : workload) {
    evaluators.push_back(json::object{{"evaluator_id", id},
                                      {"assigned", load.assigned},
                                      {"declared", load.declared},
                                      {"conflicts", load.conflicts},
                                      {"scored", load.scored},
                                      {"to_declare", load.assigned - load.declared},
                                      {"to_score", load.to_score}});
  }

  json::array calls;
  for (const auto& [id, call] : model.calls()) {
    json::object co{{"call_id", id}, {"title", call.title}};
    put_instant(co, "deadline", call.deadline_utc);
    calls.push_back(std::move(co));
  }
  json::object as_of{{"position", model.position()}};
  put_instant(as_of, "recorded_at", model.recorded_at());
  return json::object{
      {"position", model.position()},
      {"as_of", std::move(as_of)},
      {"calls", std::move(calls)},
      {"region", region.empty() ? json::value() : json::value(region)},
      {"regions", std::move(region_list)},
      {"targets", std::move(targets)},
      {"pipeline",
       {{"received", p.received},
        {"complete", p.complete},
        {"late", p.late},
        {"inadmissible", p.inadmissible},
        {"eligible", p.eligible},
        {"ineligible", p.ineligible},
        {"scored", p.scored},
        {"selected", p.selected},
        {"waiting", p.waiting},
        {"rejected", p.inadmissible + p.ineligible},
        {"withdrawn", p.withdrawn},
        {"appealed", p.appealed}}},
      {"evaluation",
       {{"assignments", ev.assignments},
        {"declared", ev.declared},
        {"conflicts", ev.conflicts},
        {"scores", ev.scores},
        {"diverging", ev.diverging},
        {"finalised", ev.finalised}}},
      {"evaluators", std::move(evaluators)},
      {"training", {{"sessions", 0}, {"enrolled", 0}, {"modules", std::move(modules)}}},
      {"money", std::move(money)},
      {"by_region", std::move(by_region)},
      {"activity", std::move(activity)},
  };
}

json::object funds(const Model& model) {
  const auto& config = targets_config();
  auto lines = money_lines(config, true);
  std::int64_t envelope = 0, awarded = 0, paid = 0, remaining = 0;
  for (const auto& l : lines) {
    envelope += l.at("envelope_cents").as_int64();
    awarded += l.at("awarded_cents").as_int64();
    paid += l.at("paid_cents").as_int64();
    remaining += l.at("remaining_cents").as_int64();
  }
  json::object as_of{{"position", model.position()}};
  put_instant(as_of, "recorded_at", model.recorded_at());
  return json::object{
      {"position", model.position()},
      {"as_of", std::move(as_of)},
      {"currency", "EUR"},
      {"rules",
       {{"amounts", "integer euro cents"},
        {"line_envelope", "the sum awarded on a line never exceeds its envelope"},
        {"third_party_ceiling_cents", integer(config, "third_party_ceiling_cents")},
        {"third_party_ceiling",
         "the total awarded to one third party across all lines, unless a justification under Financial "
         "Regulation 2024/2509, Art. 207, is recorded"},
        {"tranches", "the tranches paid never exceed the award"}}},
      {"lines", std::move(lines)},
      {"totals",
       {{"envelope_cents", envelope},
        {"awarded_cents", awarded},
        {"paid_cents", paid},
        {"remaining_cents", remaining}}},
      {"recipients", json::array()},
  };
}

json::object application_row(const Model& model, const CaseFile& c) {
  const auto* org = organisation_of(model, c);
  json::object row{
      {"application_id", c.application_id},
      {"call_id", c.call_id},
      {"organisation_id", c.organisation_id},
      {"legal_name", org ? org->legal_name : std::string()},
      {"registration_number", c.registration_number},
      {"region", c.region},
      {"stage", c.stage},
      {"late", c.late},
      {"late_accepted", c.late_accepted},
      {"complete_at", c.complete_at.empty() ? json::value() : json::value(c.complete_at)},
      {"complete_at_local", c.complete_at.empty() ? json::value() : json::value(local_time(c.complete_at))},
      {"rank", c.rank ? json::value(c.rank) : json::value()},
      {"appeal", c.appeal.empty() ? json::value() : json::value(c.appeal)}};
  return row;
}

bool matches(const CaseFile& c, const Model& model, const ApplicationQuery& q) {
  if (!q.call_id.empty() && c.call_id != q.call_id) return false;
  if (!q.region.empty() && c.region != q.region) return false;
  if (!q.stage.empty() && c.stage != q.stage) return false;
  if (q.text.empty()) return true;
  const auto needle = lower_ascii(q.text);
  const auto* org = organisation_of(model, c);
  for (const auto* hay :
       {&c.application_id, &c.organisation_id, &c.registration_number, org ? &org->legal_name : &c.application_id}) {
    if (lower_ascii(*hay).find(needle) != std::string::npos) return true;
  }
  return false;
}

Result<json::object> case_file(const Model& model, std::string_view application_id, const Viewer& viewer) {
  const CaseFile* found = model.case_file(application_id);
  if (!found) return Status::not_found("no application " + std::string(application_id));
  const CaseFile& c = *found;
  auto data = model.case_data(c);
  if (!data) return data.status();
  json::object as_of{{"position", model.position()}, {"hash", model.hash()}};
  put_instant(as_of, "recorded_at", model.recorded_at());
  json::object out{{"position", model.position()},
                   {"as_of", std::move(as_of)},
                   {"application_id", c.application_id},
                   {"call_id", c.call_id}};
  json::object identity{
      {"organisation_id", c.organisation_id}, {"registration_number", c.registration_number}, {"region", c.region}};
  if (const auto* org = organisation_of(model, c)) {
    identity["legal_name"] = org->legal_name;
    identity["legal_form"] = org->legal_form;
    identity["province"] = org->province;
    json::array domains;
    for (const auto& d : org->domains) domains.push_back(json::string(d));
    identity["domains"] = std::move(domains);
  }
  out["organisation"] = std::move(identity);
  out["stage"] = c.stage;
  out["round"] = c.round;
  out["late"] = c.late;
  out["late_accepted"] = c.late_accepted;
  put_instant(out, "complete_at", c.complete_at);
  if (c.complete_at.empty()) {
    out["complete_at"] = nullptr;
    out["complete_at_local"] = nullptr;
  }
  json::array parts;
  for (const auto& p : c.parts) {
    json::object po{{"part", p.part}, {"position", p.position}, {"hash", p.hash.hex()}};
    put_instant(po, "received_at", p.received_at);
    po["late"] = p.late;
    po["effective"] = p.effective;
    if (p.part == "dossier") {
      json::array docs;
      for (const auto& d : p.documents) {
        docs.push_back(json::object{{"kind", d.kind}, {"name", d.name}, {"sha256", d.sha256}, {"size", d.size}});
      }
      po["documents"] = std::move(docs);
      json::array missing;
      for (const auto& m : p.missing_documents) missing.push_back(json::string(m));
      po["missing_documents"] = std::move(missing);
    } else {
      po["answers"] = answers_of(p, *data);
    }
    parts.push_back(std::move(po));
  }
  out["parts"] = std::move(parts);
  json::array attachments;
  for (const auto& d : c.attachments) {
    attachments.push_back(json::object{{"kind", d.kind}, {"name", d.name}, {"sha256", d.sha256}, {"size", d.size}});
  }
  out["attachments"] = std::move(attachments);
  out["eligibility"] = eligibility_of(c, *data);

  json::array evaluators;
  for (const auto& w : c.evaluators) {
    json::object wo{{"evaluator_id", w.evaluator_id}, {"round", w.round}, {"declaration", w.declaration}};
    if (!w.statement.empty()) wo["statement"] = w.statement;
    if (hidden(c, viewer, w.evaluator_id)) {
      wo["scored"] = w.scored;
      wo["scores"] = "hidden until you submit your own score";
    } else {
      wo["scored"] = w.scored;
      if (w.scored) {
        wo["total_half_points"] = w.total_half_points;
        wo["scores"] = scores_of(c, w, *data);
        wo["position"] = w.scored_position;
      }
    }
    evaluators.push_back(std::move(wo));
  }
  out["evaluators"] = std::move(evaluators);
  const bool see_results = !viewer.evaluator || has_scored(c, viewer.id);
  out["consensus"] = see_results ? consensus_of(c, *data) : json::value();
  auto final_score = final_score_of(c, *data);
  if (see_results && final_score.is_object()) {
    json::object& fs = final_score.get_object();
    fs["final_points"] = points_text(fraction(fs["final_half_points"]));
    out["final_score"] = std::move(fs);
  } else {
    out["final_score"] = nullptr;
  }
  out["rank"] = c.rank ? json::value(c.rank) : json::value();
  out["of"] = c.of ? json::value(c.of) : json::value();
  out["place_region"] = c.place_region.empty() ? json::value() : json::value(c.place_region);
  out["appeal"] = c.appeal.empty() ? json::value() : json::value(c.appeal);
  out["notified_at"] = c.notified_at.empty() ? json::value() : json::value(c.notified_at);
  out["notified_at_local"] = c.notified_at.empty() ? json::value() : json::value(local_time(c.notified_at));
  out["appeal_deadline"] = c.appeal_deadline.empty() ? json::value() : json::value(c.appeal_deadline);
  out["appeal_deadline_local"] = c.appeal_deadline.empty() ? json::value() : json::value(local_time(c.appeal_deadline));
  json::array decisions;
  for (const auto& d : c.decisions) {
    if (hidden(c, viewer, d.evaluator_id) ||
        (!see_results && (d.decision == "consensus" || d.decision == "final-score")))
      continue;
    json::object dobj{{"position", d.position}, {"type", d.type.view()}, {"decision", d.decision.view()}};
    put_instant(dobj, "recorded_at", d.recorded_at);
    dobj["actor"] = actor_json(d.actor_id, d.actor_role);
    dobj["rationale"] = d.rationale;
    decisions.push_back(std::move(dobj));
  }
  out["decisions"] = std::move(decisions);
  json::array events;
  for (const auto& r : c.events) {
    events.push_back(json::object{{"position", r.position}, {"type", r.type.view()}, {"hash", r.hash.hex()}});
  }
  out["events"] = std::move(events);
  return out;
}

Result<json::object> decision_history(const Model& model, std::string_view application_id, const Viewer& viewer) {
  const CaseFile* found = model.case_file(application_id);
  if (!found) return Status::not_found("no application " + std::string(application_id));
  const CaseFile& c = *found;
  auto data = model.case_data(c);
  if (!data) return data.status();
  const bool see_results = !viewer.evaluator || has_scored(c, viewer.id);
  json::array decisions;
  for (const auto& d : c.decisions) {
    if (hidden(c, viewer, d.evaluator_id) ||
        (!see_results && (d.decision == "consensus" || d.decision == "final-score")))
      continue;
    json::object o{
        {"position", d.position}, {"hash", d.hash.hex()}, {"type", d.type.view()}, {"decision", d.decision.view()}};
    put_instant(o, "recorded_at", d.recorded_at);
    o["actor"] = actor_json(d.actor_id, d.actor_role);
    o["rationale"] = d.rationale;
    o["rules_version"] = d.rules_version.view();
    o["round"] = d.round;
    o["rests_on"] = links_json(d.rests_on);
    o["data"] = data->at(d.position);
    decisions.push_back(std::move(o));
  }
  json::array parts;
  for (const auto& p : c.parts) {
    json::object po{{"position", p.position},
                    {"type", p.part == "dossier" ? "DossierReceived" : "FormReceived"},
                    {"hash", p.hash.hex()}};
    put_instant(po, "received_at", p.received_at);
    po["late"] = p.late;
    po["effective"] = p.effective;
    parts.push_back(std::move(po));
  }
  json::object as_of{{"position", model.position()}, {"hash", model.hash()}};
  put_instant(as_of, "recorded_at", model.recorded_at());
  return json::object{{"position", model.position()},
                      {"application_id", c.application_id},
                      {"call_id", c.call_id},
                      {"region", c.region},
                      {"stage", c.stage},
                      {"as_of", std::move(as_of)},
                      {"submissions", std::move(parts)},
                      {"decisions", std::move(decisions)}};
}

Result<json::object> ranking(const Model& model, const std::string& call_id, const std::string& region) {
  auto call_it = model.calls().find(call_id);
  if (call_it == model.calls().end()) return Status::not_found("no call " + call_id);
  const CallView& call = call_it->second;
  if (std::find(call.regions.begin(), call.regions.end(), region) == call.regions.end()) {
    return Status::invalid_argument("not a target region",
                                    {{"/region", region + " is not a target region of " + call_id}});
  }
  struct Row {
    domain::ami::RankEntry entry;
    const CaseFile* c;
  };
  std::vector<Row> rows;
  std::int64_t selected = 0, waiting = 0;
  for (const auto& [id, ptr] : model.cases()) {
    const CaseFile& c = *ptr;
    if (c.call_id != call_id) continue;
    if (c.stage == "selected" && (c.place_region.empty() ? c.region : c.place_region) == region) ++selected;
    if (c.region != region) continue;
    if (c.stage == "waiting") ++waiting;
    if (!c.final_score_position || (c.stage != "scored" && c.stage != "selected" && c.stage != "waiting")) continue;
    auto complete = time::parse_instant(c.complete_at);
    rows.push_back({{c.application_id, fraction(c.final_half_points), fraction(c.relevance_half_points),
                     complete ? *complete : time::Instant{}, domain::ami::Stage::scored},
                    &c});
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return domain::ami::ranks_before(a.entry, b.entry); });
  json::array entries;
  int rank = 0;
  for (const auto& r : rows) {
    const auto* org = organisation_of(model, *r.c);
    json::object e{{"rank", ++rank},
                   {"application_id", r.c->application_id},
                   {"legal_name", org ? org->legal_name : std::string()},
                   {"stage", r.c->stage},
                   {"final_half_points", points_json(r.c->final_half_points)},
                   {"final_points", points_text(r.entry.final_score)},
                   {"relevance_half_points", points_json(r.c->relevance_half_points)}};
    put_instant(e, "complete_at", r.c->complete_at);
    entries.push_back(std::move(e));
  }
  json::object out{{"position", model.position()},
                   {"call_id", call_id},
                   {"region", region},
                   {"quota", call.quotas.count(region) ? call.quotas.at(region) : 0},
                   {"selected", selected},
                   {"waiting", waiting},
                   {"tie_breaks", json::array{"final_score", "relevance", "complete_at", "application_id"}},
                   {"entries", std::move(entries)}};
  if (auto it = call.selections.find(region); it != call.selections.end()) {
    json::object sel{{"position", it->second.position}, {"hash", it->second.hash.hex()}};
    put_instant(sel, "recorded_at", it->second.recorded_at);
    sel["rationale"] = it->second.rationale;
    out["selection"] = std::move(sel);
  } else {
    out["selection"] = nullptr;
  }
  return out;
}

}  // namespace sijill::projections
