#include "sijill/server/hub.h"

namespace sijill::server {

Hub::Hub(store::EventStore& store, Options options) : store_(store), options_(options) {
  head_ = store_.head().position;
  store_.on_commit([this](const store::CommitNotice& n) { on_commit(n); });
}

Hub::~Hub() {
  if (watching_.exchange(false)) watcher_.join();
}

Result<HubEvent> Hub::from_record(const store::Record& record) {
  auto env = store::parse_envelope(record.bytes);
  if (!env) return env.status();
  return HubEvent{record.position, std::move(env->stream), std::move(env->type),
                  std::make_shared<const std::string>(record.wire())};
}

void Hub::on_commit(const store::CommitNotice& notice) {
  std::vector<HubEvent> fresh;
  fresh.reserve(notice.records->size());
  for (const auto& r : *notice.records) {
    auto e = from_record(r);
    if (e) fresh.push_back(std::move(e).value());
  }
  {
    std::unique_lock lock(ring_mu_);
    for (auto& e : fresh) {
      ring_bytes_ += e.wire->size();
      ring_.push_back(std::move(e));
    }
    while (!ring_.empty() && (ring_.size() > options_.max_events || ring_bytes_ > options_.max_bytes)) {
      ring_bytes_ -= ring_.front().wire->size();
      ring_.pop_front();
    }
  }
  head_.store(notice.head.position, std::memory_order_release);
  wake(notice.head.position);
}

void Hub::wake(std::uint64_t head) {
  std::vector<std::shared_ptr<const Listener>> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners.reserve(listeners_.size());
    for (auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (auto& listener : listeners) (*listener)(head);
}

void Hub::watch_read_models(const projections::Projector& projector, std::chrono::milliseconds interval) {
  if (watching_.exchange(true)) return;
  const std::uint64_t start = projector.current()->position();
  read_models_.store(start, std::memory_order_release);
  watcher_ = std::thread([this, &projector, interval, start] {
    std::uint64_t seen = start;
    while (watching_.load()) {
      if (!projector.wait_for(seen + 1, std::chrono::milliseconds(100))) continue;
      seen = projector.current()->position();
      read_models_.store(seen, std::memory_order_release);
      wake(head());
      std::this_thread::sleep_for(interval);  // coalesce: what publishes meanwhile goes out next
    }
  });
}

std::uint64_t Hub::first_position() const {
  std::shared_lock lock(ring_mu_);
  return ring_.empty() ? head() + 1 : ring_.front().position;
}

Result<Hub::ReadResult> Hub::read(std::uint64_t after, std::size_t max_events, std::size_t max_bytes,
                                  std::vector<HubEvent>& out) const {
  ReadResult result;
  if (max_events == 0) return result;
  {
    std::shared_lock lock(ring_mu_);
    if (!ring_.empty() && after + 1 >= ring_.front().position) {
      std::size_t bytes = 0;
      for (auto i = static_cast<std::size_t>(after + 1 - ring_.front().position);
           i < ring_.size() && max_events > 0 && (bytes < max_bytes || bytes == 0); ++i, --max_events) {
        bytes += ring_[i].wire->size();
        out.push_back(ring_[i]);
      }
      return result;
    }
    if (ring_.empty() && after >= head()) return result;
  }
  // Behind the ring (or the ring has not seen the log's start): read the log.
  result.from_log = true;
  std::size_t bytes = 0;
  std::size_t count = 0;
  Status failure;
  auto st = store_.scan_log(after, head(), [&](const store::Record& r) {
    auto e = from_record(r);
    if (!e) {
      failure = e.status();
      return false;
    }
    bytes += e->wire->size();
    out.push_back(std::move(e).value());
    return ++count < max_events && bytes < max_bytes;
  });
  if (!st) return st;
  if (!failure) return failure;
  return result;
}

std::uint64_t Hub::subscribe(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  auto id = next_listener_++;
  listeners_.emplace(id, std::make_shared<const Listener>(std::move(listener)));
  return id;
}

void Hub::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

std::size_t Hub::subscribers() const {
  std::lock_guard lock(listeners_mu_);
  return listeners_.size();
}

}  // namespace sijill::server
