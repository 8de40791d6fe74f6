// What the read routes answer, computed from one snapshot of the read model (model.h). The
// shapes are documented in docs/read-models.md; access (role, region, assignment) is checked by
// the caller before a view is asked for. Instants appear in UTC with their Africa/Casablanca
// local form beside them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "sijill/projections/model.h"
#include "sijill/util/status.h"

namespace sijill::projections {

// Who reads. An evaluator never sees another evaluator's scores of an application before they
// have submitted their own (DOMAIN.md).
struct Viewer {
  std::string id;
  bool evaluator = false;
};

// The programme dashboard, whole (region empty) or of one region.
boost::json::object dashboard(const Model& model, const std::string& region);

// The cascade funding (GET /v1/funds): each line's envelope and its awards with their tranches,
// the totals, each recipient's total against the third-party ceiling, and the rules that bound
// them. No award is recorded by this version: the envelopes and the rules, nothing awarded.
boost::json::object funds(const Model& model);

// The case file of an application; not_found when there is none.
Result<boost::json::object> case_file(const Model& model, std::string_view application_id, const Viewer& viewer);

// Its decision history: every decision in order, who, when, why, under which rules, and the
// events it rests on.
Result<boost::json::object> decision_history(const Model& model, std::string_view application_id, const Viewer& viewer);

// The ranking of a call in one region, with the selection state; not_found for an unknown call,
// invalid_argument for a region the call does not target.
Result<boost::json::object> ranking(const Model& model, const std::string& call_id, const std::string& region);

// The stages an application can be at (as domain::ami::Stage names them).
inline constexpr std::string_view kStages[] = {"received", "inadmissible", "ineligible", "eligible",
                                               "scored",   "selected",     "waiting",    "withdrawn"};

struct ApplicationQuery {
  std::string call_id;
  std::string region;  // empty: every region
  std::string stage;   // empty: every stage; else one of kStages
  std::string text;    // case-insensitive search in id, organisation, name, registration number
  std::string after;   // the cursor: the last application id of the previous page
  std::size_t limit = 50;
};

// A page of applications, in id order; "next" is the cursor of the following page (absent on the
// last). `visible` filters what the reader may see.
template <typename Visible>
boost::json::object list_applications(const Model& model, const ApplicationQuery& query, Visible&& visible);

// One row of the list (for list_applications).
boost::json::object application_row(const Model& model, const CaseFile& c);
bool matches(const CaseFile& c, const Model& model, const ApplicationQuery& query);

// Instants: the local form of an RFC 3339 UTC instant, in the programme's zone ("" when empty).
std::string local_time(std::string_view utc);

template <typename Visible>
boost::json::object list_applications(const Model& model, const ApplicationQuery& query, Visible&& visible) {
  boost::json::array items;
  std::string last;
  bool more = false;
  for (auto it = query.after.empty() ? model.cases().begin() : model.cases().upper_bound(query.after);
       it != model.cases().end(); ++it) {
    const CaseFile& c = *it->second;
    if (!matches(c, model, query) || !visible(c)) continue;
    if (items.size() == query.limit) {
      more = true;
      break;
    }
    items.push_back(application_row(model, c));
    last = c.application_id;
  }
  boost::json::object out{{"position", model.position()}, {"items", std::move(items)}};
  if (more) out["next"] = last;
  return out;
}

}  // namespace sijill::projections
