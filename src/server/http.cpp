// The listener, the HTTP sessions and the server's life cycle (the only file with Beast's HTTP
// server code; the routes live in api.cpp).
#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <deque>
#include <thread>

#include "shared.h"
#include "sijill/server/server.h"
#include "websocket.h"

namespace sijill::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string new_request_id() {
  thread_local boost::uuids::random_generator uuids;
  return boost::uuids::to_string(uuids());
}

std::string header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string() : std::string(it->value());
}

std::optional<std::string> optional_header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return std::nullopt;
  return std::string(it->value());
}

// One line per request: request id, actor id, method, route, status, duration. Never a token,
// a body, a query string or an address.
void access_log(const std::string& request_id, std::string_view method, const ApiResponse& r,
                std::chrono::microseconds took) {
  boost::json::object line{{"msg", "request"},
                           {"request_id", request_id},
                           {"actor", r.actor_id.empty() ? boost::json::value(nullptr) : boost::json::value(r.actor_id)},
                           {"method", method},
                           {"route", r.route},
                           {"status", r.status},
                           {"duration_us", took.count()}};
  spdlog::info("{}", boost::json::serialize(line));
}

class HttpSession : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  ~HttpSession() override {
    if (registry_id_) shared_.registry.remove(registry_id_);
  }

  void run() {
    registry_id_ = shared_.registry.add(weak_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  void shutdown() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->slots_.empty() && !self->writing_) self->close();
    });
  }

 private:
  struct Slot {
    bool ready = false;
    bool keep_alive = true;
    http::response<http::string_body> response;
  };

  const ServerOptions& options() const { return shared_.options; }

  void do_read() {
    if (reading_ || closing_ || closed_ || slots_.size() >= options().max_pipelined) return;
    reading_ = true;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    parser_->body_limit(options().max_body_bytes);
    stream_.expires_after(options().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (beast::websocket::is_upgrade(req)) return upgrade();
    if (auto length = parser_->content_length(); length && *length > options().max_body_bytes) {
      reading_ = false;
      return fail_connection(
          Status::too_large("the body is over the limit of " + std::to_string(options().max_body_bytes) + " bytes"));
    }
    if (req[http::field::expect] == "100-continue" && slots_.empty() && !writing_) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      writing_ = true;
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
        self->writing_ = false;
        if (wec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(options().body_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_body, shared_from_this()));
  }

  void on_read_error(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      return fail_connection(
          Status::too_large("the body is over the limit of " + std::to_string(options().max_body_bytes) + " bytes"));
    }
    if (ec == http::error::header_limit) {
      auto st = Status::invalid_argument("the request headers are over the limit of " +
                                         std::to_string(options().max_header_bytes) + " bytes");
      return fail_connection(st, 431);
    }
    const bool parse_error = ec.category() == http::make_error_code(http::error::bad_target).category() &&
                             ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (!parse_error) {
      // The client went away, timed out (the stream is closed), or shutdown closed it.
      peer_done_ = true;
      if (slots_.empty() && !writing_) close();
      return;
    }
    fail_connection(Status::invalid_argument("malformed HTTP request: " + ec.message()));
  }

  // Answers with an error and closes once the answer is written.
  void fail_connection(const Status& st, int status_override = 0) {
    auto r = problem(st);
    if (status_override) r.status = status_override;
    auto slot = std::make_shared<Slot>();
    slot->keep_alive = false;
    slots_.push_back(slot);
    closing_ = true;
    fill(slot, std::move(r), new_request_id(), "-", std::chrono::steady_clock::now());
  }

  void upgrade() {
    reading_ = false;
    auto& req = parser_->get();
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path != "/v1/stream" || !slots_.empty() || writing_) {
      return fail_connection(Status::not_found("WebSocket is served at /v1/stream only"));
    }
    std::optional<domain::Actor> actor;
    const auto authorization = header(req, "Authorization");
    if (!authorization.empty()) {
      std::chrono::milliseconds delay{0};
      auto a = shared_.api.authenticate(authorization, true, remote_, delay);
      if (!a) {
        auto r = problem(a.status(), "/v1/stream");
        r.delay = delay;
        auto slot = std::make_shared<Slot>();
        slot->keep_alive = false;
        slots_.push_back(slot);
        closing_ = true;
        return complete(slot, std::move(r), new_request_id(), "GET", std::chrono::steady_clock::now());
      }
      actor = std::move(a).value();
    }
    ApiResponse logged;
    logged.status = 101;
    logged.route = "/v1/stream";
    if (actor) logged.actor_id = actor->id;
    access_log(new_request_id(), "GET", logged, std::chrono::microseconds(0));
    shared_.services.metrics->observe_request("/v1/stream", 101, std::chrono::microseconds(0));
    stream_.expires_never();
    upgraded_ = true;
    run_websocket_session(shared_, std::move(stream_), parser_->release(), remote_, std::move(actor));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    reading_ = false;
    const auto started = std::chrono::steady_clock::now();
    auto req = parser_->release();
    auto slot = std::make_shared<Slot>();
    slot->keep_alive = req.keep_alive();
    slots_.push_back(slot);
    if (!req.keep_alive()) closing_ = true;

    ApiRequest ar;
    ar.method = std::string(req.method_string());
    ar.target = std::string(req.target());
    ar.authorization = header(req, "Authorization");
    ar.idempotency_key = optional_header(req, "Idempotency-Key");
    ar.if_match = optional_header(req, "If-Match");
    ar.request_id = new_request_id();
    ar.correlation_id = header(req, "X-Correlation-Id");
    if (ar.correlation_id.empty() || ar.correlation_id.size() > 128) ar.correlation_id = ar.request_id;
    ar.remote = remote_;
    ar.body = std::move(req.body());
    dispatch(std::move(ar), slot, started);
    do_read();
  }

  void dispatch(ApiRequest ar, std::shared_ptr<Slot> slot, std::chrono::steady_clock::time_point started) {
    auto min = Api::min_position(ar.method, ar.target);
    if (!min) return complete(slot, problem(min.status()), ar.request_id, ar.method, started);
    if (*min && **min > shared_.services.store->head().position) {
      return wait_for_position(std::move(ar), slot, started, **min,
                               std::chrono::steady_clock::now() + options().min_position_wait);
    }
    auto id = ar.request_id;
    auto method = ar.method;
    shared_.api.handle(std::move(ar), [self = shared_from_this(), slot, id, method, started](ApiResponse r) {
      net::post(self->stream_.get_executor(), [self, slot, id, method, started, r = std::move(r)]() mutable {
        self->complete(slot, std::move(r), id, method, started);
      });
    });
  }

  // Read-your-writes: answers once the log's head reaches `position`, or 503 at `deadline`.
  void wait_for_position(ApiRequest ar, std::shared_ptr<Slot> slot, std::chrono::steady_clock::time_point started,
                         std::uint64_t position, std::chrono::steady_clock::time_point deadline) {
    if (shared_.services.store->head().position >= position) return dispatch(std::move(ar), slot, started);
    if (std::chrono::steady_clock::now() >= deadline || closed_) {
      return complete(slot,
                      problem(Status::unavailable("the log has not reached position " + std::to_string(position) +
                                                  " yet; retry later")),
                      ar.request_id, ar.method, started);
    }
    auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), std::chrono::milliseconds(5));
    timer->async_wait([self = shared_from_this(), timer, ar = std::move(ar), slot, started, position,
                       deadline](beast::error_code) mutable {
      self->wait_for_position(std::move(ar), slot, started, position, deadline);
    });
  }

  void complete(std::shared_ptr<Slot> slot, ApiResponse r, const std::string& request_id, const std::string& method,
                std::chrono::steady_clock::time_point started) {
    if (r.delay.count() > 0) {
      auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), r.delay);
      r.delay = std::chrono::milliseconds(0);
      timer->async_wait(
          [self = shared_from_this(), timer, slot, r = std::move(r), request_id, method,
           started](beast::error_code) mutable { self->complete(slot, std::move(r), request_id, method, started); });
      return;
    }
    fill(slot, std::move(r), request_id, method, started);
  }

  void fill(const std::shared_ptr<Slot>& slot, ApiResponse r, const std::string& request_id, const std::string& method,
            std::chrono::steady_clock::time_point started) {
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    access_log(request_id, method, r, took);
    shared_.services.metrics->observe_request(r.route, r.status, took);
    auto& res = slot->response;
    res.version(11);
    res.result(static_cast<unsigned>(r.status));
    res.set(http::field::server, "sijill");
    res.set(http::field::content_type, r.content_type);
    res.set("X-Request-Id", request_id);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.body() = std::move(r.body);
    // Once closing, the last response owed says so; those before it keep the connection.
    if (closing_ && slots_.back() == slot) slot->keep_alive = false;
    res.keep_alive(slot->keep_alive);
    res.prepare_payload();
    slot->ready = true;
    do_write();
  }

  void do_write() {
    if (writing_ || closed_ || slots_.empty() || !slots_.front()->ready) return;
    writing_ = true;
    if (!reading_) stream_.expires_after(options().write_timeout);
    http::async_write(stream_, slots_.front()->response,
                      beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) return close();
    const bool keep_alive = slots_.front()->keep_alive;
    slots_.pop_front();
    if (!keep_alive) return close();
    if (!slots_.empty()) return do_write();
    if (closing_ || peer_done_) return close();
    do_read();
  }

  // Sends FIN, then reads and discards what the client still sends (for at most a second), so
  // that the last response is not lost to a reset when unread data remains.
  void close() {
    if (closed_ || upgraded_) return;
    closed_ = true;
    beast::error_code ec;
    if (reading_) {  // a read is pending (an idle keep-alive connection): just close
      stream_.socket().close(ec);
      return;
    }
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        beast::error_code ignored;
        self->stream_.socket().close(ignored);
        return;
      }
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  std::string remote_;
  std::uint64_t registry_id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::shared_ptr<Slot>> slots_;  // responses owed, in request order
  std::array<char, 4096> drain_buffer_{};
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;    // answer what is owed, read nothing more
  bool peer_done_ = false;  // the client closed its side or timed out
  bool closed_ = false;
  bool upgraded_ = false;
};

}  // namespace

struct Server::Impl {
  Impl(const ServerOptions& o, const Services& s)
      : shared(o, s), ioc(static_cast<int>(std::max<std::size_t>(o.io_threads, 1))), acceptor(net::make_strand(ioc)) {}

  Shared shared;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) std::make_shared<HttpSession>(std::move(socket), shared)->run();
      do_accept();
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

std::uint16_t Server::port() const { return impl_->port; }

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Services services) {
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    return Status::invalid_argument("TLS is not built into this server yet: terminate TLS in a reverse proxy");
  }
  beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return Status::invalid_argument("'" + options.address + "' is not an IP address");
  auto impl = std::make_unique<Impl>(options, services);
  tcp::endpoint endpoint(address, options.port);
  auto& acceptor = impl->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::unavailable("cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                               ec.message());
  }
  impl->port = acceptor.local_endpoint().port();
  auto& metrics = *services.metrics;
  auto* shared = &impl->shared;
  auto* hub = services.hub;
  auto* store = services.store;
  metrics.add_gauge("sijill_log_head", "The last committed position.",
                    [store] { return static_cast<double>(store->head().position); });
  metrics.add_gauge("sijill_ws_subscribers", "Open WebSocket connections.",
                    [shared] { return static_cast<double>(shared->ws_sessions.load()); });
  metrics.add_gauge("sijill_ws_hub_listeners", "Connections following the hub.",
                    [hub] { return static_cast<double>(hub->subscribers()); });
  metrics.add_gauge("sijill_ws_send_queue_bytes", "Bytes waiting in every WebSocket send queue.",
                    [shared] { return static_cast<double>(shared->ws_queued_bytes.load()); });
  impl->do_accept();
  const auto n = std::max<std::size_t>(options.io_threads, 1);
  auto* raw = impl.get();
  for (std::size_t i = 0; i < n; ++i) raw->threads.emplace_back([raw] { raw->ioc.run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::stop() {
  auto& d = *impl_;
  if (d.stopped.exchange(true)) return;
  // 1. Stop accepting.
  net::post(d.acceptor.get_executor(), [&d] {
    beast::error_code ec;
    d.acceptor.close(ec);
  });
  // 2. Refuse new commands; let the processor answer every command already submitted.
  d.shared.api.begin_shutdown();
  if (d.shared.services.processor) d.shared.services.processor->stop();
  // 3. Close WebSockets (1001) and idle HTTP connections; the others once they have written
  //    what they owe.
  d.shared.registry.shutdown_all();
  const auto deadline = std::chrono::steady_clock::now() + d.shared.options.shutdown_grace;
  while (d.shared.registry.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  d.ioc.stop();
  for (auto& t : d.threads) t.join();
  d.threads.clear();
  d.shared.api.join_workers();
}

}  // namespace sijill::server
