// A libFuzzer target over the request-to-command path of the HTTP API, without sockets.
//
// Each input holds one to four requests (the format is below, and in docs/fuzzing.md). Every
// request goes through server::Api::handle(), as the Beast session would hand it over: the route, the
// token (401), the access policy (403: role; region and assignment for reads), the body parsed
// by sijill::json::parse within the server's limits (400), the command's JSON Schema (400),
// personal data sealed, the processor's idempotency and If-Match checks (409, 412) and the
// domain's decide() (422), then the commit (201).
//
// The requests run against one real programme per process: an EventStore (RocksDB) in a
// temporary folder, with users, tokens, a call, organisations and applications at several stages
// created at start (World::setup), so that the commands of the AMI get far. The world is rebuilt
// every SIJILL_FUZZ_RESET_EVERY inputs (default 2000), after a full chain check.
//
// Invariants checked on every response (a breach aborts, and libFuzzer saves the input):
//   - the status is one the API documents (200, 201, 400, 401, 403, 404, 405, 409, 412, 413,
//     422); 500 and 503 are bugs here (no storage fault, no shutdown);
//   - an error is application/problem+json: strict JSON (UTF-8, no duplicate key) with type
//     /problems/<kebab-case> matching the status, title, status equal to the HTTP status,
//     detail, and errors [{path: a JSON Pointer, message}];
//   - a 201 is JSON {position, events: [{position, stream, version, type}]} whose positions are
//     the ones the log's head moved over; the records appended are strict JSON, chained, match
//     the reply, carry no personal data in clear, and fit their event's schema;
//   - a refused request (anything but a 201 that is not a replay) never moves the log's head;
//   - a 201 with an Idempotency-Key, sent again, answers the same positions and appends nothing;
//     sent again with another body, 409 and nothing appended;
//   - the route label (metrics) is a template or a known command name, never raw input.
//
// Built with -DSIJILL_FUZZ=ON (clang, libFuzzer, ASan, UBSan): tools/fuzz. Built without it,
// the same file links fuzz_main.cpp and replays the corpus as a CTest test.
#include <unistd.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api.h"  // src/server: the routes without Beast
#include "sijill/access/commands.h"
#include "sijill/domain/schemas.h"
#include "sijill/json/parse.h"
#include "sijill/processor/processor.h"
#include "sijill/programme/programme.h"
#include "sijill/projections/projector.h"
#include "sijill/server/metrics.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "sijill/store/record.h"
#include "sijill/time/instant.h"

using namespace sijill;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// Failing: print what broke and the request, then abort (libFuzzer saves the input).

std::string printable(std::string_view s, std::size_t max = 600) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

[[noreturn]] void fail(const std::string& what, const server::ApiRequest* request = nullptr,
                       const server::ApiResponse* response = nullptr) {
  std::fprintf(stderr, "\n*** api_fuzz invariant broken: %s\n", what.c_str());
  if (request) {
    std::fprintf(stderr, "    request: %s %s\n    idempotency-key: %s\n    if-match: %s\n    correlation: %s\n",
                 request->method.c_str(), printable(request->target).c_str(),
                 request->idempotency_key ? printable(*request->idempotency_key).c_str() : "(none)",
                 request->if_match ? printable(*request->if_match).c_str() : "(none)",
                 printable(request->correlation_id).c_str());
    std::fprintf(stderr, "    body: %s\n", printable(request->body).c_str());
  }
  if (response) {
    std::fprintf(stderr, "    response: %d %s route=%s\n    %s\n", response->status, response->content_type.c_str(),
                 printable(response->route).c_str(), printable(response->body, 2000).c_str());
  }
  std::fflush(stderr);
  std::abort();
}

void check(bool ok, const std::string& what, const server::ApiRequest* request = nullptr,
           const server::ApiResponse* response = nullptr) {
  if (!ok) fail(what, request, response);
}

// Strict JSON as the project defines it (UTF-8, no duplicate key, RFC 8259), with limits wide
// enough for any response or record.
bool strict_json(std::string_view text, std::string* why = nullptr) {
  json::Limits limits;
  limits.max_body_bytes = std::size_t{64} << 20;
  limits.max_string_bytes = std::size_t{16} << 20;
  limits.max_array_elements = std::size_t{1} << 20;
  limits.max_object_members = std::size_t{1} << 20;
  limits.max_depth = 256;
  auto doc = json::parse(text, limits);
  if (!doc && why) *why = doc.status().to_string();
  return doc.is_ok();
}

// ---------------------------------------------------------------------------------------------
// The world: a programme served by an Api over a real store in a temporary folder.

// The processor's clock: fixed, after the call's deadline (2026-06-30 20:00 local) and after
// the notification the setup records, so that the documentation's examples reach the rules.
time::Instant fixed_now() {
  static const time::Instant t = *time::parse_instant("2026-08-01T10:00:00Z");
  return t;
}

class World {
 public:
  World() { build(); }
  ~World() { tear_down(); }

  // Runs one request to its answer (Api::handle answers on another thread for commands).
  server::ApiResponse call(server::ApiRequest request) {
    struct Answer {
      std::mutex mu;
      std::condition_variable cv;
      int calls = 0;
      server::ApiResponse response;
    };
    auto answer = std::make_shared<Answer>();
    api_->handle(std::move(request), [answer](server::ApiResponse r) {
      std::lock_guard lock(answer->mu);
      if (++answer->calls > 1) fail("Api::handle called done twice");
      answer->response = std::move(r);
      answer->cv.notify_all();
    });
    std::unique_lock lock(answer->mu);
    if (!answer->cv.wait_for(lock, std::chrono::seconds(30), [&] { return answer->calls > 0; })) {
      fail("Api::handle did not answer within 30 s");
    }
    return std::move(answer->response);
  }

  // The Authorization header of a principal of the setup; nullopt for an unknown name.
  std::optional<std::string> authorization(std::string_view principal) const {
    auto it = tokens_.find(principal);
    if (it == tokens_.end()) return std::nullopt;
    return "Bearer " + it->second;
  }

  store::EventStore& store() { return *store_; }
  const std::set<std::string, std::less<>>& command_names() const { return command_names_; }

  // Checks the whole chain, then builds a fresh world.
  void reset() {
    verify();
    tear_down();
    build();
  }

  void verify() {
    auto report = store::verify_chain(*store_);
    check(report.ok(), "the chain does not verify: " + report.problem);
  }

 private:
  void build() {
    static int generation = 0;
    dir_ =
        fs::temp_directory_path() / ("sijill-fuzz-" + std::to_string(::getpid()) + "-" + std::to_string(generation++));
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::create_directories(dir_);

    store::StoreOptions o;
    o.dir = dir_;
    o.sync = false;  // speed: durability is the crash tests' business, not this target's
    auto opened = store::EventStore::open(o);
    check(opened.is_ok(), "cannot open the store: " + opened.status().to_string());
    store_ = std::move(opened).value();
    auto keys = store::KeyStore::open(dir_ / "keys");
    check(keys.is_ok(), "cannot open the key file: " + keys.status().to_string());
    keys_ = std::move(keys).value();

    auto programme = programme::Programme::create();
    check(programme.is_ok(), "cannot create the programme: " + programme.status().to_string());
    programme_ = std::move(programme).value();
    policy_ = std::make_unique<access::Policy>();
    check(programme_->attach(*store_, *policy_).is_ok(), "cannot attach the programme");
    metrics_ = std::make_unique<server::Metrics>();

    processor::ProcessorOptions po;
    po.clock = fixed_now;
    processor_ = std::make_unique<processor::Processor>(*store_, programme_->modules(), po);
    check(processor_->start().is_ok(), "cannot start the processor");
    // The read models (GET /v1/applications, /v1/dashboard, ...), as `sijill serve` runs them,
    // without checkpoints.
    projector_ = std::make_unique<projections::Projector>(*store_, projections::ProjectorOptions{});
    check(projector_->load().is_ok(), "cannot load the read models");
    projector_->start();

    server::Services services;
    services.store = store_.get();
    services.projections = projector_.get();
    services.keys = keys_.get();
    services.processor = processor_.get();
    services.commands = programme_->command_specs();
    services.access = &programme_->access();
    services.policy = policy_.get();
    services.metrics = metrics_.get();
    command_names_.clear();
    for (const auto& spec : services.commands) command_names_.insert(spec.name);
    api_ = std::make_unique<server::Api>(server::ServerOptions{}, services);
    setup();
  }

  void tear_down() {
    api_.reset();  // joins its workers
    if (processor_) processor_->stop();
    processor_.reset();
    projector_.reset();  // stops following
    store_.reset();
    keys_.reset();
    programme_.reset();
    policy_.reset();
    metrics_.reset();
    tokens_.clear();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // The first admin, as `sijill serve` makes it: straight through the processor.
  void bootstrap_admin() {
    processor::CommandCall user;
    user.name = "RegisterUser";
    user.actor = processor::kSystemActor;
    user.data = {{"person_id", "admin"}, {"roles", boost::json::array{"admin"}}};
    user.body = boost::json::serialize(user.data);
    auto r = processor_->run(std::move(user));
    check(r.is_ok(), "bootstrap RegisterUser: " + r.status().to_string());

    processor::CommandCall token;
    token.name = "CreateToken";
    token.actor = processor::kSystemActor;
    token.data = {{"user", "admin"}, {"role", "admin"}, {"expires_in_days", 3650}};
    token.body = boost::json::serialize(token.data);
    auto extras = access::prepare_create_token(token.data);
    check(extras.is_ok(), "bootstrap prepare CreateToken");
    auto t = processor_->run(std::move(token));
    check(t.is_ok(), "bootstrap CreateToken: " + t.status().to_string());
    tokens_["admin"] = std::string(extras->at("token").as_string());
  }

  // One setup command through the API; it must succeed. Returns the 201 body.
  boost::json::object must(std::string_view principal, const std::string& command, std::string_view body) {
    server::ApiRequest r;
    r.method = "POST";
    r.target = "/v1/commands/" + command;
    r.authorization = *authorization(principal);
    r.remote = "setup";
    r.request_id = "setup";
    r.correlation_id = "setup";
    r.body = std::string(body);
    const server::ApiRequest copy = r;
    auto response = call(std::move(r));
    check(response.status == 201, "setup command " + command + " failed", &copy, &response);
    return boost::json::parse(response.body).as_object();
  }

  void user(const std::string& id, const std::string& role, const std::string& principal,
            const std::string& region = "") {
    must("admin", "RegisterUser", R"({"person_id":")" + id + R"(","roles":[")" + role + R"("]})");
    std::string body = R"({"user":")" + id + R"(","role":")" + role + R"(","expires_in_days":3650)";
    if (!region.empty()) body += R"(,"region":")" + region + "\"";
    body += "}";
    auto created = must("admin", "CreateToken", body);
    tokens_[principal] = std::string(created.at("token").as_string());
    token_ids_[principal] = std::string(created.at("token_id").as_string());
  }

  // Users and tokens; a call; five organisations; applications at several stages.
  void setup() {
    bootstrap_admin();
    user("u-officer", "programme_officer", "officer");
    user("u-officer-2", "programme_officer", "revoked");
    user("u-ev1", "evaluator", "evaluator");   // assigned to APP-0001, declared no conflict
    user("u-ev2", "evaluator", "evaluator2");  // assigned to APP-0001, no declaration yet
    user("u-ev3", "evaluator", "evaluator3");  // assigned to APP-0003, declared a conflict
    user("u-ev4", "evaluator", "evaluator4");  // assigned to nothing
    user("u-coord", "regional_coordinator", "coordinator", "Souss-Massa");
    user("u-coord-2", "regional_coordinator", "coordinator2", "Casablanca-Settat");
    user("u-auditor", "auditor", "auditor");
    must("admin", "RevokeToken", R"({"token_id":")" + token_ids_["revoked"] + R"(","reason":"left"})");

    must("officer", "OpenCall", R"({
      "call_id": "AMI-2026", "title": "AMI CAP+ 2026 : sélection de 150 OSC",
      "regions": ["Béni Mellal-Khénifra", "Drâa-Tafilalet", "L'Oriental", "Marrakech-Safi", "Souss-Massa"],
      "criteria": [
        {"id": "relevance", "label": "Pertinence et ancrage territorial", "max_points": 30},
        {"id": "capacity", "label": "Capacité organisationnelle", "max_points": 25},
        {"id": "potential", "label": "Potentiel de développement", "max_points": 25},
        {"id": "commitment", "label": "Engagement et ouverture au changement", "max_points": 20}],
      "quotas": {"Béni Mellal-Khénifra": 30, "Drâa-Tafilalet": 30, "L'Oriental": 30, "Marrakech-Safi": 30,
                 "Souss-Massa": 2},
      "divergence_threshold_points": 20, "deadline_local": "2026-06-30T20:00", "zone": "Africa/Casablanca",
      "required_documents": ["letter_of_interest", "legal_file", "completed_projects"],
      "appeal_period_days": 15, "min_evaluators": 2, "reallocation": "reallocate",
      "rules_version": "CAP+ AMI 2026 v1"})");

    struct Org {
      const char* id;
      const char* number;
      const char* region;
    };
    const Org orgs[] = {{"OSC-0001", "735/2020", "Souss-Massa"},
                        {"OSC-0002", "120/2019", "Casablanca-Settat"},
                        {"OSC-0003", "88/2018", "Drâa-Tafilalet"},
                        {"OSC-0004", "12/2021", "Souss-Massa"},
                        {"OSC-0005", "44/2017", "Marrakech-Safi"}};
    for (const auto& o : orgs) {
      must("officer", "RegisterOrganisation",
           std::string(R"({"organisation_id":")") + o.id + R"(","legal_name":"Association )" + o.id +
               R"(","registration":{"authority":"Préfecture","number":")" + o.number +
               R"(","date":"2015-01-17"},"region":")" + o.region + R"("})");
    }
    const std::string docs =
        R"("documents":[{"kind":"letter_of_interest","name":"l.pdf","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},)"
        R"({"kind":"legal_file","name":"j.pdf","sha256":"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"},)"
        R"({"kind":"completed_projects","name":"p.xlsx","sha256":"fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"}])";
    auto dossier = [&](const char* number, const char* at) {
      must("officer", "ReceiveDossier",
           std::string(R"({"call_id":"AMI-2026","registration_number":")") + number + R"(","received_at":")" + at +
               R"(",)" + docs + "}");
    };
    auto form = [&](const char* number, const char* at) {
      must("officer", "ReceiveForm",
           std::string(R"({"call_id":"AMI-2026","registration_number":")") + number + R"(","received_at":")" + at +
               R"(","answers":{"motivation":"Renforcer notre gouvernance","nombre_adherents":84}})");
    };
    dossier("735/2020", "2026-06-12T10:42:17Z");  // APP-0001
    form("735/2020", "2026-06-11T16:05:00+01:00");
    dossier("120/2019", "2026-06-13T09:00:00Z");  // APP-0002
    form("120/2019", "2026-06-13T09:30:00Z");
    dossier("88/2018", "2026-06-14T09:00:00Z");  // APP-0003
    form("88/2018", "2026-06-14T09:30:00Z");
    dossier("12/2021", "2026-07-01T09:14:00+01:00");  // APP-0004: late, no form
    dossier("44/2017", "2026-06-20T11:00:00Z");       // APP-0005: complete, on time, not assessed
    form("44/2017", "2026-06-20T11:30:00Z");

    const std::string met =
        R"("criteria":{"legally_constituted":{"met":true,"evidence":"Récépissé"},"target_region":{"met":true,"evidence":"Siège"},)"
        R"("community_experience":{"met":true,"evidence":"Projets"},"field_of_work":{"met":true,"evidence":"Statuts"}})";
    must("officer", "AssessEligibility",
         R"({"application_id":"APP-0001",)" + met + R"(,"rationale":"Les quatre critères sont remplis."})");
    must(
        "officer", "AssessEligibility",
        R"({"application_id":"APP-0002","criteria":{"legally_constituted":{"met":true,"evidence":"Récépissé"},)"
        R"("target_region":{"met":false,"reason":"Casablanca-Settat n'est pas ciblée"},)"
        R"("community_experience":{"met":true,"evidence":"Alphabétisation"},"field_of_work":{"met":true,"evidence":"Statuts"}},)"
        R"("rationale":"Région non ciblée par l'appel."})");
    must("officer", "AssessEligibility",
         R"({"application_id":"APP-0003",)" + met + R"(,"rationale":"Les quatre critères sont remplis."})");
    must("officer", "AssignEvaluator", R"({"application_id":"APP-0001","evaluator_id":"u-ev1"})");
    must("officer", "AssignEvaluator", R"({"application_id":"APP-0001","evaluator_id":"u-ev2"})");
    must("officer", "AssignEvaluator", R"({"application_id":"APP-0003","evaluator_id":"u-ev3"})");
    must("evaluator", "DeclareConflictOfInterest",
         R"({"application_id":"APP-0001","conflict":false,"statement":"Aucun lien avec l'association."})");
    must("evaluator3", "DeclareConflictOfInterest",
         R"({"application_id":"APP-0003","conflict":true,"statement":"La présidente est ma cousine."})");
    must("officer", "NotifyDecision", R"({"application_id":"APP-0002","notified_at":"2026-07-22T10:30:00+01:00"})");
  }

  fs::path dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<store::KeyStore> keys_;
  std::unique_ptr<programme::Programme> programme_;
  std::unique_ptr<access::Policy> policy_;
  std::unique_ptr<server::Metrics> metrics_;
  std::unique_ptr<processor::Processor> processor_;
  std::unique_ptr<projections::Projector> projector_;
  std::unique_ptr<server::Api> api_;
  std::map<std::string, std::string, std::less<>> tokens_;     // principal -> bearer token
  std::map<std::string, std::string, std::less<>> token_ids_;  // principal -> token id
  std::set<std::string, std::less<>> command_names_;
};

World* g_world = nullptr;
std::uint64_t g_inputs = 0;
std::uint64_t g_reset_every = 2000;
bool g_verbose = false;  // SIJILL_FUZZ_VERBOSE=1: one line per request (to see what seeds reach)

// At exit: stop the threads and remove the folder. Registered once the first world is built, so
// that the statics it uses are destroyed after it; the chain is checked at each reset instead
// (the main thread's thread_locals are gone by now).
void destroy_world() {
  delete g_world;
  g_world = nullptr;
}

World& world() {
  if (!g_world) {
    if (const char* every = std::getenv("SIJILL_FUZZ_RESET_EVERY")) g_reset_every = std::strtoull(every, nullptr, 10);
    if (const char* verbose = std::getenv("SIJILL_FUZZ_VERBOSE")) g_verbose = std::string_view(verbose) == "1";
    g_world = new World();
    std::atexit(destroy_world);
  }
  return *g_world;
}

// ---------------------------------------------------------------------------------------------
// The input: requests separated by a line "=====". Each request is
//   line 1        a command name (POST /v1/commands/<name>, percent-encoded), or a target
//                 beginning with '/' taken as it is
//   header lines  "Name: value" up to an empty line: As (a principal of the setup: admin,
//                 officer, evaluator, evaluator2..4, coordinator, coordinator2, auditor, revoked;
//                 "none" for no header; any other value is sent as a bearer token),
//                 Authorization, Method, Idempotency-Key, If-Match, X-Correlation-Id
//   the body      the rest
// Header values are what Beast would hand over: trimmed of spaces and tabs, and a header with a
// control character other than a tab is dropped (Beast refuses the request).

constexpr std::string_view kSeparator = "\n=====\n";
constexpr std::size_t kMaxRequests = 4;

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> header_value(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  for (unsigned char c : v) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return std::nullopt;
  }
  return std::string(v);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

server::ApiRequest parse_request(std::string_view text, World& w, std::uint64_t serial) {
  server::ApiRequest r;
  r.method = "POST";
  r.remote = "fuzz";
  r.request_id = "req-" + std::to_string(serial);
  auto eol = text.find('\n');
  std::string_view first = text.substr(0, eol);
  text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  r.target = first.starts_with('/') ? std::string(first) : "/v1/commands/" + percent_encode(first);

  std::string principal = "admin";
  std::optional<std::string> authorization;
  std::string correlation;
  while (!text.empty()) {
    eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line == "\r") break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = header_value(line.substr(colon + 1));
    if (!value) continue;
    const auto name = line.substr(0, colon);
    if (iequals(name, "As")) {
      principal = *value;
    } else if (iequals(name, "Authorization")) {
      authorization = *value;
    } else if (iequals(name, "Method")) {
      r.method = *value;
    } else if (iequals(name, "Idempotency-Key")) {
      r.idempotency_key = *value;
    } else if (iequals(name, "If-Match")) {
      r.if_match = *value;
    } else if (iequals(name, "X-Correlation-Id")) {
      correlation = *value;
    }
  }
  if (authorization) {
    r.authorization = *authorization;
  } else if (principal != "none") {
    r.authorization = w.authorization(principal).value_or("Bearer " + principal);
  }
  // As http.cpp: the request id when the header is absent, empty or over 128 bytes.
  r.correlation_id = correlation.empty() || correlation.size() > 128 ? r.request_id : correlation;
  r.body = std::string(text);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The invariants

const std::set<int> kStatuses = {200, 201, 304, 400, 401, 403, 404, 405, 409, 412, 413, 422};

// Route labels (metrics, access log): templates, never raw input. A new route of the API adds
// its template here.
const std::set<std::string, std::less<>> kRoutes = {
    // clang-format off
    "unmatched", "/health", "/metrics", "/", "/ui/{file}",
    "/v1/events", "/v1/streams/{kind}/{id}", "/v1/audit/verify", "/v1/audit/export",
    "/v1/documents", "/v1/documents/{sha256}", "/v1/commands/{unknown}",
    "/v1/session", "/v1/dashboard", "/v1/ranking",
    "/v1/applications", "/v1/applications/{id}", "/v1/applications/{id}/history",
    // clang-format on
};

const std::map<int, std::string_view> kProblemTypes = {
    {400, "/problems/invalid-argument"}, {401, "/problems/unauthenticated"}, {403, "/problems/permission-denied"},
    {404, "/problems/not-found"},        {409, "/problems/conflict"},        {412, "/problems/version-mismatch"},
    {413, "/problems/too-large"}};

bool kebab(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '-' && s[i - 1] == '-') return false;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool json_pointer(std::string_view p) {
  if (p.empty()) return true;
  if (p.front() != '/') return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '~' && (i + 1 == p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) return false;
  }
  return true;
}

const boost::json::value* member(const boost::json::object& o, std::string_view key) { return o.if_contains(key); }

bool is_uint(const boost::json::value* v) { return v && (v->is_uint64() || (v->is_int64() && v->get_int64() >= 0)); }
std::uint64_t as_uint(const boost::json::value& v) {
  return v.is_uint64() ? v.get_uint64() : static_cast<std::uint64_t>(v.get_int64());
}

bool header(const server::ApiResponse& r, std::string_view name, std::string_view value) {
  for (const auto& [k, v] : r.headers) {
    if (iequals(k, name) && v == value) return true;
  }
  return false;
}

void check_problem(const server::ApiRequest& q, const server::ApiResponse& r, const boost::json::object& o) {
  check(r.content_type == "application/problem+json", "an error is not application/problem+json", &q, &r);
  const auto* type = member(o, "type");
  const auto* title = member(o, "title");
  const auto* status = member(o, "status");
  const auto* detail = member(o, "detail");
  check(type && type->is_string() && type->get_string().starts_with("/problems/") &&
            kebab(std::string_view(type->get_string()).substr(10)),
        "problem type is not /problems/<kebab-case>", &q, &r);
  check(title && title->is_string() && !title->get_string().empty(), "problem without a title", &q, &r);
  check(status && status->is_int64() && status->get_int64() == r.status, "problem status differs from HTTP's", &q, &r);
  check(detail && detail->is_string(), "problem without a detail", &q, &r);
  for (const auto& [k, _] : o) {
    check(k == "type" || k == "title" || k == "status" || k == "detail" || k == "errors",
          "problem with an unexpected member " + std::string(k), &q, &r);
  }
  if (const auto* errors = member(o, "errors")) {
    check(errors->is_array() && !errors->get_array().empty(), "problem errors is not a non-empty array", &q, &r);
    for (const auto& e : errors->get_array()) {
      check(e.is_object(), "problem error is not an object", &q, &r);
      const auto* path = member(e.get_object(), "path");
      const auto* message = member(e.get_object(), "message");
      check(path && path->is_string() && json_pointer(path->get_string()), "problem error path is not a JSON Pointer",
            &q, &r);
      check(message && message->is_string() && !message->get_string().empty(), "problem error without a message", &q,
            &r);
    }
  }
  const std::string_view t = type->get_string();
  if (r.status == 405) {
    check(t == "/problems/method-not-allowed", "405 with another type", &q, &r);
  } else if (r.status == 422) {
    for (const auto& [_, generic] : kProblemTypes) check(t != generic, "422 with a generic type", &q, &r);
    check(t != "/problems/rule-violation", "422 without the rule's name", &q, &r);
  } else {
    check(t == kProblemTypes.at(r.status), "problem type does not match the status", &q, &r);
  }
  if (r.status == 401) check(header(r, "WWW-Authenticate", "Bearer"), "401 without WWW-Authenticate", &q, &r);
}

bool sealed(const boost::json::value& v) {
  if (!v.is_object() || v.get_object().size() != 1) return false;
  const auto* s = v.get_object().if_contains("$sealed");
  return s && s->is_object() && s->get_object().contains("ciphertext");
}

// The records a 201 appended: strict JSON, chained onto the previous head, matching the reply,
// no personal data in clear, each fitting its event schema (when it has one).
void check_records(World& w, const server::ApiRequest& q, const server::ApiResponse& r, const store::Head& before,
                   const boost::json::array& events) {
  auto records = w.store().read_log(before.position, events.size());
  check(records.is_ok() && records->size() == events.size(), "cannot read back the appended records", &q, &r);
  store::Hash prev = before.hash;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& rec = (*records)[i];
    const auto& e = events[i].get_object();
    std::string why;
    check(strict_json(rec.bytes, &why), "an appended record is not strict JSON (" + why + "): " + printable(rec.bytes),
          &q, &r);
    check(strict_json(rec.wire(), &why), "a record's wire form is not strict JSON (" + why + ")", &q, &r);
    auto env = store::parse_envelope(rec.bytes);
    check(env.is_ok(), "an appended record has no envelope", &q, &r);
    check(env->position == rec.position && env->prev_hash == prev && store::chain_hash(prev, rec.bytes) == rec.hash,
          "an appended record does not chain", &q, &r);
    check(env->stream == e.at("stream").get_string() && env->version == as_uint(e.at("version")) &&
              env->type == e.at("type").get_string() && rec.position == as_uint(e.at("position")),
          "the reply does not match the record", &q, &r);
    prev = rec.hash;

    const auto v = boost::json::parse(rec.bytes);
    const auto& data = v.at("data").as_object();
    // X-Correlation-Id (docs/api.md): 1 to 128 printable ASCII characters, else the request id.
    bool usable = !q.correlation_id.empty() && q.correlation_id.size() <= 128;
    for (unsigned char c : q.correlation_id) usable = usable && c >= 0x20 && c < 0x7f;
    const auto* correlation = v.as_object().if_contains("correlation_id");
    check(correlation && correlation->is_string() &&
              correlation->get_string() == (usable ? q.correlation_id : q.request_id),
          "the record's correlation_id is not the request's", &q, &r);
    if (env->type == "UserRegistered") {
      for (const char* k : {"name", "email"}) {
        if (const auto* x = data.if_contains(k))
          check(sealed(*x), std::string("UserRegistered ") + k + " in clear", &q, &r);
      }
    } else if (env->type == "ContactPersonRegistered") {
      check(data.contains("contact") && sealed(data.at("contact")), "ContactPersonRegistered contact in clear", &q, &r);
    }
    const auto& schemas = domain::CommandSchemas::embedded();
    if (schemas.event(env->type)) {
      auto valid = schemas.validate_event(env->type, data);
      check(valid.is_ok(), "event " + env->type + " breaks its schema: " + valid.to_string(), &q, &r);
    }
  }
}

// One request, its answer, and the invariants. Returns the answer.
server::ApiResponse run_checked(World& w, const server::ApiRequest& q) {
  const auto before = w.store().head();
  auto r = w.call(q);
  const auto after = w.store().head();

  check(kStatuses.count(r.status) == 1, "status " + std::to_string(r.status) + " is not one API.md lists", &q, &r);
  const bool known_route =
      kRoutes.count(r.route) || (r.route.starts_with("/v1/commands/") && w.command_names().count(r.route.substr(13)));
  check(known_route, "route label is not a template", &q, &r);

  std::string why;
  if (r.content_type == "application/json" || r.content_type == "application/problem+json") {
    check(strict_json(r.body, &why), "the response body is not strict JSON (" + why + ")", &q, &r);
  } else {
    // The page's files, the metrics, a document download.
    check((r.status == 200 || r.status == 304) && q.method == "GET", "a non-JSON answer to other than a GET", &q, &r);
  }
  const bool is_command = r.route.starts_with("/v1/commands/");
  if (r.status >= 400) {
    check_problem(q, r, boost::json::parse(r.body).as_object());
    check(after.position == before.position, "a refused request moved the log's head", &q, &r);
    return r;
  }
  if (r.status == 200 || r.status == 304) {
    check(after.position == before.position, "a 200 moved the log's head", &q, &r);
    if (q.method == "GET" && !is_command) return r;
    // POST /v1/commands/{Name}?dry_run=true: what a real run would append, nothing appended.
    check(is_command && q.method == "POST" && r.status == 200, "200 for something else than a GET or a dry run", &q,
          &r);
    const auto v = boost::json::parse(r.body);
    const auto* o = v.if_object();
    check(
        o && o->contains("dry_run") && o->at("dry_run") == true && o->contains("events") && o->at("events").is_array(),
        "a command's 200 is not a dry run", &q, &r);
    for (const auto& e : o->at("events").get_array()) {
      const auto* data = e.is_object() ? e.get_object().if_contains("data") : nullptr;
      if (!data || !data->is_object()) continue;
      for (const char* k : {"name", "email", "contact"}) {
        const auto* x = data->get_object().if_contains(k);
        check(!x || (x->is_object() && x->get_object().size() == 1 && x->get_object().contains("$sealed")),
              std::string("a dry run shows ") + k + " in clear", &q, &r);
      }
    }
    return r;
  }
  // 201
  check(is_command && q.method == "POST", "201 for something else than a command", &q, &r);
  check(r.content_type == "application/json", "201 is not application/json", &q, &r);
  const auto v = boost::json::parse(r.body);
  check(v.is_object(), "201 is not an object", &q, &r);
  const auto& o = v.get_object();
  const auto* position = member(o, "position");
  const auto* events = member(o, "events");
  check(is_uint(position) && events && events->is_array() && !events->get_array().empty(),
        "201 without position and events", &q, &r);
  const auto& list = events->get_array();
  std::uint64_t expect = as_uint(list.front().at("position"));
  for (const auto& e : list) {
    check(e.is_object(), "201 event is not an object", &q, &r);
    const auto& eo = e.get_object();
    check(is_uint(member(eo, "position")) && as_uint(eo.at("position")) == expect, "201 positions are not consecutive",
          &q, &r);
    check(member(eo, "stream") && eo.at("stream").is_string() &&
              std::string_view(eo.at("stream").get_string()).find('/') != std::string_view::npos,
          "201 event without a stream", &q, &r);
    check(is_uint(member(eo, "version")) && as_uint(eo.at("version")) >= 1, "201 event without a version", &q, &r);
    check(member(eo, "type") && eo.at("type").is_string(), "201 event without a type", &q, &r);
    ++expect;
  }
  check(as_uint(*position) == expect - 1, "201 position is not its last event's", &q, &r);
  const bool replayed = header(r, "Idempotent-Replayed", "true");
  check(!replayed || q.idempotency_key.has_value(), "a replay without an Idempotency-Key", &q, &r);
  if (replayed) {
    check(after.position == before.position, "an idempotent replay moved the log's head", &q, &r);
    check(as_uint(*position) <= before.position, "a replay answers positions that do not exist", &q, &r);
  } else {
    check(before.position + list.size() == after.position && as_uint(*position) == after.position,
          "201 positions are not the ones appended", &q, &r);
    check_records(w, q, r, before, list);
    if (q.target == "/v1/commands/CreateToken") {
      check(member(o, "token") && o.at("token").is_string() && member(o, "token_id"),
            "CreateToken 201 without its token", &q, &r);
    }
  }
  return r;
}

// After a first 201 with an Idempotency-Key: the same request answers the same, appends nothing;
// another body with the same key is a conflict.
void check_idempotency(World& w, const server::ApiRequest& q, const server::ApiResponse& first) {
  const auto first_body = boost::json::parse(first.body).as_object();
  auto again = run_checked(w, q);
  check(again.status == 201 && header(again, "Idempotent-Replayed", "true"), "a repeat was not replayed", &q, &again);
  const auto again_body = boost::json::parse(again.body).as_object();
  check(again_body.at("position") == first_body.at("position") && again_body.at("events") == first_body.at("events"),
        "a replay answers other positions than the first success", &q, &again);

  server::ApiRequest other = q;
  other.body += ' ';  // the same data, another raw body
  auto conflict = run_checked(w, other);
  check(conflict.status == 409, "the same Idempotency-Key with another body is not a conflict", &other, &conflict);
}

}  // namespace

// For the corpus replay (fuzz_main.cpp): checks the whole chain of the current world.
void sijill_fuzz_verify() { world().verify(); }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = world();
  if (g_reset_every > 0 && ++g_inputs % g_reset_every == 0) w.reset();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::size_t n = 0; n < kMaxRequests && !input.empty(); ++n) {
    auto sep = input.find(kSeparator);
    auto text = input.substr(0, sep);
    input = sep == std::string_view::npos ? std::string_view() : input.substr(sep + kSeparator.size());
    const auto q = parse_request(text, w, g_inputs * kMaxRequests + n);
    // Not sent: the evidence export writes an archive on a worker thread and records itself in
    // the log (a GET that appends, by design); it is not part of the command path.
    if (auto u = boost::urls::parse_origin_form(q.target); u && u->path().starts_with("/v1/audit/export")) continue;
    const auto r = run_checked(w, q);
    if (g_verbose) {
      std::fprintf(stderr, "api_fuzz: %s %s -> %d %s\n", q.method.c_str(), printable(q.target, 80).c_str(), r.status,
                   printable(r.body, 160).c_str());
    }
    if (r.status == 201 && q.idempotency_key && !header(r, "Idempotent-Replayed", "true")) check_idempotency(w, q, r);
  }
  return 0;
}
