#include "stream_protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sijill/json/parse.h"

namespace sijill::server {

namespace {

constexpr std::size_t kMaxSubId = 64;

std::shared_ptr<const std::string> message(const boost::json::object& o) {
  return std::make_shared<const std::string>(boost::json::serialize(o));
}

}  // namespace

StreamProtocol::StreamProtocol(Api& api, std::string remote, std::optional<domain::Actor> actor)
    : api_(api), remote_(std::move(remote)), actor_(std::move(actor)) {}

const std::string& StreamProtocol::actor_id() const {
  static const std::string none;
  return actor_ ? actor_->id : none;
}

std::shared_ptr<const std::string> StreamProtocol::error(const std::string* sub, int status,
                                                         std::string_view detail) const {
  boost::json::object o{{"op", "error"}};
  o["sub"] = sub ? boost::json::value(*sub) : boost::json::value(nullptr);
  o["status"] = status;
  Code code = Code::invalid_argument;
  for (auto c : {Code::unauthenticated, Code::permission_denied, Code::not_found, Code::conflict, Code::too_large,
                 Code::unavailable}) {
    if (http_status(c) == status) code = c;
  }
  o["title"] = problem_title(code);
  o["detail"] = detail;
  return message(o);
}

StreamProtocol::Step StreamProtocol::on_message(std::string_view text) {
  Step step;
  json::Limits limits;
  limits.max_body_bytes = 64 << 10;
  limits.max_depth = 8;
  auto doc = json::parse(text, limits);
  boost::json::value value;
  if (doc) {
    boost::system::error_code ec;
    value = boost::json::parse(text, ec);
    if (ec) value = nullptr;
  }
  if (!value.is_object()) {
    step.messages.push_back(error(nullptr, 400, "a message is a JSON object with an \"op\""));
    if (!actor_) step.close = Close{1008, "authenticate first"};
    return step;
  }
  const auto& o = value.get_object();
  const auto* op = o.if_contains("op");
  const std::string_view op_name = op && op->is_string() ? std::string_view(op->get_string()) : std::string_view();

  if (!actor_) {
    if (op_name != "auth") {
      step.messages.push_back(error(nullptr, 401, "the first message must be {\"op\": \"auth\", \"token\": ...}"));
      step.close = Close{1008, "authenticate first"};
      return step;
    }
    const auto* token = o.if_contains("token");
    std::chrono::milliseconds delay{0};
    auto actor = api_.authenticate(token && token->is_string() ? std::string_view(token->get_string()) : "", false,
                                   remote_, delay);
    if (!actor) {
      step.delay = delay;
      step.messages.push_back(error(nullptr, 401, actor.status().message()));
      step.close = Close{1008, "unauthenticated"};
      return step;
    }
    actor_ = std::move(actor).value();
    step.messages.push_back(
        message(boost::json::object{{"op", "authenticated"}, {"user", actor_->id}, {"role", actor_->role}}));
    return step;
  }
  if (op_name == "auth") {
    step.messages.push_back(error(nullptr, 400, "already authenticated"));
    return step;
  }
  if (op_name == "subscribe") return subscribe(o);
  if (op_name == "unsubscribe") {
    const auto* id = o.if_contains("id");
    const std::string sub = id && id->is_string() ? std::string(id->get_string()) : std::string();
    for (auto it = subscriptions_.begin(); it != subscriptions_.end(); ++it) {
      if (it->id == sub) {
        subscriptions_.erase(it);
        next_ = 0;
        return step;
      }
    }
    for (auto it = dashboards_.begin(); it != dashboards_.end(); ++it) {
      if (it->id == sub) {
        dashboards_.erase(it);
        return step;
      }
    }
    step.messages.push_back(error(&sub, 404, "no such subscription"));
    return step;
  }
  step.messages.push_back(error(nullptr, 400, "unknown op; use subscribe or unsubscribe"));
  return step;
}

StreamProtocol::Step StreamProtocol::subscribe(const boost::json::object& o) {
  Step step;
  const auto* id = o.if_contains("id");
  if (!id || !id->is_string() || id->get_string().empty() || id->get_string().size() > kMaxSubId) {
    step.messages.push_back(error(nullptr, 400, "a subscription needs an \"id\" of 1 to 64 characters"));
    return step;
  }
  const std::string sub(id->get_string());
  for (const auto& s : subscriptions_) {
    if (s.id == sub) {
      step.messages.push_back(error(&sub, 409, "a subscription with this id exists already"));
      return step;
    }
  }
  if (subscriptions_.size() + dashboards_.size() >= api_.options().ws_max_subscriptions) {
    step.messages.push_back(error(&sub, 400, "too many subscriptions on one connection"));
    return step;
  }
  const auto* topic = o.if_contains("topic");
  const std::string_view topic_name =
      topic && topic->is_string() ? std::string_view(topic->get_string()) : std::string_view();
  for (const auto& d : dashboards_) {
    if (d.id == sub) {
      step.messages.push_back(error(&sub, 409, "a subscription with this id exists already"));
      return step;
    }
  }
  if (topic_name == "dashboard") return subscribe_dashboard(sub, o);
  if (topic_name != "events") {
    step.messages.push_back(error(&sub, 400, "topic must be \"events\" or \"dashboard\""));
    return step;
  }
  Subscription s;
  s.id = sub;
  s.cursor = api_.services().hub->head();  // no "from": live only
  if (const auto* from = o.if_contains("from"); from && !from->is_null()) {
    if (from->is_uint64()) {
      s.cursor = from->get_uint64();
    } else if (from->is_int64() && from->get_int64() >= 0) {
      s.cursor = static_cast<std::uint64_t>(from->get_int64());
    } else {
      step.messages.push_back(error(&sub, 400, "\"from\" must be a position (0 = from the start)"));
      return step;
    }
  }
  if (const auto* filter = o.if_contains("filter"); filter && !filter->is_null()) {
    if (!filter->is_object()) {
      step.messages.push_back(error(&sub, 400, "\"filter\" must be an object"));
      return step;
    }
    const auto& f = filter->get_object();
    if (const auto* prefix = f.if_contains("stream_prefix"); prefix && !prefix->is_null()) {
      if (!prefix->is_string()) {
        step.messages.push_back(error(&sub, 400, "\"stream_prefix\" must be a string"));
        return step;
      }
      s.stream_prefix = prefix->get_string();
    }
    if (const auto* types = f.if_contains("types"); types && !types->is_null()) {
      if (!types->is_array()) {
        step.messages.push_back(error(&sub, 400, "\"types\" must be an array of event types"));
        return step;
      }
      for (const auto& t : types->get_array()) {
        if (!t.is_string()) {
          step.messages.push_back(error(&sub, 400, "\"types\" must be an array of event types"));
          return step;
        }
        s.types.emplace(t.get_string());
      }
    }
  }
  // A token that may read neither the whole log nor any stream of the prefix still subscribes:
  // it receives only what it may read.
  subscriptions_.push_back(std::move(s));
  return step;
}

StreamProtocol::Step StreamProtocol::subscribe_dashboard(const std::string& sub, const boost::json::object& o) {
  Step step;
  if (api_.services().projections == nullptr) {
    step.messages.push_back(error(&sub, 503, "the read models are not loaded"));
    return step;
  }
  std::string region;
  if (const auto* r = o.if_contains("region"); r && !r->is_null()) {
    if (!r->is_string()) {
      step.messages.push_back(error(&sub, 400, "\"region\" must be a region's name"));
      return step;
    }
    region = r->get_string();
  }
  if (region.empty() && actor_->role == domain::kRegionalCoordinator) region = actor_->region;
  if (!api_.services().policy->may_read_region(*actor_, region)) {
    step.messages.push_back(error(&sub, 403,
                                  actor_->role == domain::kRegionalCoordinator
                                      ? "a regional coordinator reads only their region (" + actor_->region + ")"
                                      : "the role " + actor_->role + " reads no dashboard"));
    return step;
  }
  dashboards_.push_back({sub, region, 0, true});
  return step;
}

bool StreamProtocol::dashboard_due(const DashboardSubscription& d) const {
  // The read models' position as the hub's watcher announces it, at most four times a second;
  // not the projector's own, which every commit's wake would otherwise send at once.
  // Without that watcher (none is started), the projector's own position.
  const auto& hub = *api_.services().hub;
  const auto position =
      hub.watching_read_models() ? hub.read_models_position() : api_.services().projections->current()->position();
  return d.first || position > d.sent;
}

bool StreamProtocol::wants_pull() const {
  for (const auto& d : dashboards_) {
    if (dashboard_due(d)) return true;
  }
  const auto head = api_.services().hub->head();
  for (const auto& s : subscriptions_) {
    if (s.cursor < head || !s.live) return true;
  }
  return false;
}

std::optional<StreamProtocol::Close> StreamProtocol::check_behind() const {
  if (subscriptions_.empty()) return std::nullopt;
  const auto first = api_.services().hub->first_position();
  for (const auto& s : subscriptions_) {
    if (s.live && s.cursor + 1 < first) {
      boost::json::object reason{{"sub", s.id}, {"position", s.cursor}};
      return Close{4008, boost::json::serialize(reason)};
    }
  }
  return std::nullopt;
}

StreamProtocol::Step StreamProtocol::pull(std::size_t budget) {
  Step step;
  if (!actor_) return step;
  for (auto& d : dashboards_) {
    if (budget == 0 || !dashboard_due(d)) continue;
    const auto snapshot = api_.services().projections->current();
    const auto data = snapshot->dashboard_json(d.region);
    std::string body = "{\"op\":\"dashboard\",\"sub\":";
    body += boost::json::serialize(boost::json::value(d.id));
    body += ",\"position\":" + std::to_string(snapshot->position()) + ",\"data\":";
    body += *data;
    body += '}';
    budget = body.size() >= budget ? 0 : budget - body.size();
    d.sent = snapshot->position();
    d.first = false;
    step.messages.push_back(std::make_shared<const std::string>(std::move(body)));
  }
  if (subscriptions_.empty()) return step;
  auto& hub = *api_.services().hub;
  const auto& options = api_.options();
  const auto& policy = *api_.services().policy;
  const bool reads_all = policy.may_read_log(*actor_);
  std::vector<HubEvent> events;
  const std::size_t n = subscriptions_.size();
  for (std::size_t k = 0; k < n && budget > 0; ++k) {
    auto& s = subscriptions_[(next_ + k) % n];
    const auto head = hub.head();
    if (s.cursor < head) {
      events.clear();
      auto read = hub.read(s.cursor, options.ws_message_events, std::min(options.ws_message_bytes, budget), events);
      if (!read) {
        step.close = Close{1011, "the log cannot be read"};
        return step;
      }
      if (read->from_log && s.live) {
        boost::json::object reason{{"sub", s.id}, {"position", s.cursor}};
        step.close = Close{4008, boost::json::serialize(reason)};
        return step;
      }
      std::string body;
      for (const auto& e : events) {
        s.cursor = e.position;
        if (!e.stream.starts_with(s.stream_prefix)) continue;
        if (!s.types.empty() && s.types.find(e.type) == s.types.end()) continue;
        if (!reads_all && !policy.may_read_stream(*actor_, e.stream)) continue;
        if (!reads_all && !policy.may_read_event(*actor_, e.stream, e.type, *e.wire)) continue;
        if (body.empty()) {
          body = "{\"op\":\"events\",\"sub\":";
          body += boost::json::serialize(boost::json::value(s.id));
          body += ",\"events\":[";
        } else {
          body += ',';
        }
        body += *e.wire;
      }
      if (!body.empty()) {
        body += "]}";
        budget = body.size() >= budget ? 0 : budget - body.size();
        step.messages.push_back(std::make_shared<const std::string>(std::move(body)));
      }
    }
    if (!s.live && s.cursor >= hub.head()) {
      s.live = true;
      step.messages.push_back(message(boost::json::object{{"op", "caught_up"}, {"sub", s.id}, {"position", s.cursor}}));
    }
  }
  next_ = (next_ + 1) % n;
  return step;
}

}  // namespace sijill::server
