// What every connection of one server shares (private to src/server): the options, the
// services, the routes, and the registry of live sessions that shutdown walks.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "api.h"

namespace sijill::server {

// A live connection that shutdown must close.
class Closable {
 public:
  virtual ~Closable() = default;
  // Called from any thread: finish what is owed, then close (WebSockets: close code 1001).
  virtual void shutdown() = 0;
};

class SessionRegistry {
 public:
  std::uint64_t add(std::weak_ptr<Closable> session) {
    std::lock_guard lock(mu_);
    auto id = next_++;
    sessions_.emplace(id, std::move(session));
    if (stopping_) {
      if (auto s = sessions_[id].lock()) s->shutdown();
    }
    return id;
  }
  void remove(std::uint64_t id) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
  }
  void shutdown_all() {
    std::vector<std::shared_ptr<Closable>> live;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->shutdown();
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::uint64_t, std::weak_ptr<Closable>> sessions_;  // guarded by mu_
  std::uint64_t next_ = 1;                                     // guarded by mu_
  bool stopping_ = false;                                      // guarded by mu_
};

struct Shared {
  Shared(const ServerOptions& o, const Services& s) : options(o), services(s), api(o, s) {}
  ServerOptions options;
  Services services;
  Api api;
  SessionRegistry registry;
  std::atomic<std::int64_t> ws_queued_bytes{0};  // over every WebSocket send queue
  std::atomic<std::int64_t> ws_sessions{0};
};

}  // namespace sijill::server
