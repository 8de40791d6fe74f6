// A call's configuration (AMI: appel à manifestation d'intérêt), recorded in its CallOpened
// event so that the same server runs the next call. The CAP+ 2026 values are the shipped
// default (schemas/programmes/cap-2026.json).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/time/deadline.h"
#include "sijill/util/status.h"

namespace sijill::domain::ami {

// Morocco's 12 regions, as the register spells them.
const std::vector<std::string>& morocco_regions();

// One line of the scoring grid.
struct Criterion {
  std::string id;       // "relevance"
  std::string label;    // "Pertinence et ancrage territorial"
  int max_half_points;  // 60 for 30 points

  friend bool operator==(const Criterion&, const Criterion&) = default;
};

// What happens to a region's places when its waiting list is exhausted.
enum class Reallocation { reallocate, leave_unfilled };

struct CallConfig {
  std::string call_id;
  std::string title;
  std::vector<std::string> regions;           // the call's target regions
  std::vector<Criterion> criteria;            // the grid; the first is the relevance criterion
  std::map<std::string, int> quotas;          // places per region
  int divergence_threshold_half_points = 40;  // 20 points
  time::Deadline deadline;
  std::vector<std::string> required_documents;  // document kinds
  int appeal_period_days = 15;
  int min_evaluators = 2;
  Reallocation reallocation = Reallocation::reallocate;
  std::string rules_version;

  int max_total_half_points() const;
  const Criterion* criterion(std::string_view id) const;
  bool targets(std::string_view region) const;

  friend bool operator==(const CallConfig&, const CallConfig&) = default;
};

// Reads a call's configuration from OpenCall's data (valid against its schema) and checks
// what a schema cannot: regions are Morocco's, quotas name target regions, the deadline is a
// real, unambiguous local time. Errors: invalid_argument with JSON Pointers, or
// rule_violation "ambiguous-local-time" / "nonexistent-local-time".
Result<CallConfig> read_call_config(const boost::json::object& data);

// The configuration as recorded in CallOpened (the input plus the deadline's UTC instant).
boost::json::object to_json(const CallConfig& config);
// Reads a CallOpened event's data back.
CallConfig call_config_from_event(const boost::json::object& data);

// The CAP+ 2026 call, as OpenCall data (schemas/programmes/cap-2026.json, built into the
// binary): 5 target regions, 30 places each, the 100-point grid, 20-point divergence
// threshold, deadline 30/06/2026 20:00 Africa/Casablanca, 15 days to appeal.
boost::json::object cap_2026_call(std::string call_id = "AMI-2026");

}  // namespace sijill::domain::ami
