// The routes of the HTTP API, without the sockets: a request in, a response out (private to
// src/server). The Beast sessions (http.cpp) read requests, hand them here, and write what
// comes back; keeping Beast out of this file keeps it quick to compile and easy to read.
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
};

// An application/problem+json response (RFC 9457) for a failed Status: type /problems/<rule>,
// title, status, detail, and errors [{path, message}] from the violations.
ApiResponse problem(const Status& status, std::string route = "unmatched");

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

  ServerOptions options_;
  Services services_;
  std::map<std::string, const processor::CommandSpec*, std::less<>> commands_;
  access::AuthThrottle throttle_;
  std::atomic<bool> shutting_down_{false};

  std::mutex workers_mu_;
  std::vector<std::thread> workers_;  // guarded by workers_mu_
  std::atomic<int> verifying_{0};
};

}  // namespace sijill::server
