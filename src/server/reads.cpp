// The read models' routes: answered from the projector's current snapshot, or from the model
// as it stood at a past position or instant (`as_of`). Shapes: docs/read-models.md.
#include <algorithm>

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "api.h"
#include "query.h"
#include "sijill/projections/views.h"

namespace sijill::server {

namespace {

constexpr std::size_t kDefaultApplications = 50;
constexpr std::size_t kMaxApplications = 500;

ApiResponse json_ok(std::string body, const std::string& route) {
  ApiResponse r;
  r.status = 200;
  r.body = std::move(body);
  r.route = route;
  return r;
}

}  // namespace

std::uint64_t Api::applied_position() const {
  if (services_.projections != nullptr) return services_.projections->current()->position();
  return services_.store->head().position;
}

std::optional<std::string> Api::read_route_name(std::string_view path) {
  if (path == "/v1/session") return "/v1/session";
  if (path == "/v1/dashboard") return "/v1/dashboard";
  if (path == "/v1/funds") return "/v1/funds";
  if (path == "/v1/ranking") return "/v1/ranking";
  if (path == "/v1/applications") return "/v1/applications";
  if (path.starts_with("/v1/applications/")) {
    return path.ends_with("/history") ? "/v1/applications/{id}/history" : "/v1/applications/{id}";
  }
  return std::nullopt;
}

bool Api::read_route(const ApiRequest& request, const std::string& path, const std::string& route,
                     const domain::Actor& actor, const std::function<void(ApiResponse)>& finish) {
  if (!read_route_name(path)) return false;
  if (request.method != "GET") {
    finish(method_not_allowed("GET", route));
    return true;
  }
  auto fail = [&](const Status& st) { finish(problem(st, route)); };
  if (path == "/v1/session") {
    boost::json::object o{{"user", actor.id},
                          {"role", actor.role},
                          {"region", actor.region.empty() ? boost::json::value() : boost::json::value(actor.region)}};
    finish(json_ok(boost::json::serialize(o), route));
    return true;
  }
  if (path == "/v1/funds" && !services_.policy->may_read_funds(actor)) {
    fail(Status::permission_denied("the funds are read by programme officers, auditors and administrators"));
    return true;
  }
  auto* projector = services_.projections;
  if (projector == nullptr) {
    fail(Status::unavailable("the read models are not loaded"));
    return true;
  }
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) {
    fail(Status::invalid_argument("the request target is not a valid path and query"));
    return true;
  }
  // The snapshot to answer from: the current one, or the model as of a past moment.
  projections::SnapshotPtr snapshot;
  const auto as_of = query_string(*url, "as_of");
  if (url->params().find("as_of") != url->params().end()) {
    auto position = projections::resolve_as_of(*services_.store, as_of);
    if (!position) {
      fail(position.status());
      return true;
    }
    auto past = projector->as_of(*position);
    if (!past) {
      fail(past.status());
      return true;
    }
    snapshot = *past;
  } else {
    snapshot = projector->current();
  }
  const auto& model = snapshot->model();
  const projections::Viewer viewer{actor.id, actor.role == domain::kEvaluator};

  if (path == "/v1/funds") {  // may_read_funds: checked above, before an as_of is replayed
    finish(json_ok(boost::json::serialize(projections::funds(model)), route));
    return true;
  }
  if (path == "/v1/dashboard" || path == "/v1/ranking") {
    auto region = query_string(*url, "region");
    if (region.empty() && actor.role == domain::kRegionalCoordinator) region = actor.region;
    if (!services_.policy->may_read_region(actor, region)) {
      fail(Status::permission_denied(
          actor.role == domain::kRegionalCoordinator
              ? "a regional coordinator reads only their region (" + actor.region + ")"
              : "the role " + actor.role + " reads no aggregate; evaluators see the applications assigned to them"));
      return true;
    }
    if (path == "/v1/dashboard") {
      if (!region.empty() && std::none_of(model.calls().begin(), model.calls().end(), [&](const auto& c) {
            const auto& rs = c.second.regions;
            return std::find(rs.begin(), rs.end(), region) != rs.end();
          })) {
        fail(Status::not_found("no call targets the region " + region));
        return true;
      }
      finish(json_ok(*snapshot->dashboard_json(region), route));
      return true;
    }
    const auto call = query_string(*url, "call");
    if (call.empty()) {
      fail(Status::invalid_argument("the call is missing", {{"/call", "give the call's id: ?call=AMI-2026"}}));
      return true;
    }
    if (!region.empty()) {
      auto ranked = projections::ranking(model, call, region);
      if (!ranked) {
        fail(ranked.status());
        return true;
      }
      finish(json_ok(boost::json::serialize(*ranked), route));
      return true;
    }
    auto it = model.calls().find(call);
    if (it == model.calls().end()) {
      fail(Status::not_found("no call " + call));
      return true;
    }
    boost::json::array regions;
    for (const auto& r : it->second.regions) regions.push_back(*projections::ranking(model, call, r));
    boost::json::object out{{"position", model.position()}, {"call_id", call}, {"regions", std::move(regions)}};
    finish(json_ok(boost::json::serialize(out), route));
    return true;
  }

  if (path == "/v1/applications") {
    projections::ApplicationQuery q;
    q.call_id = query_string(*url, "call");
    q.region = query_string(*url, "region");
    q.stage = query_string(*url, "status");
    if (!q.stage.empty() && std::find(std::begin(projections::kStages), std::end(projections::kStages), q.stage) ==
                                std::end(projections::kStages)) {
      std::string stages;
      for (const auto stage : projections::kStages) stages += (stages.empty() ? "" : ", ") + std::string(stage);
      fail(Status::invalid_argument("status is not a stage",
                                    {{"/status", "'" + q.stage + "' is not one of " + stages}}));
      return true;
    }
    q.text = query_string(*url, "q");
    q.after = query_string(*url, "cursor");
    auto limit = query_u64(*url, "limit");
    if (!limit) {
      fail(limit.status());
      return true;
    }
    q.limit = std::clamp<std::size_t>(limit->value_or(kDefaultApplications), 1, kMaxApplications);
    if (actor.role == domain::kRegionalCoordinator) {
      if (!q.region.empty() && q.region != actor.region) {
        fail(Status::permission_denied("a regional coordinator reads only their region (" + actor.region + ")"));
        return true;
      }
      q.region = actor.region;
    }
    auto page = projections::list_applications(model, q, [&](const projections::CaseFile& c) {
      return services_.policy->may_read_stream(actor, "application/" + c.application_id);
    });
    finish(json_ok(boost::json::serialize(page), route));
    return true;
  }

  // /v1/applications/{id}[/history]
  std::string_view rest = std::string_view(path).substr(std::string_view("/v1/applications/").size());
  const bool history = rest.ends_with("/history");
  if (history) rest.remove_suffix(std::string_view("/history").size());
  const std::string id(rest);
  if (id.empty() || id.find('/') != std::string::npos) {
    fail(Status::not_found("no route " + path));
    return true;
  }
  if (!services_.policy->may_read_stream(actor, "application/" + id)) {
    fail(Status::permission_denied(
        "the role " + actor.role + " may not read application " + id +
        (actor.role == domain::kEvaluator ? " (not assigned to you, or a conflict declared)" : "")));
    return true;
  }
  auto view = history ? projections::decision_history(model, id, viewer) : projections::case_file(model, id, viewer);
  if (!view) {
    fail(view.status());
    return true;
  }
  finish(json_ok(boost::json::serialize(*view), route));
  return true;
}

}  // namespace sijill::server
