// Slowing down repeated failed authentication from one address.
//
// Each client address has a token bucket of `burst` failures, refilled at `refill_per_second`.
// A failure that finds the bucket empty is answered only after `delay` (the caller waits
// asynchronously before sending the 401), so guessing tokens from one address costs time while
// an honest client with a typo is answered at once. Memory is bounded: at most `max_addresses`
// buckets are kept; beyond that, buckets that have refilled are dropped first, then the least
// recently used.
//
// Thread-safe (one mutex; failures are rare next to successes).
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sijill::access {

class AuthThrottle {
 public:
  struct Options {
    double burst = 10;             // failures answered at once
    double refill_per_second = 1;  // failures forgiven per second
    std::chrono::milliseconds delay{1000};
    std::size_t max_addresses = 10'000;
  };
  using Clock = std::chrono::steady_clock;

  AuthThrottle() : AuthThrottle(Options()) {}
  explicit AuthThrottle(Options options) : options_(options) {}

  // Records a failed authentication from `address`; returns how long to wait before answering
  // (zero while the address has failures left in its bucket).
  std::chrono::milliseconds on_failure(std::string_view address, Clock::time_point now = Clock::now());

  // How many addresses are tracked (for tests and metrics).
  std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
    std::list<std::string>::iterator lru;
  };
  void refill(Bucket& b, Clock::time_point now) const;
  void evict(Clock::time_point now);

  Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
  std::list<std::string> lru_;                       // most recent first; guarded by mu_
};

}  // namespace sijill::access
