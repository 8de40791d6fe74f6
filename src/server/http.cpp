// The listener, the HTTP sessions and the server's life cycle (the only file with Beast's HTTP
// server code; the routes live in api.cpp).
#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <deque>
#include <filesystem>
#include <thread>

#include "shared.h"
#include "sijill/server/server.h"
#include "websocket.h"

namespace sijill::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

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

// Stream: beast::tcp_stream (http://), or TlsStream (https://: the TLS handshake comes first;
// a WebSocket upgrade then goes on over the same TLS stream, wss://).
template <class Stream>
class HttpSession : public Closable, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `args`: the accepted socket, and for TLS the server's ssl::context.
  template <class... Args>
  HttpSession(Shared& shared, net::thread_pool& blocking, Args&&... args)
      : stream_(std::forward<Args>(args)...), shared_(shared), blocking_(blocking) {
    beast::error_code ec;
    auto ep = lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  ~HttpSession() override {
    if (registry_id_) shared_.registry.remove(registry_id_);
  }

  void run() {
    registry_id_ = shared_.registry.add(this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        // The handshake has the header time-out; a client that is not TLS is dropped.
        self->lowest().expires_after(self->options().header_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return;
          self->do_read();
        });
      } else {
        self->do_read();
      }
    });
  }

  void shutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      if (self->slots_.empty() && !self->writing_) self->close();
    });
  }

 private:
  struct Slot {
    bool ready = false;
    bool keep_alive = true;
    http::response<http::string_body> response;
    std::optional<http::response<http::file_body>> file_response;  // a document download instead
  };

  // PUT /v1/documents: the body is read chunk by chunk into the document store's temporary
  // file (never held in memory), hashed as it goes.
  struct UploadState {
    UploadState(http::request_parser<http::string_body>&& header_parser, documents::Upload&& u)
        : parser(std::move(header_parser)), upload(std::move(u)), chunk(std::size_t{64} << 10) {}
    http::request_parser<http::buffer_body> parser;
    documents::Upload upload;
    std::vector<char> chunk;
    std::string request_id;
    std::string actor_id;
    std::chrono::steady_clock::time_point started;
  };

  const ServerOptions& options() const { return shared_.options; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void do_read() {
    if (reading_ || closing_ || closed_ || slots_.size() >= options().max_pipelined) return;
    reading_ = true;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    // No limit while the headers are read (a document upload has its own); set below for the rest.
    parser_->body_limit(boost::none);
    lowest().expires_after(options().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, this->shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (beast::websocket::is_upgrade(req)) return upgrade();
    if (req.method() == http::verb::put && req.target().substr(0, req.target().find('?')) == "/v1/documents") {
      return begin_upload();
    }
    if (auto length = parser_->content_length(); length && *length > options().max_body_bytes) {
      reading_ = false;
      return fail_connection(
          Status::too_large("the body is over the limit of " + std::to_string(options().max_body_bytes) + " bytes"));
    }
    parser_->body_limit(options().max_body_bytes);  // a chunked body
    if (req[http::field::expect] == "100-continue" && slots_.empty() && !writing_) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      writing_ = true;
      http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
        self->writing_ = false;
        if (wec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    lowest().expires_after(options().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_body, this->shared_from_this()));
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
    auto r = status_override == 431 ? problem(st, 431, "Request header fields too large") : problem(st);
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
    lowest().expires_never();
    upgraded_ = true;
    run_websocket_session(shared_, std::move(stream_), parser_->release(), remote_, std::move(actor));
  }

  // Answers an upload before its body is read, and closes the connection once answered.
  void refuse_upload(ApiResponse r, const std::string& request_id, std::chrono::steady_clock::time_point started) {
    reading_ = false;
    upload_.reset();
    auto slot = std::make_shared<Slot>();
    slot->keep_alive = false;
    slots_.push_back(slot);
    closing_ = true;
    complete(slot, std::move(r), request_id, "PUT", started);
  }

  void begin_upload() {
    const auto started = std::chrono::steady_clock::now();
    const auto request_id = new_request_id();
    auto& req = parser_->get();
    const std::string route = "/v1/documents";
    std::optional<std::uint64_t> length;
    if (auto l = parser_->content_length()) length = *l;
    std::chrono::milliseconds delay{0};
    auto actor = shared_.api.begin_upload(header(req, "Authorization"), remote_, length, delay);
    if (!actor) {
      auto r = problem(actor.status(), route);
      r.delay = delay;
      return refuse_upload(std::move(r), request_id, started);
    }
    auto upload = shared_.services.documents->begin();
    if (!upload) {
      auto r = problem(upload.status(), route);
      r.actor_id = actor->id;
      return refuse_upload(std::move(r), request_id, started);
    }
    const bool expect_continue = req[http::field::expect] == "100-continue";
    upload_ = std::make_unique<UploadState>(std::move(*parser_), std::move(upload).value());
    upload_->request_id = request_id;
    upload_->actor_id = actor->id;
    upload_->started = started;
    upload_->parser.body_limit(boost::none);  // the document store enforces its own limit
    parser_.reset();
    if (expect_continue && slots_.empty() && !writing_) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      writing_ = true;
      http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
        self->writing_ = false;
        if (wec) {
          self->upload_.reset();
          self->reading_ = false;
          return self->close();
        }
        self->read_upload();
      });
      return;
    }
    read_upload();
  }

  void read_upload() {
    auto& up = *upload_;
    if (up.parser.is_done()) return finish_upload();
    up.parser.get().body().data = up.chunk.data();
    up.parser.get().body().size = up.chunk.size();
    up.parser.get().body().more = true;
    // The body time-out applies to each chunk: a slow upload is fine as long as it moves.
    lowest().expires_after(options().body_timeout);
    http::async_read(stream_, buffer_, up.parser,
                     beast::bind_front_handler(&HttpSession::on_upload_chunk, this->shared_from_this()));
  }

  void on_upload_chunk(beast::error_code ec, std::size_t) {
    auto& up = *upload_;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      upload_.reset();  // removes the temporary file
      return on_read_error(ec);
    }
    const auto n = up.chunk.size() - up.parser.get().body().size;
    if (n > 0) {
      if (auto st = up.upload.write(up.chunk.data(), n); !st) {
        auto r = problem(st, "/v1/documents");  // 413 over 50 MiB: nothing is kept
        r.actor_id = up.actor_id;
        const auto id = up.request_id;
        const auto started = up.started;
        return refuse_upload(std::move(r), id, started);
      }
    }
    if (!up.parser.is_done()) return read_upload();
    finish_upload();
  }

  // The whole body is in the temporary file: fsync and name it off the I/O threads, then answer.
  void finish_upload() {
    reading_ = false;
    auto up = std::shared_ptr<UploadState>(std::move(upload_));
    auto slot = std::make_shared<Slot>();
    slot->keep_alive = up->parser.get().keep_alive();
    slots_.push_back(slot);
    if (!slot->keep_alive) closing_ = true;
    net::post(blocking_, [self = this->shared_from_this(), up, slot] {
      auto r = Api::upload_reply(up->upload.commit());
      r.actor_id = up->actor_id;
      net::post(self->stream_.get_executor(), [self, up, slot, r = std::move(r)]() mutable {
        self->complete(slot, std::move(r), up->request_id, "PUT", up->started);
      });
    });
    do_read();
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
    ar.if_none_match = optional_header(req, "If-None-Match");
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
    if (*min && **min > shared_.api.applied_position()) {
      return wait_for_position(std::move(ar), slot, started, **min,
                               std::chrono::steady_clock::now() + options().min_position_wait);
    }
    auto id = ar.request_id;
    auto method = ar.method;
    shared_.api.handle(std::move(ar), [self = this->shared_from_this(), slot, id, method, started](ApiResponse r) {
      net::post(self->stream_.get_executor(), [self, slot, id, method, started, r = std::move(r)]() mutable {
        self->complete(slot, std::move(r), id, method, started);
      });
    });
  }

  // Read-your-writes: answers once the log's head reaches `position`, or 503 at `deadline`.
  void wait_for_position(ApiRequest ar, std::shared_ptr<Slot> slot, std::chrono::steady_clock::time_point started,
                         std::uint64_t position, std::chrono::steady_clock::time_point deadline) {
    if (shared_.api.applied_position() >= position) return dispatch(std::move(ar), slot, started);
    if (std::chrono::steady_clock::now() >= deadline || closed_) {
      return complete(slot,
                      problem(Status::unavailable("the read models have not applied position " +
                                                  std::to_string(position) + " yet; retry later")),
                      ar.request_id, ar.method, started);
    }
    auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), std::chrono::milliseconds(5));
    timer->async_wait([self = this->shared_from_this(), timer, ar = std::move(ar), slot, started, position,
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
          [self = this->shared_from_this(), timer, slot, r = std::move(r), request_id, method,
           started](beast::error_code) mutable { self->complete(slot, std::move(r), request_id, method, started); });
      return;
    }
    fill(slot, std::move(r), request_id, method, started);
  }

  void fill(const std::shared_ptr<Slot>& slot, ApiResponse r, const std::string& request_id, const std::string& method,
            std::chrono::steady_clock::time_point started) {
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (!r.file.empty()) {
      http::file_body::value_type file;
      beast::error_code ec;
      file.open(r.file.c_str(), beast::file_mode::scan, ec);
      if (r.remove_file) {  // a temporary file (an export): open, it needs no name any more
        std::error_code removed;
        std::filesystem::remove(r.file, removed);
      }
      if (ec) {
        auto actor = r.actor_id;
        r = problem(Status::unavailable("cannot read the document: " + ec.message()), r.route);
        r.actor_id = actor;
      } else {
        auto& res = slot->file_response.emplace();
        res.body() = std::move(file);
        r.body.clear();
      }
    }
    access_log(request_id, method, r, took);
    shared_.services.metrics->observe_request(r.route, r.status, took);
    if (closing_ && slots_.back() == slot) slot->keep_alive = false;
    if (slot->file_response) {
      prepare(*slot->file_response, r, request_id, slot->keep_alive);
    } else {
      slot->response.body() = std::move(r.body);
      prepare(slot->response, r, request_id, slot->keep_alive);
    }
    slot->ready = true;
    do_write();
  }

  template <class Body>
  static void prepare(http::response<Body>& res, const ApiResponse& r, const std::string& request_id, bool keep_alive) {
    res.version(11);
    res.result(static_cast<unsigned>(r.status));
    res.set(http::field::server, "sijill");
    res.set(http::field::content_type, r.content_type);
    res.set("X-Request-Id", request_id);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    if (r.status == 304) res.erase(http::field::content_length);  // RFC 9110 8.6: no length of an empty 304
  }

  void do_write() {
    if (writing_ || closed_ || slots_.empty() || !slots_.front()->ready) return;
    writing_ = true;
    auto& slot = *slots_.front();
    if (slot.file_response) {
      // A document: the write time-out plus a second per 256 KiB.
      const auto seconds = static_cast<long>(slot.file_response->body().size() >> 18);
      if (!reading_) lowest().expires_after(options().write_timeout + std::chrono::seconds(seconds));
      http::async_write(stream_, *slot.file_response,
                        beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
      return;
    }
    if (!reading_) lowest().expires_after(options().write_timeout);
    http::async_write(stream_, slot.response,
                      beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
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
      lowest().socket().close(ec);
      return;
    }
    if constexpr (kTls) {
      // TLS: close_notify, and a second for the client's, then close.
      lowest().expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->lowest().socket().close(ignored);
      });
      return;
    }
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().expires_after(std::chrono::seconds(1));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                beast::error_code ignored;
                                self->lowest().socket().close(ignored);
                                return;
                              }
                              self->drain();
                            });
  }

  Stream stream_;
  Shared& shared_;
  net::thread_pool& blocking_;  // fsyncs of uploads
  std::unique_ptr<UploadState> upload_;
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
  net::steady_timer accept_retry{acceptor.get_executor()};
  std::vector<std::thread> threads;
  net::thread_pool blocking{2};     // uploads' fsync and rename, off the I/O threads
  std::optional<ssl::context> tls;  // --tls-cert and --tls-key: every connection is TLS
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (ec == net::error::connection_aborted) return do_accept();  // the client gave up first
      if (ec) {
        // Out of file descriptors (EMFILE) or another failure: accepting again at once fails
        // again at once, and spun a core until a descriptor was freed. The connection waits in
        // the listen backlog meanwhile.
        spdlog::warn("cannot accept a connection: {}; trying again in 100 ms", ec.message());
        accept_retry.expires_after(std::chrono::milliseconds(100));
        accept_retry.async_wait([this](beast::error_code) { do_accept(); });
        return;
      }
      // Every answer and WebSocket message is written whole: send it at once rather than hold
      // it until the peer acknowledges the previous one (Nagle's algorithm, which with the
      // peer's delayed acknowledgements added up to 40 ms to WebSocket deliveries).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        std::make_shared<HttpSession<TlsStream>>(shared, blocking, std::move(socket), *tls)->run();
      } else {
        std::make_shared<HttpSession<beast::tcp_stream>>(shared, blocking, std::move(socket))->run();
      }
      do_accept();
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

std::uint16_t Server::port() const { return impl_->port; }

namespace {

// The server's TLS context from PEM files: TLS 1.2 or later, the certificate chain and its key.
Result<ssl::context> tls_context(const std::string& cert, const std::string& key) {
  if (cert.empty() || key.empty()) return Status::invalid_argument("TLS needs both --tls-cert and --tls-key");
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  ctx.use_certificate_chain_file(cert, ec);
  if (ec) return Status::invalid_argument("cannot load the TLS certificate chain " + cert + ": " + ec.message());
  ctx.use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    return Status::invalid_argument("cannot load the TLS private key " + key +
                                    " (or it is not the certificate's): " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return Status::invalid_argument("the TLS private key " + key + " does not match the certificate " + cert);
  }
  return ctx;
}

}  // namespace

Status Server::check_tls(const ServerOptions& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) return Status::ok();
  auto ctx = tls_context(options.tls_cert, options.tls_key);
  return ctx ? Status::ok() : ctx.status();
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Services services) {
  std::optional<ssl::context> tls;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    auto ctx = tls_context(options.tls_cert, options.tls_key);
    if (!ctx) return ctx.status();
    tls.emplace(std::move(ctx).value());
  }
  beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return Status::invalid_argument("'" + options.address + "' is not an IP address");
  auto impl = std::make_unique<Impl>(options, services);
  impl->tls = std::move(tls);
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
  d.blocking.join();  // uploads being named finish (their sessions are answered or gone)
  d.ioc.stop();
  for (auto& t : d.threads) t.join();
  d.threads.clear();
  d.shared.api.join_workers();
}

}  // namespace sijill::server
