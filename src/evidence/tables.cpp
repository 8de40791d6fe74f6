#include "sijill/evidence/tables.h"

#include <algorithm>

#include <boost/json.hpp>

#include "sijill/evidence/csv.h"
#include "sijill/projections/views.h"
#include "sijill/store/key_store.h"

namespace sijill::evidence {

namespace json = boost::json;

namespace {

// The log could not give a case's data (Model::case_data): the tables are not written.
struct Unreadable {
  Status status;
};

projections::CaseData data_of(const projections::Model& model, const projections::CaseFile& c) {
  auto data = model.case_data(c);
  if (!data) throw Unreadable{data.status()};
  return std::move(*data);
}

std::int64_t integer(const json::value& v, std::string_view key, std::int64_t fallback = 0) {
  if (!v.is_object()) return fallback;
  const auto* x = v.get_object().if_contains(key);
  if (x == nullptr) return fallback;
  if (auto n = x->if_int64()) return *n;
  if (auto u = x->if_uint64()) return static_cast<std::int64_t>(*u);
  return fallback;
}
std::string text(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const auto* x = v.get_object().if_contains(key);
  return x && x->is_string() ? std::string(x->get_string()) : std::string();
}
const json::value& at(const json::value& v, std::string_view key) {
  static const json::value null;
  if (!v.is_object()) return null;
  const auto* x = v.get_object().if_contains(key);
  return x ? *x : null;
}

std::string flag(bool b) { return b ? "true" : "false"; }
std::string num(std::int64_t n) { return std::to_string(n); }
std::string num_or_empty(std::uint64_t n) { return n ? std::to_string(n) : std::string(); }

// {"numerator", "denominator"} as three cells: numerator, denominator, points.
std::vector<std::string> fraction_cells(const json::value& f) {
  if (!f.is_object()) return {"", "", ""};
  const auto n = integer(f, "numerator");
  const auto d = std::max<std::int64_t>(1, integer(f, "denominator", 1));
  return {num(n), num(d), points_fr(n, d)};
}

std::string hash_at(const projections::CaseFile& c, std::uint64_t position) {
  for (const auto& e : c.events) {
    if (e.position == position) return e.hash.hex();
  }
  return {};
}

const projections::OrganisationView* organisation_of(const projections::Model& m, const projections::CaseFile& c) {
  auto it = m.organisations().find(c.organisation_id);
  return it == m.organisations().end() ? nullptr : it->second.get();
}

void append(std::vector<std::string>& row, std::vector<std::string> more) {
  for (auto& m : more) row.push_back(std::move(m));
}

// The grid's criteria as the scores name them, in the order they first appear.
std::vector<std::string> criteria_of(const projections::Model& model) {
  std::vector<std::string> out;
  for (const auto& [id, c] : model.cases()) {
    if (std::none_of(c->evaluators.begin(), c->evaluators.end(), [](const auto& w) { return w.scored; })) continue;
    const auto data = data_of(model, *c);
    for (const auto& w : c->evaluators) {
      const auto scores = projections::scores_of(*c, w, data);
      if (!scores.is_object()) continue;
      for (const auto& [k, v] : scores.get_object()) {
        if (std::find(out.begin(), out.end(), std::string(k)) == out.end()) out.emplace_back(k);
      }
    }
  }
  return out;
}

CsvWriter applications_writer() {
  return CsvWriter({"application_id",
                    "call_id",
                    "organisation_id",
                    "legal_name",
                    "registration_number",
                    "region",
                    "stage",
                    "round",
                    "late",
                    "late_accepted",
                    "complete_at",
                    "complete_at_local",
                    "eligible",
                    "scores_submitted",
                    "final_basis",
                    "final_half_points_numerator",
                    "final_half_points_denominator",
                    "final_points",
                    "rank",
                    "of",
                    "place_region",
                    "appeal",
                    "notified_at",
                    "notified_at_local",
                    "appeal_deadline",
                    "appeal_deadline_local",
                    "decisions",
                    "last_decision",
                    "last_decision_position",
                    "last_decision_hash"});
}

void application_row(CsvWriter& w, const projections::Model& model, const projections::CaseFile& c,
                     const projections::CaseData& data) {
  const auto* org = organisation_of(model, c);
  const auto final_score = projections::final_score_of(c, data);
  int scores = 0;
  for (const auto& e : c.evaluators) scores += e.round == c.round && e.scored ? 1 : 0;
  std::string last_decision;
  for (const auto& d : c.decisions) {
    if (d.position == c.last_decision) last_decision = d.decision;
  }
  std::vector<std::string> row = {c.application_id,
                                  c.call_id,
                                  c.organisation_id,
                                  org ? org->legal_name : std::string(),
                                  c.registration_number,
                                  c.region,
                                  c.stage,
                                  num(c.round),
                                  flag(c.late),
                                  flag(c.late_accepted),
                                  c.complete_at,
                                  projections::local_time(c.complete_at),
                                  c.eligibility_position ? flag(c.eligible) : std::string(),
                                  num(scores),
                                  text(final_score, "basis")};
  append(row, fraction_cells(at(final_score, "final_half_points")));
  append(row, {c.rank ? num(c.rank) : std::string(), c.of ? num(c.of) : std::string(), c.place_region, c.appeal,
               c.notified_at, projections::local_time(c.notified_at), c.appeal_deadline,
               projections::local_time(c.appeal_deadline), num(static_cast<std::int64_t>(c.decisions.size())),
               last_decision, num_or_empty(c.last_decision), hash_at(c, c.last_decision)});
  w.row(row);
}

CsvWriter evaluations_writer(const std::vector<std::string>& criteria) {
  std::vector<std::string> header = {
      "application_id",    "region", "round", "evaluator_id", "assigned_position", "declaration", "conflict_statement",
      "declared_position", "scored"};
  for (const auto& k : criteria) {
    header.push_back(k + "_half_points");
    header.push_back(k + "_justification");
  }
  append(header, {"total_half_points", "total_points", "scored_position", "scored_hash"});
  return CsvWriter(header);
}

void evaluation_rows(CsvWriter& w, const projections::CaseFile& c, const projections::CaseData& data,
                     const std::vector<std::string>& criteria) {
  for (const auto& e : c.evaluators) {
    std::vector<std::string> row = {c.application_id,
                                    c.region,
                                    num(e.round),
                                    e.evaluator_id,
                                    num_or_empty(e.assigned_position),
                                    e.declaration,
                                    e.statement,
                                    num_or_empty(e.declared_position),
                                    flag(e.scored)};
    const auto scores = projections::scores_of(c, e, data);
    for (const auto& k : criteria) {
      const auto& s = at(scores, k);
      row.push_back(s.is_object() ? num(integer(s, "half_points")) : std::string());
      row.push_back(text(s, "justification"));
    }
    if (e.scored) {
      append(row, {num(e.total_half_points), points_fr(e.total_half_points), num(e.scored_position),
                   hash_at(c, e.scored_position)});
    } else {
      append(row, {"", "", "", ""});
    }
    w.row(row);
  }
}

CsvWriter decisions_writer() {
  return CsvWriter({"application_id", "region", "sequence", "position", "hash", "type", "decision", "round",
                    "recorded_at", "recorded_at_local", "actor_id", "actor_role", "evaluator_id", "rationale", "detail",
                    "rules_version", "rests_on_positions"});
}

void decision_rows(CsvWriter& w, const projections::CaseFile& c, const projections::CaseData& data) {
  int sequence = 0;
  for (const auto& d : c.decisions) {
    std::string rests;
    for (const auto& l : d.rests_on) {
      if (!rests.empty()) rests += ' ';
      rests += std::to_string(l.position);
    }
    w.row({c.application_id, c.region, num(++sequence), num(static_cast<std::int64_t>(d.position)), d.hash.hex(),
           d.type, d.decision, num(d.round), d.recorded_at, projections::local_time(d.recorded_at), d.actor_id,
           d.actor_role, d.evaluator_id, d.rationale, decision_detail(d, data.at(d.position)), d.rules_version, rests});
  }
}

// applications.csv, evaluations.csv and decisions.csv in one pass over the cases, each case's
// data read from the log once (after a first pass that finds the criteria, the columns of
// evaluations.csv).
std::vector<CsvFile> case_tables(const projections::Model& model) {
  const auto criteria = criteria_of(model);
  auto applications = applications_writer();
  auto evaluations = evaluations_writer(criteria);
  auto decisions = decisions_writer();
  for (const auto& [id, ptr] : model.cases()) {
    const auto& c = *ptr;
    const bool needs_data = c.final_score_position || !c.evaluators.empty() || !c.decisions.empty();
    const auto data = needs_data ? data_of(model, c) : projections::CaseData();
    application_row(applications, model, c, data);
    evaluation_rows(evaluations, c, data, criteria);
    decision_rows(decisions, c, data);
  }
  return {{"applications.csv", "one row per application: stage, eligibility, final score, rank, latest decision",
           applications.bytes(), applications.rows()},
          {"evaluations.csv",
           "one row per evaluator per application and round: conflict-of-interest declaration, each criterion's half "
           "points and justification, total",
           evaluations.bytes(), evaluations.rows()},
          {"decisions.csv",
           "one row per decision, in order per application: position, hash, who, when (UTC and Africa/Casablanca), "
           "why, rules version, the events it rests on",
           decisions.bytes(), decisions.rows()}};
}

CsvFile organisations(const projections::Model& model) {
  CsvWriter w({"organisation_id", "legal_name", "legal_form", "registration_number", "region", "province", "domains"});
  for (const auto& [id, organisation] : model.organisations()) {
    const auto& o = *organisation;
    std::string domains;
    for (const auto& d : o.domains) {
      if (!domains.empty()) domains += " | ";
      domains += d;
    }
    w.row({o.organisation_id, o.legal_name, o.legal_form, o.registration_number, o.region, o.province, domains});
  }
  return {"organisations.csv", "one row per registered organisation (legal person)", w.bytes(), w.rows()};
}

CsvFile ranking(const projections::Model& model) {
  CsvWriter w({"call_id", "region", "quota", "rank", "application_id", "legal_name", "stage",
               "final_half_points_numerator", "final_half_points_denominator", "final_points",
               "relevance_half_points_numerator", "relevance_half_points_denominator", "complete_at",
               "complete_at_local", "selection_position", "selection_hash", "selection_recorded_at"});
  for (const auto& [call_id, call] : model.calls()) {
    for (const auto& region : call.regions) {
      auto ranked = projections::ranking(model, call_id, region);
      if (!ranked) continue;
      const json::value view(std::move(*ranked));
      const auto& selection = at(view, "selection");
      for (const auto& e : at(view, "entries").as_array()) {
        std::vector<std::string> row = {call_id,
                                        region,
                                        num(integer(view, "quota")),
                                        num(integer(e, "rank")),
                                        text(e, "application_id"),
                                        text(e, "legal_name"),
                                        text(e, "stage")};
        append(row, fraction_cells(at(e, "final_half_points")));
        auto relevance = fraction_cells(at(e, "relevance_half_points"));
        relevance.pop_back();
        append(row, std::move(relevance));
        append(row, {text(e, "complete_at"), text(e, "complete_at_local"),
                     selection.is_object() ? num(integer(selection, "position")) : std::string(),
                     text(selection, "hash"), text(selection, "recorded_at")});
        w.row(row);
      }
    }
  }
  return {"ranking.csv",
          "the ranking per call and target region, best first, with the selection it was recorded under (tie breaks: "
          "final score, relevance, complete submission, application id)",
          w.bytes(), w.rows()};
}

}  // namespace

std::string points_fr(std::int64_t numerator, std::int64_t denominator) {
  // Hundredths of a point, rounded half up: numerator * 100 / (2 * denominator).
  const bool negative = (numerator < 0) != (denominator < 0) && numerator != 0;
  const std::int64_t n = numerator < 0 ? -numerator : numerator;
  const std::int64_t d = 2 * (denominator < 0 ? -denominator : denominator);
  const std::int64_t hundredths = (2 * n * 100 + d) / (2 * d);
  std::string frac = std::to_string(hundredths % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(hundredths / 100) + "," + frac;
}

std::string decision_detail(const projections::DecisionRecord& d, const json::value& data) {
  if (d.decision == "score") return "note totale " + points_fr(integer(data, "total_half_points")) + " points";
  if (d.decision == "consensus") return "consensus " + points_fr(integer(data, "total_half_points")) + " points";
  if (d.decision == "final-score") {
    const auto& f = at(data, "final_half_points");
    return "note finale " +
           points_fr(integer(f, "numerator"), std::max<std::int64_t>(1, integer(f, "denominator", 1))) + " points (" +
           text(data, "basis") + ")";
  }
  if (d.decision == "selected" || d.decision == "waiting") {
    std::string s = "rang " + std::to_string(integer(data, "rank"));
    if (const auto of = integer(data, "of")) s += " sur " + std::to_string(of);
    if (const auto place = text(data, "place_region"); !place.empty() && place != text(data, "region")) {
      s += ", place de " + place;
    }
    return s;
  }
  if (d.decision == "notified") {
    return "décision notifiée : " + text(data, "decision") + " ; recours jusqu'au " +
           projections::local_time(text(data, "appeal_deadline"));
  }
  if (d.decision == "correction") return "corrige la position " + std::to_string(integer(data, "corrects_position"));
  return {};
}

Result<std::vector<CsvFile>> model_tables(const projections::Model& model) {
  std::vector<CsvFile> out;
  try {
    out = case_tables(model);
  } catch (const Unreadable& e) {
    return e.status;
  }
  out.push_back(organisations(model));
  out.push_back(ranking(model));
  return out;
}

void find_sealed(const json::value& data, const std::string& pointer, std::uint64_t position, std::string_view hash,
                 std::string_view type, std::string_view stream, std::vector<SealedValue>& out) {
  if (data.is_array()) {
    std::size_t i = 0;
    for (const auto& v : data.get_array())
      find_sealed(v, pointer + "/" + std::to_string(i++), position, hash, type, stream, out);
    return;
  }
  if (!data.is_object()) return;
  const auto& o = data.get_object();
  if (o.size() == 1 && o.contains("$sealed")) {
    out.push_back({position, std::string(hash), std::string(type), std::string(stream),
                   text(o.at("$sealed"), "subject"), pointer});
    return;
  }
  for (const auto& [k, v] : o) {
    // JSON Pointer escapes (RFC 6901): '~' as "~0", '/' as "~1".
    std::string key;
    for (char ch : std::string_view(k)) {
      if (ch == '~')
        key += "~0";
      else if (ch == '/')
        key += "~1";
      else
        key += ch;
    }
    find_sealed(v, pointer + "/" + key, position, hash, type, stream, out);
  }
}

std::string_view personal_data_state(std::string_view subject, const store::KeyStore* keys) {
  if (keys == nullptr) return "unknown";
  return keys->has_key(subject) ? "sealed" : "erased";
}

CsvFile personal_data_table(const std::vector<SealedValue>& sealed, const store::KeyStore* keys) {
  CsvWriter w({"position", "hash", "type", "stream", "subject", "pointer", "state"});
  for (const auto& s : sealed) {
    w.row({std::to_string(s.position), s.hash, s.type, s.stream, s.subject, s.pointer,
           std::string(personal_data_state(s.subject, keys))});
  }
  return {"personal_data.csv",
          "one row per sealed personal value in the events up to the pack's last position: where it is and whether it "
          "is sealed or erased (never a key nor a plaintext)",
          w.bytes(), w.rows()};
}

}  // namespace sijill::evidence
