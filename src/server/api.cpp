#include "api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include "sijill/json/dom.h"
#include "sijill/json/parse.h"
#include "sijill/processor/command.h"
#include "query.h"
#include "web.h"

namespace sijill::server {

namespace {

constexpr std::size_t kDefaultPage = 100;
constexpr std::size_t kMaxPage = 1000;
constexpr std::size_t kMaxScan = 100'000;  // records examined by one filtered GET /v1/events
constexpr std::size_t kMaxIdempotencyKey = 256;
constexpr std::size_t kMaxCorrelationId = 128;

time::Instant now() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

ApiResponse json_response(int status, std::string body, std::string route) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  r.route = std::move(route);
  return r;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty() || s.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// If-Match: "<version>" (a strong or weak entity tag holding the stream version).
std::optional<std::uint64_t> parse_if_match(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return parse_u64(v);
}

}  // namespace

// A query parameter as an unsigned integer; invalid_argument names it.
Result<std::optional<std::uint64_t>> query_u64(const boost::urls::url_view& u, std::string_view name) {
  auto it = u.params().find(name);
  if (it == u.params().end()) return std::optional<std::uint64_t>();
  auto v = parse_u64((*it).value);
  if (!v) {
    return Status::invalid_argument("the query parameter '" + std::string(name) + "' must be an unsigned integer");
  }
  return std::optional<std::uint64_t>(*v);
}

std::string query_string(const boost::urls::url_view& u, std::string_view name) {
  auto it = u.params().find(name);
  return it == u.params().end() ? std::string() : std::string((*it).value);
}


ApiResponse problem(const Status& status, std::string route) {
  return problem(status, http_status(status.code()), problem_title(status.code()), std::move(route));
}

ApiResponse problem(const Status& status, int http_status, std::string_view title, std::string route) {
  auto o = processor::problem_document(status);
  o["status"] = http_status;
  o["title"] = title;
  ApiResponse r;
  r.status = http_status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(o);
  r.route = std::move(route);
  if (status.code() == Code::unauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (status.code() == Code::unavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

ApiResponse method_not_allowed(std::string_view allow, std::string route) {
  auto r = problem(Status(Code::not_found, "method-not-allowed", "use " + std::string(allow)), 405,
                   "Method not allowed", std::move(route));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

Api::Api(const ServerOptions& options, const Services& services) : options_(options), services_(services) {
  for (const auto& spec : services_.commands) commands_.emplace(spec.name, &spec);
}

Api::~Api() { join_workers(); }

void Api::join_workers() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(workers_mu_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w.join();
}

Result<std::optional<std::uint64_t>> Api::min_position(std::string_view method, std::string_view target) {
  if (method != "GET") return std::optional<std::uint64_t>();
  auto u = boost::urls::parse_origin_form(target);
  if (!u) return Status::invalid_argument("the request target is not a valid path and query");
  return query_u64(*u, "min_position");
}

Result<domain::Actor> Api::authenticate(std::string_view credentials, bool bearer, std::string_view remote,
                                        std::chrono::milliseconds& delay) {
  delay = std::chrono::milliseconds(0);
  std::string_view token = credentials;
  if (bearer) {
    constexpr std::string_view kBearer = "Bearer ";
    if (credentials.empty()) return Status::unauthenticated("an Authorization: Bearer <token> header is required");
    if (credentials.size() < kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), credentials.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      delay = throttle_.on_failure(remote);
      return Status::unauthenticated("the Authorization header must be 'Bearer <token>'");
    }
    token = credentials.substr(kBearer.size());
  }
  auto actor = services_.access->authenticate(token, now());
  if (!actor) delay = throttle_.on_failure(remote);
  return actor;
}

void Api::handle(ApiRequest request, Done done) {
  auto parsed = boost::urls::parse_origin_form(request.target);
  if (!parsed) {
    done(problem(Status::invalid_argument("the request target is not a valid path and query")));
    return;
  }
  const std::string path = parsed->path();

  if (path == "/health") {
    if (request.method != "GET") {
      done(method_not_allowed("GET", "/health"));
      return;
    }
    auto health = services_.store->health();
    if (shutting_down_) health = Status::unavailable("the server is shutting down");
    if (!health) {
      done(problem(health, "/health"));
      return;
    }
    boost::json::object o{{"status", "ok"}, {"head", services_.store->head().position}};
    done(json_response(200, boost::json::serialize(o), "/health"));
    return;
  }

  // The dashboard page (no token: it asks for one).
  if (auto page = web_response(request, path)) {
    done(std::move(*page));
    return;
  }

  const bool is_metrics = path == "/metrics";
  if (!is_metrics && !path.starts_with("/v1/")) {
    done(problem(Status::not_found("no route " + path)));
    return;
  }

  // Every other route needs a token.
  std::string route = "unmatched";
  if (is_metrics) {
    route = "/metrics";
  } else if (path.starts_with("/v1/commands/")) {
    auto name = std::string_view(path).substr(13);
    route = commands_.count(name) ? "/v1/commands/" + std::string(name) : "/v1/commands/{unknown}";
  } else if (path == "/v1/events") {
    route = "/v1/events";
  } else if (path.starts_with("/v1/streams/")) {
    route = "/v1/streams/{kind}/{id}";
  } else if (path == "/v1/audit/verify") {
    route = "/v1/audit/verify";
  } else if (path == "/v1/audit/export") {
    route = "/v1/audit/export";
  } else if (path == "/v1/documents") {
    route = "/v1/documents";
  } else if (path.starts_with("/v1/documents/")) {
    route = "/v1/documents/{sha256}";
  } else if (auto read = read_route_name(path)) {
    route = *read;
  }
  std::chrono::milliseconds delay{0};
  auto actor = authenticate(request.authorization, true, request.remote, delay);
  if (!actor) {
    auto r = problem(actor.status(), route);
    r.delay = delay;
    done(std::move(r));
    return;
  }
  auto finish = [&](ApiResponse r) {
    r.actor_id = actor->id;
    done(std::move(r));
  };
  auto only = [&](std::string_view method) {
    if (request.method == method) return true;
    finish(method_not_allowed(method, route));
    return false;
  };

  if (is_metrics) {
    if (!only("GET")) return;
    if (!services_.policy->may_read_metrics(*actor)) {
      finish(problem(Status::permission_denied("metrics are for admins"), route));
      return;
    }
    auto r = json_response(200, services_.metrics->render(), route);
    r.content_type = "text/plain; version=0.0.4";
    finish(std::move(r));
    return;
  }
  if (path.starts_with("/v1/commands/")) {
    if (!only("POST")) return;
    Done wrapped = [done = std::move(done), id = actor->id](ApiResponse r) mutable {
      r.actor_id = id;
      done(std::move(r));
    };
    command(request, route, path.substr(13), *actor, std::move(wrapped));
    return;
  }
  if (path == "/v1/events") {
    if (!only("GET")) return;
    finish(events(request, *actor));
    return;
  }
  if (path.starts_with("/v1/streams/")) {
    if (!only("GET")) return;
    finish(stream(request, std::string_view(path).substr(12), *actor));
    return;
  }
  if (path == "/v1/documents") {  // PUT streams its body in http.cpp and never comes here
    if (!only("PUT")) return;
    finish(problem(Status::invalid_argument("the upload was not streamed"), route));
    return;
  }
  if (path.starts_with("/v1/documents/")) {
    if (!only("GET")) return;
    finish(document(std::string_view(path).substr(14), *actor));
    return;
  }
  if (path == "/v1/audit/verify") {
    if (!only("GET")) return;
    Done wrapped = [done = std::move(done), id = actor->id](ApiResponse r) mutable {
      r.actor_id = id;
      done(std::move(r));
    };
    verify(*actor, std::move(wrapped));
    return;
  }
  if (path == "/v1/audit/export") {
    if (!only("GET")) return;
    Done wrapped = [done = std::move(done), id = actor->id](ApiResponse r) mutable {
      r.actor_id = id;
      done(std::move(r));
    };
    audit_export(request, *actor, std::move(wrapped));
    return;
  }
  if (read_route(request, path, route, *actor, finish)) return;  // reads.cpp
  finish(problem(Status::not_found("no route " + path)));
}

void Api::command(ApiRequest& request, const std::string& route, const std::string& name, const domain::Actor& actor,
                  Done done) {
  auto fail = [&](const Status& st) { done(problem(st, route)); };
  auto spec_it = commands_.find(name);
  if (spec_it == commands_.end() || !services_.processor->knows(name)) {
    fail(Status::not_found("unknown command '" + name + "'"));
    return;
  }
  const auto& spec = *spec_it->second;
  if (!services_.policy->may_run(actor, spec)) {
    fail(Status::permission_denied("the role " + actor.role + " may not run " + name));
    return;
  }
  if (shutting_down_) {
    fail(Status::unavailable("the server is shutting down; retry with the same Idempotency-Key"));
    return;
  }
  // ?dry_run=true: decided as a real run would be, nothing appended (dry_run.cpp).
  bool dry_run = false;
  if (auto u = boost::urls::parse_origin_form(request.target); u && u->params().contains("dry_run")) {
    const auto flag = query_string(*u, "dry_run");
    if (flag != "true" && flag != "false") {
      fail(Status::invalid_argument("the query parameter 'dry_run' must be true or false"));
      return;
    }
    dry_run = flag == "true";
  }

  // The body: JSON within limits, then the command's schema.
  json::Limits limits;
  limits.max_body_bytes = options_.max_body_bytes;
  auto doc = json::parse(request.body, limits);
  if (!doc) {
    fail(doc.status());
    return;
  }
  if (spec.schema) {
    if (auto valid = spec.schema->validate(*doc); !valid) {
      fail(valid);
      return;
    }
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(json::to_json(doc->root()), ec);
  if (ec || !value.is_object()) {
    fail(Status::invalid_argument("the body must be a JSON object", {{"", "must be an object"}}));
    return;
  }

  processor::CommandCall call;
  call.name = name;
  call.actor = actor;
  // X-Correlation-Id goes into every event's record: 1 to 128 printable ASCII characters, else the
  // request id (a byte that is not UTF-8 would make the record unreadable JSON for good).
  const auto& correlation = request.correlation_id;
  call.correlation_id = !correlation.empty() && correlation.size() <= kMaxCorrelationId && printable_ascii(correlation)
                            ? correlation
                            : request.request_id;
  if (request.idempotency_key) {
    const auto& key = *request.idempotency_key;
    if (key.empty() || key.size() > kMaxIdempotencyKey || !printable_ascii(key)) {
      fail(Status::invalid_argument("the Idempotency-Key header must be 1 to 256 printable ASCII characters"));
      return;
    }
    call.idempotency_key = key;
  }
  if (request.if_match) {
    auto version = parse_if_match(*request.if_match);
    if (!version) {
      fail(Status::invalid_argument("the If-Match header must be a quoted stream version, e.g. \"3\""));
      return;
    }
    call.if_match = *version;
  }
  call.data = std::move(value.get_object());
  if (spec.personal) {
    auto sealed = dry_run ? processor::stand_in_for_personal_data(*spec.personal, call.data)
                          : processor::seal_personal_data(*spec.personal, call.data, *services_.keys);
    if (!sealed) {
      fail(sealed);
      return;
    }
  }
  boost::json::object extras;
  if (spec.prepare) {
    auto prepared = spec.prepare(call.data);
    if (!prepared) {
      fail(prepared.status());
      return;
    }
    extras = std::move(prepared).value();
  }
  call.body = std::move(request.body);
  if (dry_run) return this->dry_run(std::move(call), route, std::move(done));

  auto* metrics = services_.metrics;
  services_.processor->submit(std::move(call), [done = std::move(done), extras = std::move(extras), route,
                                                metrics](Result<processor::CommandOutcome> outcome) mutable {
    if (!outcome) {
      if (metrics && outcome.status().code() != Code::unavailable) metrics->observe_rejection(outcome.status().rule());
      done(problem(outcome.status(), route));
      return;
    }
    boost::json::object o;
    o["position"] = outcome->position;
    boost::json::array events;
    for (const auto& e : outcome->events) {
      events.push_back(boost::json::object{
          {"position", e.position}, {"stream", e.stream}, {"version", e.version}, {"type", e.type}});
    }
    o["events"] = std::move(events);
    ApiResponse r;
    if (outcome->replayed) {
      r.headers.emplace_back("Idempotent-Replayed", "true");
    } else {
      for (auto& [k, v] : extras) o[k] = std::move(v);
    }
    r.status = 201;
    r.body = boost::json::serialize(o);
    r.route = route;
    r.headers.emplace_back("Cache-Control", "no-store");
    done(std::move(r));
  });
}

ApiResponse Api::events(const ApiRequest& request, const domain::Actor& actor) {
  const std::string route = "/v1/events";
  if (!services_.policy->may_read_log(actor)) {
    return problem(Status::permission_denied("the log is for auditors, programme officers and admins"), route);
  }
  auto u = boost::urls::parse_origin_form(request.target);
  auto from = query_u64(*u, "from");
  auto limit = query_u64(*u, "limit");
  if (!from) return problem(from.status(), route);
  if (!limit) return problem(limit.status(), route);
  const std::uint64_t after = from->value_or(0);
  const std::size_t page = static_cast<std::size_t>(std::min<std::uint64_t>(limit->value_or(kDefaultPage), kMaxPage));
  const std::string prefix = query_string(*u, "stream");
  const std::string type = query_string(*u, "type");
  const auto head = services_.store->head().position;

  std::string body = "{\"events\":[";
  std::uint64_t next = after;
  std::size_t count = 0;
  std::size_t scanned = 0;
  Status failure;
  if (page > 0 && after < head) {
    auto st = services_.store->scan_log(after, head, [&](const store::Record& r) {
      ++scanned;
      next = r.position;
      if (!prefix.empty() || !type.empty()) {
        auto env = store::parse_envelope(r.bytes);
        if (!env) {
          failure = env.status();
          return false;
        }
        if (!env->stream.starts_with(prefix) || (!type.empty() && env->type != type)) return scanned < kMaxScan;
      }
      if (count++ > 0) body += ',';
      body += r.wire();
      return count < page && scanned < kMaxScan;
    });
    if (!st) return problem(st, route);
    if (!failure) return problem(failure, route);
  }
  body += "],\"next\":";
  body += std::to_string(next);
  body += ",\"head\":";
  body += std::to_string(head);
  body += '}';
  return json_response(200, std::move(body), route);
}

ApiResponse Api::stream(const ApiRequest& request, std::string_view name, const domain::Actor& actor) {
  const std::string route = "/v1/streams/{kind}/{id}";
  auto slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) {
    return problem(Status::not_found("a stream is named <kind>/<id>"), route);
  }
  if (!services_.policy->may_read_stream(actor, name)) {
    return problem(Status::permission_denied("the role " + actor.role + " may not read " + std::string(name)), route);
  }
  auto u = boost::urls::parse_origin_form(request.target);
  auto from = query_u64(*u, "from_version");
  auto limit = query_u64(*u, "limit");
  if (!from) return problem(from.status(), route);
  if (!limit) return problem(limit.status(), route);
  const auto version = services_.store->stream_version(name);
  if (version == 0) return problem(Status::not_found("no stream " + std::string(name)), route);
  const std::size_t page = static_cast<std::size_t>(std::min<std::uint64_t>(limit->value_or(kMaxPage), kMaxPage));
  auto records = services_.store->read_stream(name, from->value_or(1), page);
  if (!records) return problem(records.status(), route);
  std::string body = "{\"stream\":";
  body += boost::json::serialize(boost::json::value(std::string(name)));
  body += ",\"version\":";
  body += std::to_string(version);
  body += ",\"events\":[";
  bool first = true;
  const bool per_event = actor.role == domain::kEvaluator;
  for (const auto& r : *records) {
    if (per_event) {
      auto env = store::parse_envelope(r.bytes);
      if (!env || !services_.policy->may_read_event(actor, name, env->type, r.bytes)) continue;
    }
    if (!first) body += ',';
    first = false;
    body += r.wire();
  }
  body += "]}";
  return json_response(200, std::move(body), route);
}

void Api::verify(const domain::Actor& actor, Done done) {
  const std::string route = "/v1/audit/verify";
  if (!services_.policy->may_verify(actor)) {
    done(problem(Status::permission_denied("the chain check is for auditors and admins"), route));
    return;
  }
  if (verifying_.fetch_add(1) >= 2) {
    --verifying_;
    done(problem(Status::unavailable("two chain checks are running already; retry later"), route));
    return;
  }
  std::lock_guard lock(workers_mu_);
  workers_.emplace_back([this, route, done = std::move(done)]() mutable {
    auto report = store::verify_chain(*services_.store);
    boost::json::object o;
    o["ok"] = report.ok();
    o["count"] = report.count;
    o["head"] = boost::json::object{{"position", report.head.position}, {"hash", store::to_hex(report.head.hash)}};
    o["first_bad"] = report.first_bad ? boost::json::value(*report.first_bad) : boost::json::value(nullptr);
    o["problem"] = report.problem;
    --verifying_;
    done(json_response(200, boost::json::serialize(o), route));
  });
}

}  // namespace sijill::server
