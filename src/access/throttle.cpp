#include "sijill/access/throttle.h"

#include <algorithm>

namespace sijill::access {

void AuthThrottle::refill(Bucket& b, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.refill_per_second);
    b.updated = now;
  }
}

void AuthThrottle::evict(Clock::time_point now) {
  // Refilled buckets carry no information: drop them first.
  for (auto it = buckets_.begin(); it != buckets_.end() && buckets_.size() >= options_.max_addresses;) {
    refill(it->second, now);
    if (it->second.tokens >= options_.burst) {
      lru_.erase(it->second.lru);
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  while (buckets_.size() >= options_.max_addresses && !lru_.empty()) {
    buckets_.erase(lru_.back());
    lru_.pop_back();
  }
}

std::chrono::milliseconds AuthThrottle::on_failure(std::string_view address, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_addresses) evict(now);
    lru_.emplace_front(address);
    it = buckets_.emplace(std::string(address), Bucket{options_.burst, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    refill(it->second, now);
  }
  auto& b = it->second;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::chrono::milliseconds(0);
  }
  return options_.delay;
}

std::size_t AuthThrottle::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace sijill::access
