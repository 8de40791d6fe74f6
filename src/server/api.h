// The routes of the HTTP API, without the sockets: a request in, a response out (private to
// src/server, and to the fuzz target tests/fuzz/api_fuzz.cpp, which drives it as http.cpp does).
// The Beast sessions (http.cpp) read requests, hand them here, and write what comes back;
// keeping Beast out of this file keeps it quick to compile and easy to read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sijill/access/throttle.h"
#include "sijill/server/server.h"

namespace sijill::server {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin form: "/v1/events?from=0&limit=10"
  std::string authorization;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> if_match;
  std::optional<std::string> if_none_match;  // the page's files (web.cpp)
  std::string correlation_id;  // X-Correlation-Id, else the request id
  std::string remote;          // the client's address (for the failed-authentication throttle)
  std::string request_id;
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // answer only after this (failed authentication)
  std::string route = "unmatched";     // the route template, for the access log and metrics
  std::string actor_id;                // empty when no token was accepted
  std::string file;                    // when set, the body is this file's bytes (a document download)
  bool remove_file = false;            // `file` is temporary: removed once opened for sending (an export)
};

// An application/problem+json response (RFC 9457) for a failed Status: type /problems/<rule>,
// title, status, detail, and errors [{path, message}] from the violations.
ApiResponse problem(const Status& status, std::string route = "unmatched");

// The same for an answer whose HTTP status is not its code's (431 for headers over the limit):
// the document's status and title say `http_status` too, as RFC 9457 requires.
ApiResponse problem(const Status& status, int http_status, std::string_view title, std::string route = "unmatched");

// 405 /problems/method-not-allowed, with `Allow: <allow>`.
ApiResponse method_not_allowed(std::string_view allow, std::string route);

class Api {
 public:
  using Done = std::function<void(ApiResponse)>;

  Api(const ServerOptions& options, const Services& services);
  ~Api();  // joins the workers

  // Answers `request`. `done` runs exactly once: on the calling thread, on the processor's
  // writer thread (commands) or on a worker thread (the chain check). Never blocks on storage
  // writes; reads of the log run on the calling thread.
  void handle(ApiRequest request, Done done);

  // The min_position query parameter of a GET (nullopt when absent), or invalid_argument.
  static Result<std::optional<std::uint64_t>> min_position(std::string_view method, std::string_view target);

  // Checks "Bearer <token>" (or a bare token, from a WebSocket auth message). On failure,
  // `delay` says how long to wait before answering (the per-address throttle).
  Result<domain::Actor> authenticate(std::string_view credentials, bool bearer, std::string_view remote,
                                     std::chrono::milliseconds& delay);

  // PUT /v1/documents, checked on its headers before any of its body is read (documents.cpp):
  // the uploader (admin, programme officer), or what to answer: 401 (with `delay`), 403, 404
  // when the server keeps no documents, 503 when shutting down, 413 when `content_length`
  // says the body is over the limit.
  Result<domain::Actor> begin_upload(std::string_view authorization, std::string_view remote,
                                     std::optional<std::uint64_t> content_length, std::chrono::milliseconds& delay);
  // The answer to a finished upload: 201 {"sha256", "size"}, 200 when the bytes were stored
  // already, or the problem.
  static ApiResponse upload_reply(const Result<documents::StoredDocument>& stored);

  // The position every read answers at least (read-your-writes, min_position): the read
  // models' position when they are loaded, else the log's head.
  std::uint64_t applied_position() const;

  // From now on commands are answered 503.
  void begin_shutdown() { shutting_down_ = true; }
  bool shutting_down() const { return shutting_down_.load(); }
  void join_workers();

  const ServerOptions& options() const { return options_; }
  const Services& services() const { return services_; }

 private:
  void command(ApiRequest& request, const std::string& route, const std::string& name, const domain::Actor& actor,
               Done done);
  ApiResponse events(const ApiRequest& request, const domain::Actor& actor);
  ApiResponse stream(const ApiRequest& request, std::string_view path, const domain::Actor& actor);
  void verify(const domain::Actor& actor, Done done);
  // GET /v1/audit/export: the evidence pack, built on a worker thread and recorded (export.cpp).
  void audit_export(const ApiRequest& request, const domain::Actor& actor, Done done);
  ApiResponse document(std::string_view sha256, const domain::Actor& actor);  // documents.cpp
  void dry_run(processor::CommandCall call, const std::string& route, Done done);  // dry_run.cpp

  // The read models' routes (reads.cpp): the dashboard, applications, case files, decision
  // histories, rankings, the caller's session. read_route() answers and returns true when
  // `path` is one of them.
  static std::optional<std::string> read_route_name(std::string_view path);
  bool read_route(const ApiRequest& request, const std::string& path, const std::string& route,
                  const domain::Actor& actor, const std::function<void(ApiResponse)>& finish);

  ServerOptions options_;
  Services services_;
  std::map<std::string, const processor::CommandSpec*, std::less<>> commands_;
  access::AuthThrottle throttle_;
  std::atomic<bool> shutting_down_{false};

  std::mutex workers_mu_;
  std::vector<std::thread> workers_;  // guarded by workers_mu_
  std::atomic<int> verifying_{0};
  std::atomic<int> exporting_{0};
};

}  // namespace sijill::server
