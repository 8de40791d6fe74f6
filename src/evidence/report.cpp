#include "sijill/evidence/report.h"

#include <boost/json.hpp>

#include "sijill/evidence/html.h"
#include "sijill/evidence/tables.h"
#include "sijill/projections/views.h"

namespace sijill::evidence {

namespace json = boost::json;

namespace {

std::string e(std::string_view s) { return html_escape(s); }

std::int64_t integer(const json::value& v, std::string_view key) {
  if (!v.is_object()) return 0;
  const auto* x = v.get_object().if_contains(key);
  if (x == nullptr) return 0;
  if (auto n = x->if_int64()) return *n;
  if (auto u = x->if_uint64()) return static_cast<std::int64_t>(*u);
  return 0;
}
std::string text(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const auto* x = v.get_object().if_contains(key);
  return x && x->is_string() ? std::string(x->get_string()) : std::string();
}

// 134000000 cents as "1 340 000,00 €" (narrow no-break spaces between thousands).
std::string euros(std::int64_t cents) {
  std::string whole = std::to_string(cents / 100);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += "\u202F";
    grouped += whole[i];
  }
  std::string c = std::to_string(cents % 100);
  if (c.size() < 2) c.insert(0, "0");
  return grouped + "," + c + "\u00A0€";
}

std::string when(const std::string& utc) {
  if (utc.empty()) return "";
  return "<span class=\"utc\">" + e(utc) + "</span><br><span class=\"local\">" + e(projections::local_time(utc)) +
         "</span>";
}

std::string hash_cell(const std::string& hash) { return "<code class=\"hash\">" + e(hash) + "</code>"; }

const char* kStyle = R"css(
:root { --blue: #003399; --gold: #FFCC00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Segoe UI", Arial, sans-serif; font-size: 10pt;
       color: #111; margin: 1.5em auto; max-width: 75em; padding: 0 1em; line-height: 1.35; }
header.eu { display: flex; align-items: center; gap: 1em; border-bottom: 3px solid var(--blue); padding-bottom: .6em; }
header.eu .line { font-weight: bold; color: var(--blue); }
h1 { font-size: 1.6em; margin: .6em 0 .2em; }
h2 { font-size: 1.25em; color: var(--blue); border-bottom: 1px solid #bbb; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid #999; padding: .2em .4em; text-align: left; vertical-align: top; }
th { background: #e8ecf6; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code.hash { font-family: "DejaVu Sans Mono", "Noto Sans Mono", Consolas, monospace; font-size: .78em; word-break: break-all; }
.local { color: #444; }
.utc, .local { white-space: nowrap; }
.small, .detail { font-size: .88em; color: #333; }
.why { unicode-bidi: plaintext; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
.index a { margin-right: .5em; }
footer.eu { margin-top: 2em; border-top: 3px solid var(--blue); padding-top: .6em; display: flex; align-items: center; gap: 1em; }
.case { border-top: 1px solid #ddd; }
@page { size: A4 landscape; margin: 12mm 10mm 14mm;
        @bottom-center { content: "Cofinancé par l'Union européenne · Co-funded by the European Union"; font-size: 8pt; color: #003399; }
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 8.5pt; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  h3 { break-after: avoid; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  .index { display: none; }
  header.eu, footer.eu { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

const std::pair<const char*, const char*> kPipeline[] = {
    {"received", "Reçues (received)"},
    {"complete", "Complètes (complete)"},
    {"late", "En retard (late)"},
    {"inadmissible", "Irrecevables (inadmissible)"},
    {"eligible", "Éligibles (eligible)"},
    {"ineligible", "Non éligibles (ineligible)"},
    {"scored", "Notées (scored)"},
    {"selected", "Sélectionnées (selected)"},
    {"waiting", "Liste d'attente (waiting list)"},
    {"rejected", "Rejetées (rejected)"},
    {"withdrawn", "Retirées (withdrawn)"},
    {"appealed", "Recours (appeals)"},
};
const std::pair<const char*, const char*> kEvaluation[] = {
    {"assignments", "Affectations (assignments)"},    {"declared", "Déclarations d'intérêts (declarations)"},
    {"conflicts", "Conflits d'intérêts (conflicts)"}, {"scores", "Notes soumises (scores)"},
    {"diverging", "Écarts à arbitrer (diverging)"},   {"finalised", "Notes finales (finalised)"},
};

void programme_state(std::string& h, const projections::Model& model) {
  h += "<h2 class=\"first\" id=\"state\">État du programme (programme state)</h2>\n";
  for (const auto& [id, call] : model.calls()) {
    h += "<h3>" + e(call.title.empty() ? id : call.title) + " <span class=\"small\">(" + e(id) + ")</span></h3>\n";
    h += "<dl class=\"facts\"><dt>Date limite (deadline)</dt><dd>" + e(call.deadline_local) + " " + e(call.zone) +
         " — " + e(call.deadline_utc) + "</dd><dt>Version des règles (rules)</dt><dd>" + e(call.rules_version) +
         "</dd><dt>Régions cibles (target regions)</dt><dd>";
    bool first = true;
    for (const auto& r : call.regions) {
      h += (first ? "" : ", ") + e(r) + " (" + std::to_string(call.quotas.count(r) ? call.quotas.at(r) : 0) + ")";
      first = false;
    }
    h += "</dd><dt>Seuil d'écart (divergence threshold)</dt><dd>" + std::to_string(call.divergence_threshold_points) +
         " points</dd><dt>Ouvert à la position (opened at)</dt><dd>" + std::to_string(call.position) + "</dd></dl>\n";
  }

  const json::value dash(projections::dashboard(model, ""));
  h += "<h3>Cibles et réalisations (targets vs actual)</h3>\n<table><thead><tr><th>Indicateur (indicator)</th>"
       "<th class=\"n\">Cible (target)</th><th class=\"n\">Réalisé (actual)</th></tr></thead><tbody>\n";
  for (const auto& t : dash.at("targets").as_array()) {
    const bool money = text(t, "unit") == "eur_cents";
    auto fmt = [&](std::int64_t v) { return money ? euros(v) : std::to_string(v); };
    h += "<tr><td>" + e(text(t, "label")) + "</td><td class=\"n\">" + fmt(integer(t, "target")) +
         "</td><td class=\"n\">" + fmt(integer(t, "actual")) + "</td></tr>\n";
  }
  h += "</tbody></table>\n";

  h += "<h3>Parcours des candidatures (pipeline)</h3>\n<table><thead><tr><th>Étape (stage)</th><th class=\"n\">"
       "Nombre (count)</th></tr></thead><tbody>\n";
  for (const auto& [key, label] : kPipeline) {
    h += std::string("<tr><td>") + e(label) + "</td><td class=\"n\">" +
         std::to_string(integer(dash.at("pipeline"), key)) + "</td></tr>\n";
  }
  h += "</tbody></table>\n<h3>Évaluation (evaluation)</h3>\n<table><thead><tr><th>Étape (stage)</th><th class=\"n\">"
       "Nombre (count)</th></tr></thead><tbody>\n";
  for (const auto& [key, label] : kEvaluation) {
    h += std::string("<tr><td>") + e(label) + "</td><td class=\"n\">" +
         std::to_string(integer(dash.at("evaluation"), key)) + "</td></tr>\n";
  }
  h += "</tbody></table>\n";

  h += "<h3>Sélection par région (selection per region)</h3>\n<table><thead><tr><th>Région (region)</th>"
       "<th class=\"n\">Quota</th><th class=\"n\">Reçues</th><th class=\"n\">Éligibles</th><th class=\"n\">Notées</th>"
       "<th class=\"n\">Sélectionnées</th><th class=\"n\">Liste d'attente</th><th>Sélection enregistrée (selection "
       "recorded)</th></tr></thead><tbody>\n";
  for (const auto& r : dash.at("by_region").as_array()) {
    const auto region = text(r, "region");
    std::string recorded;
    for (const auto& [id, call] : model.calls()) {
      auto it = call.selections.find(region);
      if (it == call.selections.end()) continue;
      recorded += "position " + std::to_string(it->second.position) + " — " + when(it->second.recorded_at) +
                  "<br><span class=\"why\" dir=\"auto\">" + e(it->second.rationale) + "</span><br>" +
                  hash_cell(it->second.hash.hex());
    }
    h += "<tr><td>" + e(region) + "</td>";
    for (const char* k : {"quota", "received", "eligible", "scored", "selected", "waiting"}) {
      h += "<td class=\"n\">" + std::to_string(integer(r, k)) + "</td>";
    }
    h += "<td>" + recorded + "</td></tr>\n";
  }
  h += "</tbody></table>\n";
}

Status decision_trail(std::string& h, const projections::Model& model) {
  h += "<h2 id=\"trail\">Piste des décisions (decision trail)</h2>\n<p class=\"small\">Pour chaque candidature, ses "
       "décisions dans l'ordre du registre : qui, quand (UTC, puis heure légale du Maroc, Africa/Casablanca), "
       "pourquoi, sous quelle version des règles, à quelle position du journal et avec quelle empreinte SHA-256. "
       "(For each application, its decisions in log order: who, when, why, under which rules, at which position, "
       "with which hash.)</p>\n";
  // An index by region.
  std::map<std::string, std::vector<std::string>> by_region;
  for (const auto& [id, c] : model.cases()) by_region[c->region].push_back(id);
  h += "<div class=\"index\">\n";
  for (const auto& [region, ids] : by_region) {
    h += "<p><strong>" + e(region) + "</strong> : ";
    for (const auto& id : ids) h += "<a href=\"#" + e(id) + "\">" + e(id) + "</a> ";
    h += "</p>\n";
  }
  h += "</div>\n";
  for (const auto& [id, ptr] : model.cases()) {
    const auto& c = *ptr;
    auto org = model.organisations().find(c.organisation_id);
    h += "<section class=\"case\" id=\"" + e(id) + "\"><h3>" + e(id);
    if (org != model.organisations().end()) h += " — <span dir=\"auto\">" + e(org->second->legal_name) + "</span>";
    h += "</h3>\n<p class=\"small\">" + e(c.region) + " · " + e(c.organisation_id) + " · étape (stage) : " + e(c.stage);
    if (c.rank) h += " · rang (rank) " + std::to_string(c.rank) + (c.of ? " / " + std::to_string(c.of) : "");
    if (!c.appeal.empty()) h += " · recours (appeal) : " + e(c.appeal);
    h += "</p>\n";
    if (c.decisions.empty()) {
      h += "<p class=\"small\">Aucune décision (no decision yet).</p></section>\n";
      continue;
    }
    h += "<table><thead><tr><th class=\"n\">#</th><th class=\"n\">Position</th><th>Décision (decision)</th>"
         "<th>Quand (when: UTC, local)</th><th>Qui (who)</th><th>Pourquoi (why)</th><th>Règles (rules)</th>"
         "<th>Empreinte (hash)</th></tr></thead><tbody>\n";
    int n = 0;
    auto data = model.case_data(c);
    if (!data) return data.status();
    for (const auto& d : c.decisions) {
      const auto detail = decision_detail(d, data->at(d.position));
      h += "<tr><td class=\"n\">" + std::to_string(++n) + "</td><td class=\"n\">" + std::to_string(d.position) +
           "</td><td>" + e(d.decision.view()) + "<br><span class=\"small\">" + e(d.type.view()) + "</span></td><td>" +
           when(d.recorded_at) + "</td><td>" + e(d.actor_id.view()) + "<br><span class=\"small\">" +
           e(d.actor_role.view()) + "</span></td><td><span class=\"why\" dir=\"auto\">" + e(d.rationale) + "</span>";
      if (!detail.empty())
        h += (d.rationale.empty() ? "" : "<br>") + std::string("<span class=\"detail\">") + e(detail) + "</span>";
      if (!d.evaluator_id.empty() && d.evaluator_id != d.actor_id) {
        h += "<br><span class=\"detail\">évaluateur " + e(d.evaluator_id) + "</span>";
      }
      h += "</td><td>" + e(d.rules_version.view()) + "</td><td>" + hash_cell(d.hash.hex()) + "</td></tr>\n";
    }
    h += "</tbody></table></section>\n";
  }
  return Status::ok();
}

}  // namespace

Result<std::string> report_html(const projections::Model& model, const ReportContext& ctx) {
  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<title>Registre CAP+ — rapport de preuves (evidence report), position " +
       std::to_string(ctx.to) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  const std::string eu_line = "<div><div class=\"line\">" + e(kCofundedFr) + "</div><div class=\"line\" lang=\"en\">" +
                              e(kCofundedEn) + "</div></div>";
  h += "<header class=\"eu\">" + eu_emblem_svg(48) + eu_line + "</header>\n";
  h += "<h1>CAP+ — Rapport de preuves du registre <span class=\"small\">(evidence report)</span></h1>\n";
  h += "<dl class=\"facts\">";
  h += "<dt>État au (state as of)</dt><dd>position " + std::to_string(model.position()) + " — " +
       when(model.recorded_at()) + "<br>" + hash_cell(model.hash()) + "</dd>";
  h += "<dt>Événements exportés (events exported)</dt><dd>positions " + std::to_string(ctx.from) + " à " +
       std::to_string(ctx.to) + " (events.jsonl)</dd>";
  h += "<dt>Tête du journal (log head)</dt><dd>position " + std::to_string(ctx.head_position) + "<br>" +
       hash_cell(ctx.head_hash) + "</dd>";
  h += "<dt>Produit le (generated)</dt><dd>" + when(ctx.generated_at) + "</dd>";
  h += "<dt>Export</dt><dd>" + e(ctx.export_id) + "<br>";
  if (ctx.recorded) {
    h += "enregistré dans le journal (recorded as AuditExportRecorded), par " + e(ctx.exported_by);
  } else {
    h += "non enregistré (not recorded) : " + e(ctx.not_recorded_reason);
  }
  h += "</dd>";
  h += "<dt>Données personnelles (personal data)</dt><dd>aucune en clair (none in clear) ; " +
       std::to_string(ctx.sealed) + " valeur(s) scellée(s) (sealed), " + std::to_string(ctx.erased) +
       " effacée(s) (erased: key destroyed)";
  if (ctx.unknown) h += ", " + std::to_string(ctx.unknown) + " d'état inconnu (unknown: no key file)";
  h += " — personal_data.csv</dd>";
  h += "<dt>Vérifier (check)</dt><dd><code>python3 verify_chain.py --head " + std::to_string(ctx.to) + ":" +
       e(ctx.last_hash) + " events.jsonl</code></dd>";
  h += "</dl>\n";
  programme_state(h, model);
  if (auto st = decision_trail(h, model); !st) return st;
  h += "<footer class=\"eu\">" + eu_emblem_svg(32) + eu_line + "</footer>\n</body>\n</html>\n";
  return h;
}

}  // namespace sijill::evidence
