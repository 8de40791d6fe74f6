// The protocol of WebSocket /v1/stream without the socket (private to src/server): what a
// client message does, and what the subscriptions may send next. One instance per connection,
// used only on that connection's strand.
//
// Each `events` subscription owns a cursor (the last position it has examined). pull() reads
// what follows each cursor from the hub (the ring, or the log when the cursor is behind it),
// keeps the events the subscription's filter and the token's scope let through, and makes one
// message of consecutive events; the first time a cursor reaches the hub's head it adds a
// `caught_up`. Catch-up and live are the same path, so there is no gap and no duplicate.
// A subscription that had caught up and then fell behind the ring is too far behind: the
// connection is closed with 4008 and a reason {"sub": id, "position": cursor} to resume from.
// A `dashboard` subscription sends the read models' dashboard at once and again whenever they
// have moved since the last one it sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api.h"

namespace sijill::server {

class StreamProtocol {
 public:
  // `actor` is set when the upgrade request carried a valid Authorization header; otherwise
  // the first message must be {"op": "auth", "token": ...}.
  StreamProtocol(Api& api, std::string remote, std::optional<domain::Actor> actor);

  struct Close {
    int code;            // 1008 policy violation, 4008 too far behind, 1011 internal error
    std::string reason;  // at most 123 bytes
  };
  struct Step {
    std::vector<std::shared_ptr<const std::string>> messages;
    std::optional<Close> close;          // close after sending `messages`
    std::chrono::milliseconds delay{0};  // wait this long first (failed authentication)
  };

  bool authenticated() const { return actor_.has_value(); }
  const std::string& actor_id() const;

  // Handles one text message from the client.
  Step on_message(std::string_view text);

  // What the subscriptions may send next, within `budget` bytes (one message may exceed what
  // is left of it; the send queue's bound is kept by the caller not pulling when it is full).
  Step pull(std::size_t budget);

  // True when some subscription is behind the hub's head or owes its caught_up.
  bool wants_pull() const;

  // The 4008 close, when a live subscription has fallen behind the ring.
  std::optional<Close> check_behind() const;

 private:
  // A `dashboard` subscription: the dashboard of `region` (empty: the whole programme), sent at
  // once and then whenever the read models move (the hub wakes sessions at most 4 times a
  // second, so updates are coalesced).
  struct DashboardSubscription {
    std::string id;
    std::string region;
    std::uint64_t sent = 0;  // the position of the last dashboard sent
    bool first = true;
  };
  struct Subscription {
    std::string id;
    std::string stream_prefix;
    std::set<std::string, std::less<>> types;  // empty: every type
    std::uint64_t cursor = 0;
    bool live = false;  // caught_up sent
  };
  std::shared_ptr<const std::string> error(const std::string* sub, int status, std::string_view detail) const;
  Step subscribe(const boost::json::object& message);

  Api& api_;
  std::string remote_;
  std::optional<domain::Actor> actor_;
  Step subscribe_dashboard(const std::string& id, const boost::json::object& message);
  bool dashboard_due(const DashboardSubscription& d) const;

  std::vector<Subscription> subscriptions_;
  std::vector<DashboardSubscription> dashboards_;
  std::size_t next_ = 0;  // round-robin start of the next pull
};

}  // namespace sijill::server
