// The HTTP and WebSocket server (docs/api.md is the reference of its routes).
//
// HTTP/1.1 with keep-alive over Boost.Beast, on `io_threads` threads; every connection runs on
// its own strand. Each request gets a header time-out, a body time-out and a body limit (413
// above it); a connection may pipeline at most `max_pipelined` requests, answered in order.
// Errors are application/problem+json (RFC 9457). One access-log line per request (request id,
// actor id, route, status, duration): never a token, a body, or personal data. With tls_cert and
// tls_key every connection is TLS (OpenSSL through Boost.Asio): HTTPS and WSS on the one port.
// PUT /v1/documents streams its body (up to 50 MiB) into the document store, never into memory.
//
// Shutdown (stop()): stop accepting; refuse new commands (503); let the processor finish and
// answer every command already submitted; close every WebSocket with 1001; let HTTP
// connections write what they owe, then close them; join the I/O threads.
//
// Threads: start() and stop() from one controlling thread (the one that waits for SIGTERM).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sijill/access/access.h"
#include "sijill/access/policy.h"
#include "sijill/documents/store.h"
#include "sijill/processor/command_spec.h"
#include "sijill/processor/processor.h"
#include "sijill/projections/projector.h"
#include "sijill/server/hub.h"
#include "sijill/server/metrics.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "sijill/util/status.h"

namespace sijill::server {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  std::size_t io_threads = 2;

  std::size_t max_body_bytes = std::size_t{1} << 20;     // 413 above
  std::size_t max_header_bytes = std::size_t{16} << 10;  // 431 above
  std::chrono::milliseconds header_timeout{15'000};      // from the wait for a request to its last header
  std::chrono::milliseconds body_timeout{30'000};        // to read the body once the headers are in
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_pipelined = 16;                      // requests read ahead of their responses
  std::chrono::milliseconds min_position_wait{2'000};  // then 503

  // WebSocket /v1/stream.
  std::size_t ws_send_queue_bytes = std::size_t{4} << 20;  // per connection
  // The kernel's send buffer of a WebSocket connection (SO_SNDBUF), kept small so that a slow
  // client shows up as back-pressure on the send queue instead of megabytes in the kernel.
  std::size_t ws_socket_send_buffer = std::size_t{64} << 10;
  std::size_t ws_message_events = 512;                  // at most this many events per message
  std::size_t ws_message_bytes = std::size_t{1} << 20;  // nor more bytes (at least one event)
  std::size_t ws_max_subscriptions = 32;                // per connection
  std::chrono::milliseconds ws_idle_timeout{60'000};    // pings at half of it

  std::chrono::milliseconds shutdown_grace{5'000};  // for connections to flush after commands are answered

  std::string tls_cert;  // PEM files; both empty: plain HTTP
  std::string tls_key;
};

// What the server serves. Everything referenced must outlive the server.
struct Services {
  store::EventStore* store = nullptr;
  store::KeyStore* keys = nullptr;
  processor::Processor* processor = nullptr;  // stop() stops it
  std::vector<processor::CommandSpec> commands;
  access::AccessModule* access = nullptr;
  access::Policy* policy = nullptr;
  Hub* hub = nullptr;
  Metrics* metrics = nullptr;
  // The read models (dashboard, applications, rankings, histories); null: those routes answer 503.
  projections::Projector* projections = nullptr;
  documents::DocumentStore* documents = nullptr;  // PUT and GET /v1/documents; none: 404
};

class Server {
 public:
  // Binds and starts serving. Fails with unavailable when the address cannot be bound, with
  // invalid_argument for a bad address or TLS files that cannot be loaded.
  static Result<std::unique_ptr<Server>> start(ServerOptions options, Services services);
  // Loads options.tls_cert and options.tls_key as start() will (ok when both are empty), so that
  // a bad file is reported before anything else is opened.
  static Status check_tls(const ServerOptions& options);
  ~Server();  // stop()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful with port 0).
  std::uint16_t port() const;

  // Graceful shutdown (see above). Idempotent.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sijill::server
