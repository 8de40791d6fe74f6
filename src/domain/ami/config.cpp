#include "sijill/domain/ami/config.h"

#include <algorithm>

#include <boost/json/parse.hpp>

#include "json_access.h"
#include "sijill/json/pointer.h"
#include "sijill/util/embedded.h"

namespace sijill::domain::ami {

const std::vector<std::string>& morocco_regions() {
  static const std::vector<std::string> regions = {"Tanger-Tétouan-Al Hoceïma",
                                                   "L'Oriental",
                                                   "Fès-Meknès",
                                                   "Rabat-Salé-Kénitra",
                                                   "Béni Mellal-Khénifra",
                                                   "Casablanca-Settat",
                                                   "Marrakech-Safi",
                                                   "Drâa-Tafilalet",
                                                   "Souss-Massa",
                                                   "Guelmim-Oued Noun",
                                                   "Laâyoune-Sakia El Hamra",
                                                   "Dakhla-Oued Ed-Dahab"};
  return regions;
}

int CallConfig::max_total_half_points() const {
  int total = 0;
  for (const auto& c : criteria) total += c.max_half_points;
  return total;
}

const Criterion* CallConfig::criterion(std::string_view id) const {
  for (const auto& c : criteria) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

bool CallConfig::targets(std::string_view region) const {
  return std::find(regions.begin(), regions.end(), region) != regions.end();
}

namespace {

CallConfig read_fields(const boost::json::object& d) {
  CallConfig c;
  c.call_id = str(d, "call_id");
  c.title = str(d, "title");
  for (const auto& r : arr(d, "regions")) c.regions.emplace_back(r.as_string());
  for (const auto& v : arr(d, "criteria")) {
    const auto& o = v.as_object();
    c.criteria.push_back({str(o, "id"), str(o, "label"), static_cast<int>(integer(o, "max_points") * 2)});
  }
  for (const auto& [region, n] : obj(d, "quotas"))
    c.quotas[std::string(region)] = static_cast<int>(n.to_number<std::int64_t>());
  c.divergence_threshold_half_points = static_cast<int>(integer(d, "divergence_threshold_points", 20) * 2);
  for (const auto& r : arr(d, "required_documents")) c.required_documents.emplace_back(r.as_string());
  c.appeal_period_days = static_cast<int>(integer(d, "appeal_period_days", 15));
  c.min_evaluators = static_cast<int>(integer(d, "min_evaluators", 2));
  c.reallocation = str(d, "reallocation", "reallocate") == "leave_unfilled" ? Reallocation::leave_unfilled
                                                                            : Reallocation::reallocate;
  c.rules_version = str(d, "rules_version");
  c.deadline.local = str(d, "deadline_local");
  c.deadline.zone = str(d, "zone", "Africa/Casablanca");
  return c;
}

}  // namespace

Result<CallConfig> read_call_config(const boost::json::object& data) {
  CallConfig c = read_fields(data);
  std::vector<Violation> v;
  const auto& all = morocco_regions();
  for (std::size_t i = 0; i < c.regions.size(); ++i) {
    if (std::find(all.begin(), all.end(), c.regions[i]) == all.end()) {
      v.push_back({"/regions/" + std::to_string(i), "'" + c.regions[i] + "' is not one of Morocco's 12 regions"});
    }
  }
  for (const auto& [region, n] : c.quotas) {
    if (!c.targets(region)) v.push_back({json::make_pointer({"quotas", region}), "not a target region of the call"});
    if (n < 0) v.push_back({json::make_pointer({"quotas", region}), "must not be negative"});
  }
  for (const auto& region : c.regions) {
    if (!c.quotas.count(region)) v.push_back({"/quotas", "no quota for target region '" + region + "'"});
  }
  for (std::size_t i = 0; i < c.criteria.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (c.criteria[i].id == c.criteria[j].id)
        v.push_back({"/criteria/" + std::to_string(i) + "/id", "duplicate criterion"});
    }
  }
  if (c.criteria.empty()) v.push_back({"/criteria", "the grid needs at least one criterion"});
  if (!v.empty()) return Status::invalid_argument("the call's configuration is not valid", std::move(v));

  auto zone = time::Zone::locate(c.deadline.zone);
  if (!zone) return Status::invalid_argument("unknown time zone", {{"/zone", std::string(zone.status().message())}});
  auto deadline = time::make_deadline(c.deadline.local, *zone);
  if (!deadline) {
    auto s = deadline.status();
    if (s.code() == Code::rule_violation) return s;
    return Status::invalid_argument("the deadline is not a local time",
                                    {{"/deadline_local", std::string(s.message())}});
  }
  c.deadline = *deadline;
  return c;
}

boost::json::object to_json(const CallConfig& c) {
  boost::json::object o;
  o["call_id"] = c.call_id;
  o["title"] = c.title;
  boost::json::array regions;
  for (const auto& r : c.regions) regions.emplace_back(r);
  o["regions"] = std::move(regions);
  boost::json::array criteria;
  for (const auto& cr : c.criteria) {
    criteria.push_back(boost::json::object{{"id", cr.id}, {"label", cr.label}, {"max_points", cr.max_half_points / 2}});
  }
  o["criteria"] = std::move(criteria);
  boost::json::object quotas;
  for (const auto& [region, n] : c.quotas) quotas[region] = n;
  o["quotas"] = std::move(quotas);
  o["divergence_threshold_points"] = c.divergence_threshold_half_points / 2;
  o["deadline_local"] = c.deadline.local;
  o["zone"] = c.deadline.zone;
  o["deadline_utc"] = time::format_utc(c.deadline.instant);
  boost::json::array docs;
  for (const auto& d : c.required_documents) docs.emplace_back(d);
  o["required_documents"] = std::move(docs);
  o["appeal_period_days"] = c.appeal_period_days;
  o["min_evaluators"] = c.min_evaluators;
  o["reallocation"] = c.reallocation == Reallocation::reallocate ? "reallocate" : "leave_unfilled";
  o["rules_version"] = c.rules_version;
  return o;
}

CallConfig call_config_from_event(const boost::json::object& data) {
  CallConfig c = read_fields(data);
  c.deadline.instant = instant(data, "deadline_utc");
  return c;
}

boost::json::object cap_2026_call(std::string call_id) {
  auto o = boost::json::parse(embedded::files().at("schemas/programmes/cap-2026.json")).as_object();
  o["call_id"] = std::move(call_id);
  return o;
}

}  // namespace sijill::domain::ami
