// WebSocket /v1/stream: one session per connection, on the connection's strand. The protocol
// itself (auth, subscriptions, cursors) is in stream_protocol.cpp; this file moves bytes, keeps
// the byte-bounded send queue, and closes (1001 on shutdown, 4008 when too far behind).
#include "websocket.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "stream_protocol.h"

namespace sijill::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

// NextLayer: beast::tcp_stream, or beast::ssl_stream<beast::tcp_stream> (wss://).
template <class NextLayer>
class WebSocketSession : public Closable, public std::enable_shared_from_this<WebSocketSession<NextLayer>> {
 public:
  WebSocketSession(Shared& shared, NextLayer&& stream, std::string remote, std::optional<domain::Actor> actor)
      : ws_(std::move(stream)),
        shared_(shared),
        protocol_(shared.api, std::move(remote), std::move(actor)),
        timer_(ws_.get_executor()) {
    ++shared_.ws_sessions;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().set_option(
        net::socket_base::send_buffer_size(static_cast<int>(shared_.options.ws_socket_send_buffer)), ec);
  }

  ~WebSocketSession() override {
    if (hub_id_) shared_.services.hub->unsubscribe(hub_id_);
    if (registry_id_) shared_.registry.remove(registry_id_);
    shared_.ws_queued_bytes -= static_cast<std::int64_t>(queued_bytes_);
    --shared_.ws_sessions;
  }

  void run(http::request<http::string_body> request) {
    registry_id_ = shared_.registry.add(this->weak_from_this());
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = shared_.options.ws_idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "sijill"); }));
    ws_.read_message_max(64 << 10);
    auto req = std::make_shared<http::request<http::string_body>>(std::move(request));
    ws_.async_accept(*req, [self = this->shared_from_this(), req](beast::error_code ec) { self->on_accept(ec); });
  }

  void shutdown() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      // Nothing more is sent but the close frame.
      self->drop_queue();
      self->begin_close({1001, "server shutting down"});
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    std::weak_ptr<WebSocketSession> weak = this->weak_from_this();
    hub_id_ = shared_.services.hub->subscribe([weak](std::uint64_t) {
      if (auto self = weak.lock()) {
        if (self->head_posted_.exchange(true)) return;  // one wake-up pending is enough
        net::post(self->ws_.get_executor(), [self] {
          self->head_posted_ = false;
          self->on_head();
        });
      }
    });
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_,
                   [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      closed_ = true;
      timer_.cancel();
      return;  // closed by the peer, by us, or failed: the session ends with its handlers
    }
    if (closing_) return;
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!ws_.got_text()) {
      apply({{}, StreamProtocol::Close{1003, "text messages only"}, {}});
      return;
    }
    apply(protocol_.on_message(text));
    if (!closing_) {
      pump();
      do_read();
    }
  }

  void apply(StreamProtocol::Step step) {
    if (step.delay.count() > 0) {
      auto delay = step.delay;
      step.delay = std::chrono::milliseconds(0);
      timer_.expires_after(delay);
      timer_.async_wait([self = this->shared_from_this(), step = std::move(step)](beast::error_code) mutable {
        self->apply(std::move(step));
      });
      return;
    }
    for (auto& m : step.messages) enqueue(std::move(m));
    if (step.close) begin_close(*step.close);
    maybe_write();
  }

  void on_head() {
    if (closing_ || closed_) return;
    if (auto behind = protocol_.check_behind()) {
      shared_.services.metrics->observe_closed_behind();
      begin_close(*behind);
      maybe_write();
      return;
    }
    pump();
  }

  // Pulls from the subscriptions while the send queue has room, and only when it holds nothing
  // but the message being written: what a slow connection has not taken yet stays in the hub's
  // ring, shared, and goes out as one message of many events once the socket takes it. (Pulling
  // at every commit queued one copy of each event per connection, one message and one write
  // each: 1,000 subscribers behind by a second held hundreds of MiB and fell further behind.)
  void pump() {
    const auto limit = shared_.options.ws_send_queue_bytes;
    while (!closing_ && !closed_ && queued_bytes_ < limit && queue_.size() <= (writing_ ? 1u : 0u) &&
           protocol_.wants_pull()) {
      auto step = protocol_.pull(limit - queued_bytes_);
      const bool progress = !step.messages.empty() || step.close;
      if (step.close && step.close->code == 4008) shared_.services.metrics->observe_closed_behind();
      apply(std::move(step));
      if (!progress) break;
    }
    maybe_write();
  }

  void enqueue(std::shared_ptr<const std::string> m) {
    queued_bytes_ += m->size();
    shared_.ws_queued_bytes += static_cast<std::int64_t>(m->size());
    queue_.push_back(std::move(m));
  }

  void drop_queue() {
    // The message being written stays until its write completes.
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= queue_.back()->size();
      shared_.ws_queued_bytes -= static_cast<std::int64_t>(queue_.back()->size());
      queue_.pop_back();
    }
  }

  void begin_close(StreamProtocol::Close c) {
    if (closing_ || closed_) return;
    closing_ = true;
    close_ = std::move(c);
    if (close_.reason.size() > 123) close_.reason.resize(123);
    maybe_write();
  }

  void maybe_write() {
    if (writing_ || closed_) return;
    if (queue_.empty()) {
      if (closing_ && !close_sent_) {
        close_sent_ = true;
        writing_ = true;
        websocket::close_reason reason(static_cast<websocket::close_code>(close_.code), close_.reason);
        ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code) {
          self->writing_ = false;
          self->closed_ = true;
        });
      }
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    queued_bytes_ -= queue_.front()->size();
    shared_.ws_queued_bytes -= static_cast<std::int64_t>(queue_.front()->size());
    queue_.pop_front();
    if (ec) {
      closed_ = true;
      return;
    }
    if (!closing_) {
      pump();
    } else {
      maybe_write();
    }
  }

  websocket::stream<NextLayer> ws_;
  Shared& shared_;
  StreamProtocol protocol_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t hub_id_ = 0;
  std::uint64_t registry_id_ = 0;
  std::atomic<bool> head_posted_{false};
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
  StreamProtocol::Close close_{1000, ""};
};

}  // namespace

void run_websocket_session(Shared& shared, beast::tcp_stream stream, http::request<http::string_body> request,
                           std::string remote, std::optional<domain::Actor> actor) {
  auto session = std::make_shared<WebSocketSession<beast::tcp_stream>>(shared, std::move(stream), std::move(remote),
                                                                       std::move(actor));
  session->run(std::move(request));
}

void run_websocket_session(Shared& shared, beast::ssl_stream<beast::tcp_stream> stream,
                           http::request<http::string_body> request, std::string remote,
                           std::optional<domain::Actor> actor) {
  auto session = std::make_shared<WebSocketSession<beast::ssl_stream<beast::tcp_stream>>>(
      shared, std::move(stream), std::move(remote), std::move(actor));
  session->run(std::move(request));
}

}  // namespace sijill::server
