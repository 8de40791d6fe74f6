// The server's metrics, rendered in the Prometheus text exposition format (GET /metrics).
//
//   sijill_http_requests_total{route,status}            counter
//   sijill_http_request_duration_seconds{route}         histogram
//   sijill_commit_batch_calls / _records                histograms (commands and events per commit)
//   sijill_commit_fsync_seconds                         histogram (write + fsync of a batch)
//   sijill_command_rejections_total{rule}               counter (refusals by rule or code)
//   sijill_ws_closed_behind_total                       counter (subscribers closed with 4008)
//   plus the gauges registered with add_gauge(): log head, subscribers, send-queue bytes, ...
//
// Route labels are route templates ("/v1/streams/{kind}/{id}") or command names, never raw
// paths, so the number of series stays bounded.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sijill::server {

class Metrics {
 public:
  Metrics();

  void observe_request(std::string_view route, int status, std::chrono::microseconds duration);
  void observe_batch(std::size_t calls, std::size_t records, std::chrono::microseconds commit);
  void observe_rejection(std::string_view rule);
  void observe_closed_behind();

  // A gauge read at render time; `read` must be thread-safe. Register before serving.
  void add_gauge(std::string name, std::string help, std::function<double()> read);

  // The whole exposition, text/plain; version=0.0.4.
  std::string render() const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<std::uint64_t> counts;  // one per bound, plus +Inf
    double sum = 0;
    std::uint64_t count = 0;
    void observe(double v);
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // guarded by mu_
  std::map<std::string, Histogram> durations_;                     // guarded by mu_
  Histogram batch_calls_, batch_records_, fsync_;                  // guarded by mu_
  std::map<std::string, std::uint64_t> rejections_;                // guarded by mu_
  std::uint64_t closed_behind_ = 0;                                // guarded by mu_
  std::vector<Gauge> gauges_;                                      // guarded by mu_
};

}  // namespace sijill::server
