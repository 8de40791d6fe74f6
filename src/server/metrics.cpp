#include "sijill/server/metrics.h"

#include <fmt/format.h>

namespace sijill::server {

namespace {

const std::vector<double> kSeconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const std::vector<double> kSizes = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

// Label values are route templates, command names and rule names: restricted to characters
// that need no escaping; anything else is replaced.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) out += (c == '"' || c == '\\' || c == '\n') ? '_' : c;
  return out;
}

void render_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const std::vector<double>& bounds, const std::vector<std::uint64_t>& counts, double sum,
                      std::uint64_t count) {
  std::uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts[i];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, bounds[i], cumulative);
  }
  cumulative += counts.back();
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  const std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, sum, name, braces, count);
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  ++counts[i];
  sum += v;
  ++count;
}

Metrics::Metrics() {
  batch_calls_ = {kSizes, std::vector<std::uint64_t>(kSizes.size() + 1), 0, 0};
  batch_records_ = {kSizes, std::vector<std::uint64_t>(kSizes.size() + 1), 0, 0};
  fsync_ = {kSeconds, std::vector<std::uint64_t>(kSeconds.size() + 1), 0, 0};
}

void Metrics::observe_request(std::string_view route, int status, std::chrono::microseconds duration) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), status}];
  auto it = durations_.find(std::string(route));
  if (it == durations_.end()) {
    it = durations_
             .emplace(std::string(route), Histogram{kSeconds, std::vector<std::uint64_t>(kSeconds.size() + 1), 0, 0})
             .first;
  }
  it->second.observe(std::chrono::duration<double>(duration).count());
}

void Metrics::observe_batch(std::size_t calls, std::size_t records, std::chrono::microseconds commit) {
  std::lock_guard lock(mu_);
  batch_calls_.observe(static_cast<double>(calls));
  batch_records_.observe(static_cast<double>(records));
  if (records > 0) fsync_.observe(std::chrono::duration<double>(commit).count());
}

void Metrics::observe_rejection(std::string_view rule) {
  std::lock_guard lock(mu_);
  ++rejections_[std::string(rule)];
}

void Metrics::observe_closed_behind() {
  std::lock_guard lock(mu_);
  ++closed_behind_;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP sijill_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE sijill_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out +=
        fmt::format("sijill_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", label(key.first), key.second, n);
  }
  out += "# HELP sijill_http_request_duration_seconds Time from a request's last byte to its response.\n";
  out += "# TYPE sijill_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    render_histogram(out, "sijill_http_request_duration_seconds", fmt::format("route=\"{}\"", label(route)), h.bounds,
                     h.counts, h.sum, h.count);
  }
  out += "# HELP sijill_commit_batch_calls Commands decided per commit.\n# TYPE sijill_commit_batch_calls histogram\n";
  render_histogram(out, "sijill_commit_batch_calls", "", batch_calls_.bounds, batch_calls_.counts, batch_calls_.sum,
                   batch_calls_.count);
  out +=
      "# HELP sijill_commit_batch_records Events appended per commit.\n# TYPE sijill_commit_batch_records histogram\n";
  render_histogram(out, "sijill_commit_batch_records", "", batch_records_.bounds, batch_records_.counts,
                   batch_records_.sum, batch_records_.count);
  out +=
      "# HELP sijill_commit_fsync_seconds Write and fsync of one commit.\n# TYPE sijill_commit_fsync_seconds "
      "histogram\n";
  render_histogram(out, "sijill_commit_fsync_seconds", "", fsync_.bounds, fsync_.counts, fsync_.sum, fsync_.count);
  out += "# HELP sijill_command_rejections_total Commands refused, by rule or reason.\n";
  out += "# TYPE sijill_command_rejections_total counter\n";
  for (const auto& [rule, n] : rejections_) {
    out += fmt::format("sijill_command_rejections_total{{rule=\"{}\"}} {}\n", label(rule), n);
  }
  out += "# HELP sijill_ws_closed_behind_total WebSocket clients closed with 4008 for falling too far behind.\n";
  out += "# TYPE sijill_ws_closed_behind_total counter\n";
  out += fmt::format("sijill_ws_closed_behind_total {}\n", closed_behind_);
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name, g.read());
  }
  return out;
}

}  // namespace sijill::server
