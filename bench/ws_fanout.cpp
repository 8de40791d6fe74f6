// ws_fanout: WebSocket fan-out of `sijill serve`, the load generator in its own process.
//
// Starts a server with the demo programme on a temporary data folder (its own process, which
// inherits this one's open-file limit, raised to the hard limit), then:
//
//   1. opens --subscribers WebSocket connections to /v1/stream, each with one live `events`
//      subscription (no "from", no filter) under a programme officer's token, and waits for
//      every `caught_up`;
//   2. drives commands over HTTP (--driver-connections keep-alive connections, open loop): one
//      CorrectRecord every 1/--rate seconds for --warmup + --seconds seconds. Each command
//      carries the time it was sent in its `reason` (this process's steady clock), so that
//      every delivery of its event gives a latency: receive time - send time, which covers the
//      HTTP request, the command, the fsync and the fan-out (commit-to-client and a little
//      more). The event's `recorded_at` (the server's clock when it commits the event, in
//      milliseconds, truncated) gives the commit-to-client figure the target is judged on:
//      receive time (system clock, same machine) - recorded_at;
//   3. checks that every subscriber received every event once, in order, with no gap;
//   4. reads the server's resident memory (VmRSS) before subscribing, with everyone subscribed,
//      at the end, and after the subscribers have closed, and samples it with /metrics while
//      the commands flow (--timeline).
//
// --slow K adds K subscribers that stop reading once caught up (they never call read while the
// commands flow) and resume at the end, to show that the server's memory stays bounded (each
// connection's send queue is capped; a subscriber that falls behind the hub's ring is closed
// with 4008) and that the other subscribers are not held up. --reason-bytes pads each event.
//
// Only this translation unit uses Beast; the bench links no sijill library: it measures the
// server from outside, as a client would. docs/performance.md keeps the tables it prints.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) { g_interrupted = true; }

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
std::int64_t system_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string load_average() {
  double load[3];
  if (::getloadavg(load, 3) != 3) return "unknown";
  return fmt::format("{:.2f} {:.2f} {:.2f}", load[0], load[1], load[2]);
}

// Summed over a process's threads, from the kernel's scheduler statistics
// (/proc/<pid>/task/<tid>/schedstat): time on a CPU, and time runnable but waiting for one.
struct SchedTimes {
  double on_cpu = 0;    // seconds
  double runnable = 0;  // seconds
};
SchedTimes sched_times(const std::string& proc) {
  SchedTimes t;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(proc + "/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    std::uint64_t on_cpu = 0, runnable = 0;
    if (in >> on_cpu >> runnable) {
      t.on_cpu += static_cast<double>(on_cpu) / 1e9;
      t.runnable += static_cast<double>(runnable) / 1e9;
    }
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// The server, in its own process.

class ServerProcess {
 public:
  ServerProcess(const fs::path& sijill, const fs::path& dir, std::size_t io_threads,
                const std::vector<std::string>& extra)
      : dir_(dir) {
    const auto log = dir / "server.log";
    std::vector<std::string> args = {sijill.string(), "serve", "--data", (dir / "data").string(), "--demo",
                                     "--listen", "127.0.0.1:0", "--admin-token-file",
                                     (dir / "admin-token").string(), "--io-threads", std::to_string(io_threads)};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto started = Clock::now();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int null = ::open("/dev/null", O_RDONLY);
      if (fd < 0 || null < 0) ::_exit(127);
      ::dup2(null, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    while (true) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      std::smatch m;
      if (std::regex_search(s, m, listening)) {
        port_ = static_cast<std::uint16_t>(std::stoul(m[1].str()));
        break;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("sijill serve exited:\n" + s);
      }
      if (g_interrupted || Clock::now() - started > std::chrono::minutes(5)) {
        throw std::runtime_error("sijill serve did not start listening");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ready_seconds_ = std::chrono::duration<double>(Clock::now() - started).count();
    std::ifstream token(dir / "admin-token");
    std::getline(token, admin_);
  }
  ~ServerProcess() { stop(); }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& admin() const { return admin_; }
  double ready_seconds() const { return ready_seconds_; }

  // From /proc/<pid>/status, in KiB: "VmRSS", "VmHWM".
  std::int64_t status_kib(std::string_view field) const {
    std::ifstream in(fmt::format("/proc/{}/status", pid_));
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
        return std::atoll(line.c_str() + field.size() + 1);
      }
    }
    return 0;
  }
  double rss_mib() const { return static_cast<double>(status_kib("VmRSS")) / 1024.0; }

  SchedTimes sched() const { return sched_times(fmt::format("/proc/{}", pid_)); }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string admin_;
  double ready_seconds_ = 0;
};

// One blocking HTTP request on a new connection (set-up and sampling only).
struct HttpAnswer {
  int status = 0;
  std::string body;
};
HttpAnswer http_call(std::uint16_t port, http::verb method, const std::string& target, const std::string& token,
                     const std::string& body = {}) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {static_cast<int>(res.result_int()), std::move(res.body())};
}

// The value of a sample line of the Prometheus text ("name value").
double metric(const std::string& text, std::string_view name) {
  std::size_t at = 0;
  while ((at = text.find(name, at)) != std::string::npos) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    const std::size_t after = at + name.size();
    if (line_start && after < text.size() && text[after] == ' ') return std::strtod(text.c_str() + after + 1, nullptr);
    at = after;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Subscribers.

// What the subscribers of one client thread saw.
struct ThreadStats {
  std::atomic<std::uint64_t> deliveries{0};  // events received (all of them)
  std::atomic<std::uint64_t> messages{0};    // `events` messages
  std::uint64_t gaps = 0;
  std::uint64_t duplicates = 0;
  std::vector<std::uint32_t> send_us;      // receive - send stamp, in the measured window
  std::vector<std::int32_t> recorded_us;   // receive (system clock) - recorded_at
};

struct Shared {
  std::uint16_t port = 0;
  std::string token;
  std::atomic<std::int64_t> measure_from_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> measure_to_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::size_t> caught_up{0};
  std::atomic<std::size_t> failed{0};
  std::atomic<std::size_t> closed{0};
  std::mutex mu;
  std::string first_error;  // guarded by mu
  void fail(const std::string& what) {
    ++failed;
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = what;
  }
};

// "2026-07-02T09:15:03.123Z" -> microseconds since the epoch (0 when malformed).
std::int64_t parse_instant_us(std::string_view s) {
  if (s.size() < 24 || s[4] != '-' || s[10] != 'T' || s[19] != '.') return 0;
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
    return v;
  };
  // Days from civil (Howard Hinnant's algorithm).
  int y = num(0, 4);
  const unsigned m = static_cast<unsigned>(num(5, 2));
  const unsigned d = static_cast<unsigned>(num(8, 2));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
  const std::int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
  return secs * 1'000'000 + num(20, 3) * 1000;
}

std::uint64_t parse_digits(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  while (at < s.size() && s[at] >= '0' && s[at] <= '9') v = v * 10 + static_cast<std::uint64_t>(s[at++] - '0');
  return v;
}

constexpr std::string_view kStampPrefix = "\"reason\":\"ws_fanout ";

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(net::io_context& ioc, Shared& shared, ThreadStats& stats, std::size_t index, bool slow)
      : ws_(net::make_strand(ioc)), shared_(shared), stats_(stats), index_(index), slow_(slow) {}

  void start() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(60));
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), shared_.port),
        [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
  }

  // A slow subscriber reads again (at the end of the run) until the server closes it.
  void resume() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->paused_ = false;
      if (!self->reading_ && !self->done_) self->do_read();
    });
  }

  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->done_ || self->closing_) return;
      self->closing_ = true;
      self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
    });
  }

  bool slow() const { return slow_; }
  bool done() const { return done_.load(); }
  int close_code() const { return close_code_.load(); }
  std::string close_reason() const {
    std::lock_guard lock(mu_);
    return close_reason_;
  }
  std::uint64_t last_position() const { return last_position_.load(); }
  std::uint64_t bytes() const { return bytes_.load(); }
  std::uint64_t deliveries() const { return deliveries_.load(); }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    beast::get_lowest_layer(ws_).expires_never();
    auto t = websocket::stream_base::timeout::suggested(beast::role_type::client);
    t.handshake_timeout = std::chrono::seconds(60);
    ws_.set_option(t);
    ws_.read_message_max(std::size_t{16} << 20);
    ws_.set_option(websocket::stream_base::decorator([token = shared_.token](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + token);
    }));
    ws_.async_handshake("127.0.0.1", "/v1/stream",
                        [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail("handshake", ec);
    subscribe_ = fmt::format(R"({{"op":"subscribe","id":"s{}","topic":"events"}})", index_);
    ws_.text(true);
    ws_.async_write(net::buffer(subscribe_), [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (e) return self->fail("subscribe", e);
      self->do_read();
    });
  }

  void do_read() {
    reading_ = true;
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (ec) {
      {
        std::lock_guard lock(mu_);
        close_code_ = ws_.reason().code;
        close_reason_ = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      }
      if (ec != websocket::error::closed && !closing_ && !slow_) {
        shared_.fail(fmt::format("subscriber {}: read: {}", index_, ec.message()));
      }
      done_ = true;
      ++shared_.closed;
      return;
    }
    const auto now_ns = steady_ns();
    const auto data = buffer_.cdata();
    const std::string_view m(static_cast<const char*>(data.data()), data.size());
    bytes_ += m.size();
    handle(m, now_ns);
    buffer_.consume(buffer_.size());
    if (slow_ && caught_up_ && paused_) return;  // stops reading until resume()
    do_read();
  }

  void handle(std::string_view m, std::int64_t now_ns) {
    if (m.starts_with(R"({"op":"caught_up")")) {
      if (!caught_up_) {
        caught_up_ = true;
        last_position_ = parse_digits(m, m.find("\"position\":") + 11);
        ++shared_.caught_up;
      }
      return;
    }
    if (!m.starts_with(R"({"op":"events")")) {
      shared_.fail(fmt::format("subscriber {}: unexpected message: {}", index_, m.substr(0, 300)));
      return;
    }
    ++stats_.messages;
    const auto from = shared_.measure_from_ns.load(std::memory_order_relaxed);
    const auto to = shared_.measure_to_ns.load(std::memory_order_relaxed);
    std::int64_t now_sys_us = 0;
    constexpr std::string_view kEvent = "{\"position\":";
    std::size_t at = m.find(kEvent);
    while (at != std::string_view::npos) {
      const std::size_t next = m.find(kEvent, at + kEvent.size());
      const std::uint64_t position = parse_digits(m, at + kEvent.size());
      const auto last = last_position_.load(std::memory_order_relaxed);
      if (last != 0 && position != last + 1) {
        if (position <= last) {
          ++stats_.duplicates;
        } else {
          ++stats_.gaps;
        }
      }
      last_position_.store(std::max(last, position), std::memory_order_relaxed);
      stats_.deliveries.fetch_add(1, std::memory_order_relaxed);
      deliveries_.fetch_add(1, std::memory_order_relaxed);
      const std::string_view event = m.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
      const auto stamp_at = event.find(kStampPrefix);
      if (stamp_at != std::string_view::npos) {
        const auto sent = static_cast<std::int64_t>(parse_digits(event, stamp_at + kStampPrefix.size()));
        if (sent >= from && sent < to) {
          stats_.send_us.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, (now_ns - sent) / 1000)));
          const auto rec = event.find("\"recorded_at\":\"");
          if (rec != std::string_view::npos) {
            if (now_sys_us == 0) now_sys_us = system_us();
            const auto recorded = parse_instant_us(event.substr(rec + 15, 24));
            if (recorded != 0) stats_.recorded_us.push_back(static_cast<std::int32_t>(now_sys_us - recorded));
          }
        }
      }
      at = next;
    }
  }

  void fail(const char* what, beast::error_code ec) {
    done_ = true;
    ++shared_.closed;
    shared_.fail(fmt::format("subscriber {}: {}: {}", index_, what, ec.message()));
  }

  websocket::stream<beast::tcp_stream> ws_;
  Shared& shared_;
  ThreadStats& stats_;
  std::size_t index_;
  bool slow_;
  beast::flat_buffer buffer_;
  std::string subscribe_;
  bool caught_up_ = false;
  bool paused_ = true;  // for a slow subscriber: until resume()
  bool reading_ = false;
  bool closing_ = false;
  std::atomic<bool> done_{false};
  std::atomic<std::uint64_t> last_position_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> deliveries_{0};
  std::atomic<int> close_code_{0};
  mutable std::mutex mu_;
  std::string close_reason_;  // guarded by mu_
};

// ---------------------------------------------------------------------------------------------
// The command driver: open loop, one CorrectRecord every 1/rate seconds, over a few keep-alive
// connections; a command whose slot has come waits for the next free connection.

struct Target {
  std::string application;
  std::uint64_t position;
};

struct Driver {
  std::uint16_t port = 0;
  std::string token;
  std::vector<Target> targets;
  std::string padding;
  Clock::time_point t0;
  std::chrono::nanoseconds period{};
  std::uint64_t slots = 0;  // commands to send
  std::uint64_t next_slot = 0;
  // Results (the driver's one thread).
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t late = 0;  // sent more than a millisecond after their slot
  std::vector<std::uint32_t> command_us;
  std::string first_refusal;
  std::atomic<std::size_t> active{0};
};

class DriverConnection : public std::enable_shared_from_this<DriverConnection> {
 public:
  DriverConnection(net::io_context& ioc, Driver& driver) : stream_(ioc), timer_(ioc), driver_(driver) {}

  void start() {
    ++driver_.active;
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), driver_.port),
                          [self = shared_from_this()](beast::error_code ec) {
                            if (ec) return self->finish("connect: " + ec.message());
                            self->next();
                          });
  }

 private:
  void next() {
    if (driver_.next_slot >= driver_.slots || g_interrupted) return finish({});
    const auto slot = driver_.next_slot++;
    const auto at = driver_.t0 + std::chrono::duration_cast<Clock::duration>(driver_.period * slot);
    if (Clock::now() < at) {
      timer_.expires_at(at);
      timer_.async_wait([self = shared_from_this(), slot](beast::error_code) { self->send(slot); });
    } else {
      if (Clock::now() - at > std::chrono::milliseconds(1)) ++driver_.late;
      send(slot);
    }
  }

  void send(std::uint64_t slot) {
    const auto& t = driver_.targets[slot % driver_.targets.size()];
    sent_ns_ = steady_ns();
    req_ = {};
    req_.method(http::verb::post);
    req_.target("/v1/commands/CorrectRecord");
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1");
    req_.set(http::field::authorization, "Bearer " + driver_.token);
    req_.set(http::field::content_type, "application/json");
    req_.body() = fmt::format(
        R"({{"application_id":"{}","corrects_position":{},"correction":{{"note":"ws_fanout"}},"reason":"ws_fanout {} {}{}"}})",
        t.application, t.position, sent_ns_, slot, driver_.padding);
    req_.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->finish("write: " + ec.message());
      self->res_ = {};
      http::async_read(self->stream_, self->buffer_, self->res_,
                       [self](beast::error_code e, std::size_t) { self->on_response(e); });
    });
  }

  void on_response(beast::error_code ec) {
    if (ec) return finish("read: " + ec.message());
    driver_.command_us.push_back(static_cast<std::uint32_t>((steady_ns() - sent_ns_) / 1000));
    if (res_.result_int() == 201) {
      ++driver_.accepted;
    } else {
      ++driver_.refused;
      if (driver_.first_refusal.empty()) driver_.first_refusal = fmt::format("{} {}", res_.result_int(), res_.body());
    }
    next();
  }

  void finish(const std::string& error) {
    if (!error.empty() && driver_.first_refusal.empty()) driver_.first_refusal = error;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    --driver_.active;
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  Driver& driver_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  std::int64_t sent_ns_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Reporting.

template <class T>
double percentile(std::vector<T>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  k = std::min(k, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

template <class T>
std::string latency_row(std::string_view label, std::vector<T>& v) {
  if (v.empty()) return fmt::format("{:<36} {:>9}\n", label, 0);
  const double mx = static_cast<double>(*std::max_element(v.begin(), v.end()));
  const double p50 = percentile(v, 50), p90 = percentile(v, 90), p99 = percentile(v, 99), p999 = percentile(v, 99.9);
  return fmt::format("{:<36} {:>9} {:>8.2f} {:>8.2f} {:>8.2f} {:>8.2f} {:>8.2f}\n", label, v.size(), p50 / 1000,
                     p90 / 1000, p99 / 1000, p999 / 1000, mx / 1000);
}

struct Sample {
  double t;
  std::uint64_t head;
  std::uint64_t deliveries;
  double rss_mib;
  double queue_mib;
  double sessions;
  double closed_behind;
  SchedTimes server;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"WebSocket fan-out of sijill serve: commit-to-client latency and the server's memory"};
  fs::path sijill;
  std::size_t subscribers = 1000;
  std::size_t slow = 0;
  double rate = 100;
  double seconds = 20;
  double warmup = 3;
  std::size_t reason_bytes = 0;
  std::size_t client_threads = 2;
  std::size_t driver_connections = 8;
  std::size_t io_threads = 2;
  double sample_seconds = 1;
  bool timeline = false;
  bool keep = false;
  std::vector<std::string> server_args;
  app.add_option("--sijill", sijill, "The sijill binary (default: the one next to bench/)");
  app.add_option("--subscribers", subscribers, "Subscribers that keep reading (default 1000)");
  app.add_option("--slow", slow, "Subscribers that stop reading once caught up (default 0)");
  app.add_option("--rate", rate, "Commands (events) per second (default 100)");
  app.add_option("--seconds", seconds, "Seconds measured (default 20)");
  app.add_option("--warmup", warmup, "Seconds of commands before the measured window (default 3)");
  app.add_option("--reason-bytes", reason_bytes, "Padding in each command's reason, up to 9,900 (default 0)")
      ->check(CLI::Range(0, 9900));
  app.add_option("--client-threads", client_threads, "Threads reading the subscribers (default 2)")
      ->check(CLI::Range(1, 64));
  app.add_option("--driver-connections", driver_connections, "HTTP connections sending commands (default 8)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--io-threads", io_threads, "The server's --io-threads (default 2)")->check(CLI::Range(1, 64));
  app.add_option("--sample", sample_seconds, "Seconds between samples of the server (default 1)");
  app.add_flag("--timeline", timeline, "Print the samples (always with --slow)");
  app.add_flag("--keep", keep, "Keep the temporary folder (server log, data)");
  app.add_option("--server-arg", server_args, "One more argument for sijill serve (repeat)");
  CLI11_PARSE(app, argc, argv);
  if (sijill.empty()) {
    sijill = fs::canonical("/proc/self/exe").parent_path().parent_path() / "sijill";
  }
  if (!fs::exists(sijill)) {
    fmt::print(stderr, "ws_fanout: {} does not exist (build the sijill target, or pass --sijill)\n", sijill.string());
    return 2;
  }
  if (slow > 0) timeline = true;

  // Open files: one per connection here and in the server (which inherits the limit).
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  const auto soft_before = nofile.rlim_cur;
  nofile.rlim_cur = nofile.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &nofile);
  const std::size_t needed = subscribers + slow + driver_connections + 64;
  if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < needed) {
    fmt::print(stderr, "ws_fanout: {} connections need about {} open files; the hard limit is {}\n",
               subscribers + slow, needed, nofile.rlim_max);
    return 2;
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = (fs::path(tmpdir && *tmpdir ? tmpdir : "/tmp") / "sijill-ws-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    fmt::print(stderr, "ws_fanout: cannot create a temporary folder: {}\n", std::strerror(errno));
    return 2;
  }
  const fs::path dir = pattern;
  int exit_code = 0;
  try {
    fmt::print("ws_fanout: {} cores, load average {} (at start)\n", std::thread::hardware_concurrency(),
               load_average());
    std::vector<std::string> extra = server_args;
    ServerProcess server(sijill, dir, io_threads, extra);

    // A programme officer's token (the demo registers u-officer-1): it reads the whole log.
    auto created = http_call(server.port(), http::verb::post, "/v1/commands/CreateToken", server.admin(),
                             R"({"user":"u-officer-1","role":"programme_officer"})");
    if (created.status != 201) throw std::runtime_error("CreateToken: " + created.body);
    const std::string token(boost::json::parse(created.body).at("token").as_string());

    // What to correct: the first event of each application, in turn (the read models copy an
    // application's case file whole for each of its events, so the corrections are spread).
    std::vector<Target> targets;
    {
      std::map<std::string, std::uint64_t> first;
      std::uint64_t after = 0;
      while (true) {
        auto page = http_call(server.port(), http::verb::get,
                              fmt::format("/v1/events?from={}&limit=1000&stream=application/", after), token);
        if (page.status != 200) throw std::runtime_error("GET /v1/events: " + page.body);
        auto v = boost::json::parse(page.body);
        for (const auto& e : v.at("events").as_array()) {
          const std::string stream(e.at("stream").as_string());
          first.emplace(stream.substr(stream.find('/') + 1), e.at("position").to_number<std::uint64_t>());
        }
        const auto next = v.at("next").to_number<std::uint64_t>();
        if (next == after || next >= v.at("head").to_number<std::uint64_t>()) break;
        after = next;
      }
      for (const auto& [app_id, position] : first) targets.push_back({app_id, position});
      if (targets.empty()) throw std::runtime_error("the demo programme has no application");
    }
    auto head_of = [&] {
      auto h = http_call(server.port(), http::verb::get, "/health", "");
      return boost::json::parse(h.body).at("head").to_number<std::uint64_t>();
    };
    auto metrics_text = [&] { return http_call(server.port(), http::verb::get, "/metrics", server.admin()).body; };

    const auto head0 = head_of();
    fmt::print("server: {} serve --demo --io-threads {}{}, pid {}, head at {} (ready in {:.1f} s)\n",
               sijill.filename().string(), io_threads,
               server_args.empty() ? "" : " " + fmt::format("{}", fmt::join(server_args, " ")), server.pid(), head0,
               server.ready_seconds());
    fmt::print("open files: soft limit {} -> {} (the server inherits it)\n", soft_before, nofile.rlim_cur);
    fmt::print("subscribers: {} reading{}, one live `events` subscription each, programme officer's token\n",
               subscribers, slow ? fmt::format(", {} that stop reading once caught up", slow) : "");
    fmt::print("commands: CorrectRecord over {} applications at {:.0f}/s, {} HTTP connections, {:.0f} s warm-up + "
               "{:.0f} s measured, reason padded by {} bytes; client: {} threads\n",
               targets.size(), rate, driver_connections, warmup, seconds, reason_bytes, client_threads);
    fmt::print("folder: {} ({})\n\n", dir.string(), keep ? "kept" : "removed at the end");
    std::fflush(stdout);

    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss_before = server.rss_mib();

    // 1. Subscribe.
    Shared shared;
    shared.port = server.port();
    shared.token = token;
    std::vector<std::unique_ptr<net::io_context>> contexts;
    std::vector<std::unique_ptr<ThreadStats>> stats;
    for (std::size_t i = 0; i < client_threads; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      stats.push_back(std::make_unique<ThreadStats>());
    }
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    for (auto& c : contexts) guards.push_back(net::make_work_guard(*c));
    std::vector<std::thread> threads;
    for (auto& c : contexts) threads.emplace_back([&ctx = *c] { ctx.run(); });
    std::vector<std::shared_ptr<Subscriber>> subs;
    const std::size_t total = subscribers + slow;
    const auto subscribe_started = Clock::now();
    for (std::size_t i = 0; i < total; ++i) {
      const auto t = i % client_threads;
      // The slow ones are spread among the others.
      const bool is_slow = slow > 0 && i % (total / slow) == 0 && (i / (total / slow)) < slow;
      subs.push_back(std::make_shared<Subscriber>(*contexts[t], shared, *stats[t], i, is_slow));
      subs.back()->start();
      // At most ~200 handshakes in flight.
      while (i + 1 - shared.caught_up - shared.failed > 200 && !g_interrupted) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    while (shared.caught_up + shared.failed < total && !g_interrupted &&
           Clock::now() - subscribe_started < std::chrono::seconds(120)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const double subscribe_seconds = std::chrono::duration<double>(Clock::now() - subscribe_started).count();
    if (shared.failed > 0 || shared.caught_up < total) {
      throw std::runtime_error(fmt::format("{} of {} subscribers caught up ({} failed): {}", shared.caught_up.load(),
                                           total, shared.failed.load(), shared.first_error));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss_subscribed = server.rss_mib();
    const auto metrics0 = metrics_text();

    // 2. Drive commands; sample the server meanwhile.
    Driver driver;
    driver.port = server.port();
    driver.token = token;
    driver.targets = targets;
    driver.padding = reason_bytes ? " " + std::string(reason_bytes - 1, 'x') : "";
    driver.period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
    driver.slots = static_cast<std::uint64_t>((warmup + seconds) * rate);
    driver.command_us.reserve(driver.slots);
    for (auto& s : stats) {
      s->send_us.reserve(static_cast<std::size_t>(seconds * rate * static_cast<double>(total) /
                                                  static_cast<double>(client_threads) * 1.1));
      s->recorded_us.reserve(s->send_us.capacity());
    }
    net::io_context driver_ioc(1);
    driver.t0 = Clock::now() + std::chrono::milliseconds(100);
    const auto t0_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(driver.t0.time_since_epoch()).count();
    shared.measure_from_ns = t0_ns + static_cast<std::int64_t>(warmup * 1e9);
    shared.measure_to_ns = t0_ns + static_cast<std::int64_t>((warmup + seconds) * 1e9);
    for (std::size_t i = 0; i < driver_connections; ++i) std::make_shared<DriverConnection>(driver_ioc, driver)->start();
    std::thread driver_thread([&] { driver_ioc.run(); });

    auto deliveries_now = [&] {
      std::uint64_t n = 0;
      for (auto& s : stats) n += s->deliveries.load(std::memory_order_relaxed);
      return n;
    };
    std::vector<Sample> samples;
    auto sample = [&] {
      const auto text = metrics_text();
      samples.push_back({std::chrono::duration<double>(Clock::now() - driver.t0).count(),
                         static_cast<std::uint64_t>(metric(text, "sijill_log_head")), deliveries_now(),
                         server.rss_mib(), metric(text, "sijill_ws_send_queue_bytes") / (1024.0 * 1024.0),
                         metric(text, "sijill_ws_subscribers"), metric(text, "sijill_ws_closed_behind_total"),
                         server.sched()});
    };
    sample();
    double head_at_measure = 0, deliveries_at_measure = 0;
    SchedTimes server_measure, client_measure, server_end, client_end;
    std::uint64_t head_at_end = 0, deliveries_at_end = 0;
    bool measured_start = false, measured_end = false;
    auto next_sample = driver.t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sample_seconds));
    const auto measure_start = driver.t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
    const auto measure_end =
        driver.t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup + seconds));
    while (driver.active > 0 && !g_interrupted) {
      const auto now = Clock::now();
      if (!measured_start && now >= measure_start) {
        measured_start = true;
        head_at_measure = static_cast<double>(head_of());
        deliveries_at_measure = static_cast<double>(deliveries_now());
        server_measure = server.sched();
        client_measure = sched_times("/proc/self");
      }
      if (!measured_end && now >= measure_end) {
        measured_end = true;
        head_at_end = head_of();
        deliveries_at_end = deliveries_now();
        server_end = server.sched();
        client_end = sched_times("/proc/self");
      }
      if (now >= next_sample) {
        sample();
        next_sample += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sample_seconds));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    driver_thread.join();
    if (!measured_end) {
      head_at_end = head_of();
      deliveries_at_end = deliveries_now();
      server_end = server.sched();
      client_end = sched_times("/proc/self");
    }
    const double driven_seconds = std::chrono::duration<double>(Clock::now() - driver.t0).count();

    // 3. Let every reading subscriber receive the last event.
    const auto final_head = head_of();
    const auto drain_started = Clock::now();
    auto all_delivered = [&] {
      for (auto& s : subs) {
        if (!s->slow() && !s->done() && s->last_position() < final_head) return false;
      }
      return true;
    };
    while (!all_delivered() && !g_interrupted && Clock::now() - drain_started < std::chrono::seconds(30)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const double drain_seconds = std::chrono::duration<double>(Clock::now() - drain_started).count();
    sample();
    const double rss_end = server.rss_mib();
    const double hwm = static_cast<double>(server.status_kib("VmHWM")) / 1024.0;
    const auto metrics_end = metrics_text();

    // 4. The slow subscribers read again, until the server closes them.
    std::map<int, std::size_t> slow_codes;
    std::string slow_reason_example;
    std::uint64_t slow_bytes = 0;
    if (slow > 0) {
      for (auto& s : subs) {
        if (s->slow()) s->resume();
      }
      const auto resume_started = Clock::now();
      auto slow_open = [&] {
        for (auto& s : subs) {
          if (s->slow() && !s->done()) return true;
        }
        return false;
      };
      while (slow_open() && !g_interrupted && Clock::now() - resume_started < std::chrono::seconds(30)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      for (auto& s : subs) {
        if (!s->slow()) continue;
        ++slow_codes[s->done() ? s->close_code() : -1];
        slow_bytes += s->bytes();
        if (slow_reason_example.empty() && s->close_code() == 4008) slow_reason_example = s->close_reason();
      }
    }

    // 5. Close everyone; the memory the server keeps afterwards.
    for (auto& s : subs) s->close();
    const auto close_started = Clock::now();
    while (shared.closed < total && Clock::now() - close_started < std::chrono::seconds(20)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double rss_closed = server.rss_mib();
    for (auto& g : guards) g.reset();
    for (auto& c : contexts) c->stop();
    for (auto& t : threads) t.join();

    // Report.
    std::vector<std::uint32_t> send_us;
    std::vector<std::int32_t> recorded_us;
    std::uint64_t messages = 0, gaps = 0, duplicates = 0, deliveries = 0;
    for (auto& s : stats) {
      send_us.insert(send_us.end(), s->send_us.begin(), s->send_us.end());
      recorded_us.insert(recorded_us.end(), s->recorded_us.begin(), s->recorded_us.end());
      messages += s->messages;
      gaps += s->gaps;
      duplicates += s->duplicates;
      deliveries += s->deliveries;
    }
    const double window = measured_end ? seconds : std::max(0.001, driven_seconds - warmup);
    const double events_window = static_cast<double>(head_at_end) - head_at_measure;
    const double deliveries_window = static_cast<double>(deliveries_at_end) - deliveries_at_measure;
    const std::uint64_t events_total = final_head - head0;
    const std::uint64_t expected = events_total * subscribers;
    // Deliveries to the reading subscribers only (the slow ones got what they drained at the end).
    std::uint64_t reading_deliveries = 0;
    for (auto& s : subs) {
      if (!s->slow()) reading_deliveries += s->deliveries();
    }

    fmt::print("server resident memory (VmRSS)                    MiB\n");
    fmt::print("------------------------------------------------- --------\n");
    fmt::print("{:<49} {:>8.1f}\n", "before subscribing", rss_before);
    fmt::print("{:<49} {:>8.1f}   ({:.1f} KiB per subscriber; {} connected in {:.1f} s)\n",
               fmt::format("{} subscribed and caught up", total), rss_subscribed,
               (rss_subscribed - rss_before) * 1024.0 / static_cast<double>(total), total, subscribe_seconds);
    fmt::print("{:<49} {:>8.1f}\n", fmt::format("end of the run ({} events later)", events_total), rss_end);
    fmt::print("{:<49} {:>8.1f}\n", "peak (VmHWM)", hwm);
    fmt::print("{:<49} {:>8.1f}\n", "2 s after every subscriber closed", rss_closed);
    fmt::print("\n");

    fmt::print("commands: {} sent, {} accepted (201), {} refused or failed{}; {} sent over a millisecond late\n",
               driver.accepted + driver.refused, driver.accepted, driver.refused,
               driver.first_refusal.empty() ? "" : " (first: " + driver.first_refusal.substr(0, 200) + ")", driver.late);
    fmt::print("measured window: {:.0f} s, {:.0f} events committed ({:.0f} events/s), {:.0f} deliveries "
               "({:.0f} deliveries/s), {:.2f} events per message overall\n",
               window, events_window, events_window / window, deliveries_window, deliveries_window / window,
               messages ? static_cast<double>(deliveries) / static_cast<double>(messages) : 0.0);
    fmt::print("every reading subscriber: {} events each expected, {} deliveries of {} expected, {} gaps, {} duplicates "
               "(last event in {:.2f} s after the last command)\n",
               events_total, reading_deliveries, expected, gaps,
               duplicates, drain_seconds);
    // On-CPU and runnable-but-waiting time, summed over threads, as a share of one core.
    const double server_cpu = server_end.on_cpu - server_measure.on_cpu;
    const double client_cpu = client_end.on_cpu - client_measure.on_cpu;
    fmt::print("CPU over the measured window (share of one core, summed over threads): server on a CPU {:.0f}% "
               "({:.1f} us per delivery), runnable but waiting for a CPU {:.0f}%; this process {:.0f}% and {:.0f}%\n\n",
               server_cpu / window * 100, deliveries_window > 0 ? server_cpu / deliveries_window * 1e6 : 0.0,
               (server_end.runnable - server_measure.runnable) / window * 100, client_cpu / window * 100,
               (client_end.runnable - client_measure.runnable) / window * 100);

    fmt::print("{:<36} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "latency (ms)", "samples", "p50", "p90", "p99",
               "p99.9", "max");
    fmt::print("{:<36} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}\n", std::string(36, '-'), std::string(9, '-'),
               std::string(8, '-'), std::string(8, '-'), std::string(8, '-'), std::string(8, '-'), std::string(8, '-'));
    fmt::print("{}", latency_row("command: send -> 201", driver.command_us));
    std::vector<std::uint32_t> send_copy = send_us;
    fmt::print("{}", latency_row("delivery: send -> client", send_copy));
    fmt::print("{}", latency_row("delivery: recorded_at -> client", recorded_us));
    fmt::print("\n");

    if (timeline) {
      fmt::print("{:>6} {:>8} {:>9} {:>12} {:>8} {:>10} {:>8} {:>11} {:>6} {:>8}\n", "t s", "head", "events/s",
                 "deliveries/s", "RSS MiB", "queue MiB", "sessions", "closed 4008", "CPU %", "no-CPU %");
      for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& s = samples[i];
        const auto& p = i ? samples[i - 1] : samples[i];
        const double dt = i ? s.t - p.t : 1;
        fmt::print("{:>6.1f} {:>8} {:>9.0f} {:>12.0f} {:>8.1f} {:>10.2f} {:>8.0f} {:>11.0f} {:>6.0f} {:>8.0f}\n", s.t, s.head,
                   i ? static_cast<double>(s.head - p.head) / dt : 0.0,
                   i ? static_cast<double>(s.deliveries - p.deliveries) / dt : 0.0, s.rss_mib, s.queue_mib, s.sessions,
                   s.closed_behind, i ? (s.server.on_cpu - p.server.on_cpu) / dt * 100 : 0.0,
                   i ? (s.server.runnable - p.server.runnable) / dt * 100 : 0.0);
      }
      fmt::print("\n");
    }
    if (slow > 0) {
      fmt::print("slow subscribers: {} stopped reading once caught up; the server closed {} of them with 4008 "
                 "(sijill_ws_closed_behind_total {:.0f} -> {:.0f}); resumed at the end, they read {:.1f} MiB in all, "
                 "then their close codes:",
                 slow, slow_codes.count(4008) ? slow_codes[4008] : 0, metric(metrics0, "sijill_ws_closed_behind_total"),
                 metric(metrics_end, "sijill_ws_closed_behind_total"), static_cast<double>(slow_bytes) / (1 << 20));
      for (const auto& [code, n] : slow_codes) fmt::print(" {}: {}", code < 0 ? "still open" : std::to_string(code), n);
      fmt::print("\n");
      if (!slow_reason_example.empty()) fmt::print("a 4008 close reason: {}\n", slow_reason_example);
      fmt::print("\n");
    }

    std::vector<std::uint32_t> p99_copy = send_us;
    const double p99_ms = percentile(p99_copy, 99) / 1000;
    std::vector<std::int32_t> rec_copy = recorded_us;
    const double rec_p99_ms = percentile(rec_copy, 99) / 1000;
    bool ok = driver.refused == 0 && gaps == 0 && duplicates == 0 && shared.failed == 0;
    ok = ok && reading_deliveries == expected;
    fmt::print("check: every command accepted, every event delivered once and in order to every reading subscriber: {}\n",
               ok ? "ok" : "FAILED");
    if (!shared.first_error.empty()) fmt::print("first error: {}\n", shared.first_error);
    if (slow == 0) {
      // Commit-to-client is judged on recorded_at (the server's clock when it commits; up to a
      // millisecond early, as it is truncated); send -> client adds the command's own way in.
      fmt::print("target: {} subscribers, {:.0f} events/s, commit-to-client p99 <= 20 ms: recorded_at -> client p99 "
                 "{:.2f} ms (send -> client {:.2f} ms), at {:.0f} deliveries/s: {}\n",
                 subscribers, rate, rec_p99_ms, p99_ms, deliveries_window / window,
                 rec_p99_ms <= 20 && events_window / window >= rate * 0.95 ? "holds" : "MISSED");
    }
    fmt::print("\nload average {} (at end)\n", load_average());
    if (!ok) exit_code = 1;
    server.stop();
  } catch (const std::exception& e) {
    fmt::print(stderr, "ws_fanout: {}\n", e.what());
    exit_code = 1;
  }
  if (g_interrupted) exit_code = 130;
  std::error_code ec;
  if (!keep) fs::remove_all(dir, ec);
  return exit_code;
}
