// ApiRunner: the same commands through a running server's HTTP API (runner.h).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sijill/importer/runner.h"
#include "sijill/server/client.h"

namespace sijill::importer {

namespace {

Result<boost::json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return Status::unavailable("the server's reply is not a JSON object");
  return std::move(v.get_object());
}

std::uint64_t u64_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

std::string text_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

ApiRunner::ApiRunner(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {}

namespace {

// GET `target` with the token; the body of a 200, else the problem as a Status.
Result<boost::json::object> get(const std::string& base, const std::string& token, const std::string& target) {
  auto res = server::http_request(base, "GET", target, {{"Authorization", "Bearer " + token}}, "");
  if (!res) return res.status();
  if (res->status != 200) return status_from_problem(res->status, res->body);
  return parse_object(res->body);
}

// Calls `visit` with the data of every event of type `type`, from the start of the log.
Status scan_type(const std::string& base, const std::string& token, const std::string& type,
                 const std::function<void(const boost::json::object&)>& visit) {
  std::uint64_t from = 0;
  while (true) {
    auto page = get(base, token, "/v1/events?type=" + type + "&limit=1000&from=" + std::to_string(from));
    if (!page) return page.status();
    if (const auto* events = page->if_contains("events"); events != nullptr && events->is_array()) {
      for (const auto& e : events->get_array()) {
        if (!e.is_object()) continue;
        const auto* data = e.get_object().if_contains("data");
        if (data != nullptr && data->is_object()) visit(data->get_object());
      }
    }
    const auto next = u64_of(*page, "next");
    const auto head = u64_of(*page, "head");
    if (next <= from || next >= head) return Status::ok();
    from = next;
  }
}

}  // namespace

Result<CommandReply> ApiRunner::run(const std::string& name, const std::string& body, const RunOptions& options) {
  // The head before the command: a reply whose position is not beyond it appended nothing (an
  // idempotent repeat answers with the first success's positions).
  auto health = server::http_request(base_url_, "GET", "/health", {}, "");
  if (!health) return health.status();
  if (health->status != 200) return status_from_problem(health->status, health->body);
  auto h = parse_object(health->body);
  if (!h) return h.status();
  const auto head_before = u64_of(*h, "head");

  std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token_},
                                                              {"Content-Type", "application/json"}};
  if (options.idempotency_key) headers.emplace_back("Idempotency-Key", *options.idempotency_key);
  if (options.if_match) headers.emplace_back("If-Match", "\"" + std::to_string(*options.if_match) + "\"");
  if (!options.correlation_id.empty()) headers.emplace_back("X-Correlation-Id", options.correlation_id);
  auto res = server::http_request(base_url_, "POST", "/v1/commands/" + name, headers, body);
  if (!res) return res.status();
  if (res->status != 201) return status_from_problem(res->status, res->body);
  auto reply = parse_object(res->body);
  if (!reply) return reply.status();
  CommandReply out;
  out.position = u64_of(*reply, "position");
  if (const auto* events = reply->if_contains("events"); events != nullptr && events->is_array()) {
    for (const auto& e : events->get_array()) {
      if (!e.is_object()) continue;
      const auto& o = e.get_object();
      out.events.push_back({u64_of(o, "position"), text_of(o, "stream"), u64_of(o, "version"), text_of(o, "type")});
    }
  }
  for (const auto& [k, v] : *reply) {
    if (k != "position" && k != "events") out.extras[k] = v;
  }
  out.replayed = out.position != 0 && out.position <= head_before;
  return out;
}

Result<DryRunReply> ApiRunner::dry_run(const std::string& name, const std::string& body, const RunOptions& options) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token_},
                                                              {"Content-Type", "application/json"}};
  if (options.idempotency_key) headers.emplace_back("Idempotency-Key", *options.idempotency_key);
  if (options.if_match) headers.emplace_back("If-Match", "\"" + std::to_string(*options.if_match) + "\"");
  auto res = server::http_request(base_url_, "POST", "/v1/commands/" + name + "?dry_run=true", headers, body);
  if (!res) return res.status();
  if (res->status == 201) {
    return Status::internal("the server at " + base_url_ + " ran " + name +
                            " instead of a dry run: it does not know ?dry_run=true (upgrade it)");
  }
  if (res->status != 200) return status_from_problem(res->status, res->body);
  auto reply = parse_object(res->body);
  if (!reply) return reply.status();
  const auto* dry = reply->if_contains("dry_run");
  if (dry == nullptr || !dry->is_bool() || !dry->get_bool()) {
    return Status::unavailable("the server at " + base_url_ + " does not do dry runs (POST ...?dry_run=true)");
  }
  DryRunReply out;
  const auto* replayed = reply->if_contains("replayed");
  out.replayed = replayed != nullptr && replayed->is_bool() && replayed->get_bool();
  if (const auto* events = reply->if_contains("events"); events != nullptr && events->is_array()) {
    for (const auto& e : events->get_array()) {
      if (!e.is_object()) continue;
      const auto& o = e.get_object();
      if (out.replayed) {
        out.first_events.push_back(
            {u64_of(o, "position"), text_of(o, "stream"), u64_of(o, "version"), text_of(o, "type")});
        continue;
      }
      const auto* data = o.if_contains("data");
      out.events.push_back({text_of(o, "stream"), text_of(o, "type"),
                            data != nullptr && data->is_object() ? data->get_object() : boost::json::object()});
    }
  }
  return out;
}

Result<boost::json::object> ApiRunner::event_data(std::string_view stream, std::uint64_t version) {
  auto page = get(base_url_, token_,
                  "/v1/streams/" + std::string(stream) + "?from_version=" + std::to_string(version) + "&limit=1");
  if (!page) return page.status();
  const auto* events = page->if_contains("events");
  if (events == nullptr || !events->is_array() || events->get_array().empty() || !events->get_array()[0].is_object()) {
    return Status::not_found("no event " + std::to_string(version) + " in " + std::string(stream));
  }
  const auto* data = events->get_array()[0].get_object().if_contains("data");
  if (data == nullptr || !data->is_object()) return Status::unavailable("the server's event has no data");
  return data->get_object();
}

Result<bool> ApiRunner::has_stream(std::string_view stream) {
  auto page = get(base_url_, token_, "/v1/streams/" + std::string(stream) + "?limit=1");
  if (page) return true;
  if (page.status().code() == Code::not_found) return false;
  return page.status();
}

Result<std::map<std::string, std::string>> ApiRunner::organisations() {
  std::map<std::string, std::string> out;
  auto st = scan_type(base_url_, token_, "OrganisationRegistered", [&](const boost::json::object& d) {
    const auto* reg = d.if_contains("registration");
    if (reg == nullptr || !reg->is_object()) return;
    out.emplace(text_of(reg->get_object(), "number"), text_of(d, "organisation_id"));
  });
  if (!st) return st;
  return out;
}

Result<std::vector<RecordedForm>> ApiRunner::recorded_forms(std::string_view call_id) {
  std::vector<RecordedForm> out;
  Status bad;
  auto st = scan_type(base_url_, token_, "FormReceived", [&](const boost::json::object& d) {
    if (text_of(d, "call_id") != call_id) return;
    auto at = time::parse_instant(text_of(d, "received_at"));
    if (!at) {
      bad = at.status();
      return;
    }
    out.push_back({text_of(d, "registration_number"), *at, text_of(d, "application_id")});
  });
  if (!st) return st;
  if (!bad) return bad;
  return out;
}

std::string ApiRunner::describe() const { return "the server at " + base_url_; }

}  // namespace sijill::importer
