#include "sijill/demo/demo.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>

#include "sijill/domain/ami/config.h"

namespace sijill::demo {

namespace {

using namespace std::chrono_literals;
using time::Instant;

const char* const kCall = "AMI-2026";

struct RegionInfo {
  const char* name;
  std::vector<const char*> provinces;
};

const std::vector<RegionInfo>& target_regions() {
  static const std::vector<RegionInfo> r = {
      {"Béni Mellal-Khénifra", {"Azilal", "Béni Mellal", "Fquih Ben Salah", "Khénifra", "Khouribga"}},
      {"Drâa-Tafilalet", {"Errachidia", "Ouarzazate", "Midelt", "Tinghir", "Zagora"}},
      {"L'Oriental", {"Oujda-Angad", "Nador", "Berkane", "Taourirt", "Jerada", "Figuig", "Guercif"}},
      {"Marrakech-Safi", {"Marrakech", "Al Haouz", "Chichaoua", "Essaouira", "Safi", "El Kelaâ des Sraghna"}},
      {"Souss-Massa",
       {"Agadir Ida-Outanane", "Inezgane-Aït Melloul", "Chtouka-Aït Baha", "Taroudant", "Tiznit", "Tata"}},
  };
  return r;
}

// CSOs from outside the call's regions apply too; eligibility records why they are not kept.
const std::vector<RegionInfo>& other_regions() {
  static const std::vector<RegionInfo> r = {{"Casablanca-Settat", {"Settat", "El Jadida"}},
                                            {"Fès-Meknès", {"Ifrane", "Sefrou"}}};
  return r;
}

const char* const kForms[] = {"Association", "Association", "Association", "Coopérative", "Fédération", "Réseau"};
const char* const kNames[] = {"Al Amal",  "Annour",    "Assafae",    "Tamount", "Tazzla",       "Ighrem",
                              "Tifawin",  "Anaruz",    "Tilelli",    "Azetta",  "Amal Al Ghad", "Ennahda",
                              "Al Khair", "Tadamoun",  "Attawassol", "Al Fajr", "Tighmert",     "Akhiam",
                              "Tiwizi",   "Asmoun",    "Izorane",    "Targa",   "Nakhil",       "Afous",
                              "Tudert",   "Al Baraka", "Warda",      "Argane",  "Ittihad",      "Al Wafae"};
const char* const kPurposes[] = {"pour le Développement Local",
                                 "des Femmes Rurales",
                                 "pour l'Environnement et l'Eau",
                                 "pour l'Inclusion des Personnes en Situation de Handicap",
                                 "des Jeunes",
                                 "pour l'Éducation et l'Alphabétisation",
                                 "des Droits Humains",
                                 "pour la Santé Communautaire",
                                 "du Patrimoine et du Tourisme Solidaire",
                                 "pour l'Agriculture Durable"};
const char* const kDomains[] = {"Développement local", "Inclusion sociale", "Gouvernance",
                                "Environnement",       "Éducation",         "Santé"};
const char* const kGiven[] = {"Fatima Zahra", "Khadija",  "Rachid", "Brahim", "Amina",  "Youssef", "Naima", "Mohamed",
                              "Hanane",       "Abdellah", "Zineb",  "Hassan", "Meryem", "Said",    "Ilham", "Omar"};
const char* const kFamily[] = {"Ouzzine", "Boutaleb", "Aït Lhaj", "El Idrissi", "Bennani", "Amrani",   "Oubella",
                               "Chakir",  "Naciri",   "Tazi",     "Ait Ouarab", "Lahlou",  "El Fassi", "Bouzidi"};

constexpr int kPerTargetRegion = 68;
constexpr int kOutsideApplicants = 10;
constexpr int kEvaluators = 12;

std::string sha256_hex(const std::string& text) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0xf];
  }
  return out;
}

std::string numbered(const char* prefix, int n, int width = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%0*d", prefix, width, n);
  return buf;
}

Instant at(const char* text) { return *time::parse_instant(text); }

struct Applicant {
  std::string organisation_id;
  std::string registration_number;
  std::string region;
  std::string legal_name;
  double quality = 0.5;  // how strong its application is, for the generated scores
  bool outside = false;
  bool late = false;
  bool incomplete = false;
  bool twice = false;
  bool not_constituted = false;
  std::string application_id;
  std::string recorded_by;
};

class Generator {
 public:
  Generator(unsigned seed, const Executor& execute) : rng_(seed), execute_(execute) {}

  Result<Summary> run() {
    if (auto st = open_call(); !st) return st;
    make_applicants();
    for (auto& a : applicants_) {
      if (auto st = register_and_apply(a); !st) return st;
    }
    if (auto st = handle_late_and_incomplete(); !st) return st;
    if (auto st = assess(); !st) return st;
    if (auto st = evaluate(); !st) return st;
    if (auto st = select(); !st) return st;
    if (auto st = notify_and_appeal(); !st) return st;
    if (auto st = withdraw_and_replace(); !st) return st;
    return summary_;
  }

 private:
  // Uniform in [0, n): from the generator's raw output, so the demo is the same everywhere.
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(rng_() % n); }
  double unit() { return static_cast<double>(rng_()) / 4294967296.0; }
  template <class T, std::size_t N>
  const T& any(const T (&items)[N]) {
    return items[below(N)];
  }

  static domain::Actor officer(int n) { return {numbered("u-officer-", n, 1), "programme_officer", ""}; }
  static domain::Actor evaluator(int n) { return {numbered("u-ev", n, 2), "evaluator", ""}; }

  Status step(const std::string& command, boost::json::object data, const domain::Actor& actor, Instant when,
              std::vector<ProducedEvent>* events = nullptr) {
    ++summary_.commands;
    auto r = execute_(Step{command, std::move(data), actor, when});
    if (!r)
      return Status(r.status().code(), std::string(r.status().rule()),
                    "demo step " + command + ": " + std::string(r.status().message()), r.status().violations());
    for (const auto& e : *r) observe(e);
    if (events) *events = std::move(r).value();
    return Status::ok();
  }

  void observe(const ProducedEvent& e) {
    auto id = [&] { return std::string(e.data.at("application_id").as_string()); };
    if (e.type == "ApplicationSelected") {
      ++summary_.selected;
      if (waiting_.erase(id())) --summary_.waiting;
      selected_[std::string(e.data.at("region").as_string())].push_back(id());
    } else if (e.type == "ApplicationWaitlisted") {
      ++summary_.waiting;
      waiting_[id()] = {std::string(e.data.at("region").as_string()), static_cast<int>(e.data.at("rank").as_int64())};
    } else if (e.type == "AppealDecided") {
      // Re-examined: it leaves the waiting list until it is placed again.
      if (e.data.at("reexamination").as_bool() && waiting_.erase(id())) --summary_.waiting;
    } else if (e.type == "ApplicationWithdrawn") {
      if (e.data.at("was_selected").as_bool()) --summary_.selected;
    }
  }

  Status open_call() {
    return step("OpenCall", domain::ami::cap_2026_call(kCall), officer(1), at("2026-05-12T09:00:00Z"));
  }

  void make_applicants() {
    int n = 0;
    auto add = [&](const RegionInfo& region, bool outside) {
      Applicant a;
      ++n;
      a.organisation_id = numbered("OSC-", n);
      a.registration_number =
          std::to_string(100 + below(900)) + "/" + std::to_string(2005 + below(19)) + "-" + std::to_string(n);
      a.region = region.name;
      a.legal_name = std::string(any(kForms)) + " " + any(kNames) + " " + any(kPurposes) + " - " +
                     region.provinces[below(static_cast<std::uint32_t>(region.provinces.size()))];
      a.quality = 0.35 + 0.6 * unit();
      a.outside = outside;
      a.late = below(50) == 0;
      a.incomplete = !a.late && below(70) == 0;
      a.twice = below(40) == 0;
      a.not_constituted = below(25) == 0;
      a.recorded_by = below(4) == 0 ? "u-officer-3" : "u-officer-1";
      applicants_.push_back(std::move(a));
    };
    for (const auto& region : target_regions()) {
      for (int i = 0; i < kPerTargetRegion; ++i) add(region, false);
    }
    for (int i = 0; i < kOutsideApplicants; ++i)
      add(other_regions()[static_cast<std::size_t>(i) % other_regions().size()], true);
    // Applications arrive in no particular order of region.
    std::shuffle(applicants_.begin(), applicants_.end(), rng_);
    summary_.organisations = static_cast<int>(applicants_.size());
  }

  Status register_and_apply(Applicant& a) {
    const int index = static_cast<int>(&a - applicants_.data());
    // Registrations from mid-May, submissions spread until the last evening.
    const Instant registered = at("2026-05-14T08:00:00Z") + std::chrono::minutes(150 * index);
    Instant received = registered + std::chrono::hours(2 + below(24 * 10));
    const Instant deadline = at("2026-06-30T19:00:00Z");
    if (received >= deadline) received = deadline - std::chrono::minutes(1 + below(600));
    if (a.late) received = deadline + std::chrono::minutes(5 + below(60 * 30));
    if (received + 20min >= deadline) a.twice = false;  // a second form would be late
    const domain::Actor recorder{a.recorded_by, "programme_officer", ""};

    const std::string domain = any(kDomains);
    boost::json::object org = {{"organisation_id", a.organisation_id},
                               {"legal_name", a.legal_name},
                               {"legal_form", a.legal_name.substr(0, a.legal_name.find(' '))},
                               {"registration", boost::json::object{{"authority", "Autorité locale"},
                                                                    {"number", a.registration_number},
                                                                    {"date", std::to_string(2005 + below(19)) + "-0" +
                                                                                 std::to_string(1 + below(9)) + "-1" +
                                                                                 std::to_string(below(9))}}},
                               {"region", a.region},
                               {"province", a.legal_name.substr(a.legal_name.rfind(" - ") + 3)},
                               {"domains", boost::json::array{domain}}};
    if (auto st = step("RegisterOrganisation", std::move(org), recorder, registered); !st) return st;

    const std::string person = numbered("P-", index + 1);
    const std::string name = std::string(any(kGiven)) + " " + any(kFamily);
    boost::json::object contact_person = {
        {"person_id", person},
        {"organisation_id", a.organisation_id},
        {"role", "représentant(e) légal(e)"},
        {"contact", boost::json::object{{"name", name},
                                        {"email", "contact" + std::to_string(index + 1) + "@osc.example.ma"},
                                        {"phone", "+212 6" + std::to_string(10000000 + below(89999999))}}}};
    if (auto st = step("RegisterContactPerson", std::move(contact_person), recorder, registered); !st) return st;

    auto form = [&](Instant when) {
      return boost::json::object{
          {"call_id", kCall},
          {"registration_number", a.registration_number},
          {"received_at", time::format_utc(when)},
          {"answers", boost::json::object{
                          {"experience_years", static_cast<int>(1 + below(25))},
                          {"domains", boost::json::array{domain}},
                          {"motivation", "Nous voulons structurer l'association et diversifier nos ressources."}}}};
    };
    std::vector<ProducedEvent> events;
    if (auto st = step("ReceiveForm", form(received), recorder, received + 1h, &events); !st) return st;
    a.application_id = std::string(events.front().data.at("application_id").as_string());
    ++summary_.applications;
    if (a.twice) {
      if (auto st = step("ReceiveForm", form(received + 20min), recorder, received + 2h); !st) return st;
    }
    if (a.incomplete) return Status::ok();  // the dossier never came
    boost::json::array documents;
    for (const char* kind : {"letter_of_interest", "legal_file", "completed_projects"}) {
      documents.push_back(boost::json::object{{"sha256", sha256_hex(a.organisation_id + "/" + kind)},
                                              {"kind", kind},
                                              {"name", std::string(kind) + ".pdf"},
                                              {"size", static_cast<int>(40000 + below(900000))}});
    }
    const Instant dossier_at =
        a.late ? received : std::min(received + std::chrono::minutes(below(600)), deadline - 1min);
    return step("ReceiveDossier",
                {{"call_id", kCall},
                 {"registration_number", a.registration_number},
                 {"received_at", time::format_utc(dossier_at)},
                 {"email_subject", "AMI_RC CAP+ " + a.legal_name},
                 {"documents", std::move(documents)}},
                recorder, dossier_at + 1h);
  }

  Status handle_late_and_incomplete() {
    bool accept = true;
    for (const auto& a : applicants_) {
      const Instant when = at("2026-07-03T09:00:00Z");
      if (a.late) {
        // Every other late application is accepted, with its reason; the others are inadmissible.
        if (accept) {
          if (auto st = step(
                  "AcceptLateSubmission",
                  {{"application_id", a.application_id},
                   {"reason", "Dossier envoyé à temps, reçu en retard à cause d'une panne de messagerie attestée."}},
                  officer(2), when);
              !st)
            return st;
        } else {
          if (auto st =
                  step("DeclareInadmissible",
                       {{"application_id", a.application_id},
                        {"rationale",
                         "Candidature reçue après la date limite du 30/06/2026 à 20h00, sans motif d'acceptation."}},
                       officer(2), when);
              !st)
            return st;
        }
        accept = !accept;
      } else if (a.incomplete) {
        if (auto st = step("DeclareInadmissible",
                           {{"application_id", a.application_id},
                            {"rationale",
                             "Dossier de candidature non reçu par e-mail à la date limite : candidature incomplète."}},
                           officer(2), when);
            !st)
          return st;
      }
    }
    return Status::ok();
  }

  bool admissible(const Applicant& a) const { return !a.incomplete && (!a.late || accepted_late(a)); }
  bool accepted_late(const Applicant& a) const {
    // Mirrors handle_late_and_incomplete: late applicants alternate accepted / inadmissible.
    int k = 0;
    for (const auto& b : applicants_) {
      if (!b.late) continue;
      if (&b == &a) return k % 2 == 0;
      ++k;
    }
    return false;
  }

  Status assess() {
    Instant when = at("2026-07-06T08:00:00Z");
    auto met = [](const char* evidence) { return boost::json::object{{"met", true}, {"evidence", evidence}}; };
    auto not_met = [](const char* reason) { return boost::json::object{{"met", false}, {"reason", reason}}; };
    for (auto& a : applicants_) {
      if (!admissible(a)) continue;
      when += 7min;
      boost::json::object criteria = {
          {"legally_constituted",
           a.not_constituted
               ? not_met(
                     "Récépissé de dépôt définitif non fourni ; seul un récépissé provisoire expiré figure au dossier.")
               : met("Récépissé de dépôt définitif et statuts fournis.")},
          {"target_region", a.outside ? not_met("L'organisation intervient hors des cinq régions ciblées par l'appel.")
                                      : met("Activités attestées dans la région (rapports d'activité).")},
          {"community_experience", met("Projets réalisés auprès des communautés locales depuis plus de deux ans.")},
          {"field_of_work", met("Domaine d'intervention couvert par l'appel.")}};
      const bool eligible = !a.not_constituted && !a.outside;
      if (auto st = step("AssessEligibility",
                         {{"application_id", a.application_id},
                          {"criteria", std::move(criteria)},
                          {"rationale", eligible ? "Les quatre critères d'éligibilité sont remplis."
                                                 : "Au moins un critère d'éligibilité n'est pas rempli."}},
                         officer(2), when);
          !st) {
        return st;
      }
      if (eligible) eligible_.push_back(&a);
    }
    return Status::ok();
  }

  boost::json::object scores(const Applicant& a, double bias) {
    static const std::pair<const char*, int> grid[] = {
        {"relevance", 60}, {"capacity", 50}, {"potential", 50}, {"commitment", 40}};
    static const char* const notes[] = {
        "Ancrage territorial solide et bien documenté.", "Équipe réduite mais structurée.",
        "Potentiel réel de diversification des ressources.", "Forte motivation exprimée pour le parcours."};
    boost::json::object out;
    int i = 0;
    for (auto [id, max] : grid) {
      double q = std::clamp(a.quality + bias + 0.16 * (unit() - 0.5), 0.0, 1.0);
      out[id] = boost::json::object{{"half_points", static_cast<int>(q * max + 0.5)}, {"justification", notes[i++]}};
    }
    return out;
  }

  Status evaluate() {
    Instant when = at("2026-07-15T08:00:00Z");
    int next = 0;
    std::map<std::string, std::vector<int>> assigned;
    auto assign = [&](Applicant& a, int ev) -> Status {
      when += 2min;
      assigned[a.application_id].push_back(ev);
      return step("AssignEvaluator", {{"application_id", a.application_id}, {"evaluator_id", evaluator(ev).id}},
                  officer(2), when);
    };
    auto fresh_evaluator = [&](const std::string& app) {
      int ev;
      do {
        ev = 1 + next++ % kEvaluators;
      } while (std::count(assigned[app].begin(), assigned[app].end(), ev));
      return ev;
    };
    for (auto* a : eligible_) {
      for (int k = 0; k < 2; ++k) {
        if (auto st = assign(*a, fresh_evaluator(a->application_id)); !st) return st;
      }
    }
    for (auto* a : eligible_) {
      const bool divergent = below(16) == 0;
      std::vector<int> scorers;
      for (std::size_t k = 0; k < assigned[a->application_id].size(); ++k) {
        const int ev = assigned[a->application_id][k];
        const bool conflict = below(30) == 0;
        when += 3min;
        if (auto st = step("DeclareConflictOfInterest",
                           {{"application_id", a->application_id},
                            {"conflict", conflict},
                            {"statement", conflict ? "J'ai siégé au bureau de cette association jusqu'en 2025."
                                                   : "Je n'ai aucun lien avec cette organisation."}},
                           evaluator(ev), when);
            !st) {
          return st;
        }
        if (conflict) {  // barred: another evaluator takes the place
          if (auto st = assign(*a, fresh_evaluator(a->application_id)); !st) return st;
          continue;
        }
        scorers.push_back(ev);
      }
      for (std::size_t k = 0; k < scorers.size(); ++k) {
        when += 11min;
        const double bias = divergent && k == 0 ? 0.35 : 0.0;
        if (auto st = step("SubmitScore", {{"application_id", a->application_id}, {"scores", scores(*a, bias)}},
                           evaluator(scorers[k]), when);
            !st)
          return st;
      }
      when += 5min;
      auto finalised = execute_(Step{"FinaliseScore", {{"application_id", a->application_id}}, officer(2), when});
      ++summary_.commands;
      if (finalised) continue;
      if (finalised.status().rule() != "scores-diverge") return finalised.status();
      // Divergent scores: a third evaluator for some, a consensus meeting for the others.
      if (below(2) == 0) {
        const int third = fresh_evaluator(a->application_id);
        if (auto st = assign(*a, third); !st) return st;
        if (auto st = step("DeclareConflictOfInterest",
                           {{"application_id", a->application_id},
                            {"conflict", false},
                            {"statement", "Je n'ai aucun lien avec cette organisation."}},
                           evaluator(third), when + 1min);
            !st)
          return st;
        if (auto st = step("SubmitScore", {{"application_id", a->application_id}, {"scores", scores(*a, 0.0)}},
                           evaluator(third), when + 30min);
            !st)
          return st;
      } else {
        if (auto st = step("RecordConsensus",
                           {{"application_id", a->application_id},
                            {"total_half_points", static_cast<int>(a->quality * 200 + 0.5)},
                            {"rationale",
                             "Réunion de consensus du comité : l'écart tenait à une lecture différente du critère de "
                             "pertinence."}},
                           officer(2), when + 1h);
            !st) {
          return st;
        }
      }
      if (auto st = step("FinaliseScore", {{"application_id", a->application_id}}, officer(2), when + 2h); !st)
        return st;
      when += 2h;
    }
    return Status::ok();
  }

  Status select() {
    Instant when = at("2026-09-01T08:00:00Z");
    for (const auto& region : target_regions()) {
      when += 30min;
      if (auto st = step("RecordSelection",
                         {{"call_id", kCall},
                          {"region", region.name},
                          {"rationale", std::string("Sélection du comité du 01/09/2026 pour la région ") + region.name +
                                            ", selon le classement et le quota de 30 places."}},
                         officer(2), when);
          !st)
        return st;
    }
    return Status::ok();
  }

  Status notify_and_appeal() {
    const Instant notified = at("2026-09-07T09:00:00Z");
    for (const auto& a : applicants_) {
      if (auto st = step("NotifyDecision",
                         {{"application_id", a.application_id}, {"notified_at", time::format_utc(notified)}},
                         officer(1), notified);
          !st)
        return st;
    }
    // Three appeals from the waiting lists; the committee upholds one.
    std::vector<std::string> appellants;
    for (const auto& [id, place] : waiting_) {
      if (place.rank > 34 && appellants.size() < 3) appellants.push_back(id);
    }
    Instant when = at("2026-09-15T10:00:00Z");
    for (std::size_t i = 0; i < appellants.size(); ++i) {
      const auto& id = appellants[i];
      if (auto st = step("FileAppeal",
                         {{"application_id", id},
                          {"filed_at", time::format_utc(when)},
                          {"grounds",
                           "Nous contestons la note du critère de capacité organisationnelle : notre rapport financier "
                           "2025 n'a pas été pris en compte."}},
                         officer(1), when);
          !st)
        return st;
      const bool upheld = i == 0;
      if (auto st = step(
              "DecideAppeal",
              {{"application_id", id},
               {"upheld", upheld},
               {"rationale",
                upheld ? "Le rapport financier 2025 figurait au dossier et n'a pas été examiné : nouvelle évaluation."
                       : "Les pièces invoquées ont bien été examinées ; la note est maintenue."}},
              officer(2), when + 48h);
          !st)
        return st;
      if (!upheld) continue;
      // Re-scored by two evaluators who have not scored it.
      int placed = 0;
      for (int ev = kEvaluators; ev >= 1 && placed < 2; --ev) {
        auto assigned = execute_(Step{
            "AssignEvaluator", {{"application_id", id}, {"evaluator_id", evaluator(ev).id}}, officer(2), when + 72h});
        ++summary_.commands;
        if (!assigned) continue;  // scored it before: not allowed to re-score
        if (auto st = step("DeclareConflictOfInterest",
                           {{"application_id", id},
                            {"conflict", false},
                            {"statement", "Je n'ai aucun lien avec cette organisation."}},
                           evaluator(ev), when + 73h);
            !st)
          return st;
        const auto* applicant = find(id);
        if (auto st = step("SubmitScore", {{"application_id", id}, {"scores", scores(*applicant, 0.1)}}, evaluator(ev),
                           when + 80h);
            !st)
          return st;
        ++placed;
      }
      if (auto st = step("FinaliseScore", {{"application_id", id}}, officer(2), when + 96h); !st) return st;
      if (auto st =
              step("PlaceApplication",
                   {{"application_id", id},
                    {"rationale", "Nouvelle note après recours ; les OSC déjà sélectionnées conservent leur place."}},
                   officer(2), when + 97h);
          !st)
        return st;
    }
    return Status::ok();
  }

  Status withdraw_and_replace() {
    // A selected CSO in Souss-Massa withdraws; the next in rank on that region's list takes the place.
    const std::string region = "Souss-Massa";
    if (selected_[region].empty()) return Status::ok();
    const Instant when = at("2026-09-25T10:00:00Z");
    const auto leaving = selected_[region].front();
    if (auto st = step("WithdrawApplication",
                       {{"application_id", leaving},
                        {"reason", "L'association renonce au parcours : fusion avec une fédération régionale."}},
                       officer(1), when);
        !st)
      return st;
    std::string next;
    int best = 1 << 30;
    for (const auto& [id, place] : waiting_) {
      if (place.region == region && place.rank < best) {
        best = place.rank;
        next = id;
      }
    }
    if (next.empty()) return Status::ok();
    return step(
        "SelectApplication",
        {{"application_id", next},
         {"rationale", "Place libérée par le désistement de " + leaving + " : le suivant au classement régional."}},
        officer(2), when + 24h);
  }

  const Applicant* find(const std::string& application_id) const {
    for (const auto& a : applicants_) {
      if (a.application_id == application_id) return &a;
    }
    return nullptr;
  }

  struct Place {
    std::string region;
    int rank = 0;
  };

  std::mt19937 rng_;
  const Executor& execute_;
  std::vector<Applicant> applicants_;
  std::vector<Applicant*> eligible_;
  std::map<std::string, Place> waiting_;
  std::map<std::string, std::vector<std::string>> selected_;
  Summary summary_;
};

}  // namespace

Result<Summary> run(unsigned seed, const Executor& execute) { return Generator(seed, execute).run(); }

}  // namespace sijill::demo
