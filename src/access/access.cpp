#include "sijill/access/access.h"

#include <openssl/rand.h>
#include <sodium.h>

#include <algorithm>
#include <mutex>

#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "sijill/processor/command.h"
#include "sijill/store/record.h"
#include "sijill/util/versioned_bytes.h"

namespace sijill::access {

namespace {

constexpr std::string_view kRegisterUser = "RegisterUser";
constexpr std::string_view kCreateToken = "CreateToken";
constexpr std::string_view kRevokeToken = "RevokeToken";
constexpr std::string_view kUserRegistered = "UserRegistered";
constexpr std::string_view kTokenCreated = "TokenCreated";
constexpr std::string_view kTokenRevoked = "TokenRevoked";

std::string_view string_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

bool is_admin(const domain::Actor& a) { return a.role == domain::kAdmin || a.role == "system"; }

bool known_role(std::string_view role) { return std::find(kRoles.begin(), kRoles.end(), role) != kRoles.end(); }

bool known_region(std::string_view region) {
  return std::find(kRegions.begin(), kRegions.end(), region) != kRegions.end();
}

// The format of save_state(): bump it whenever what is saved changes.
constexpr std::uint32_t kStateFormatVersion = 1;

}  // namespace

// For save_state() and load_state(): instants as milliseconds since the epoch.
template <class Archive>
void serialize(Archive& ar, TokenInfo& t) {
  std::int64_t expires = t.expires_at.time_since_epoch().count();
  ar(t.token_id, t.user, t.role, t.region, expires, t.revoked, t.digest);
  t.expires_at = time::Instant(std::chrono::milliseconds(expires));
}

std::string token_digest(std::string_view token) { return store::to_hex(processor::sha256(token)); }

Result<std::string> generate_token() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return Status::unavailable("the random generator failed");
  char text[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  return std::string("sjl_") + text;
}

std::vector<std::string> AccessModule::commands() const {
  return {std::string(kRegisterUser), std::string(kCreateToken), std::string(kRevokeToken)};
}

Result<domain::Decision> AccessModule::decide(std::string_view command, const boost::json::object& data,
                                              const domain::CommandContext& context) const {
  if (!is_admin(context.actor)) return Status::permission_denied(std::string(command) + " is for admins");
  std::shared_lock lock(mu_);
  if (command == kRegisterUser) {
    const auto person = string_of(data, "person_id");
    if (person.empty()) return Status::invalid_argument("person_id is required", {{"/person_id", "required"}});
    if (person == "system") return Status::conflict("the user id 'system' is reserved");
    if (users_.count(person) != 0) return Status::conflict("user " + std::string(person) + " is already registered");
    const auto* roles = data.if_contains("roles");
    if (roles == nullptr || !roles->is_array() || roles->get_array().empty()) {
      return Status::invalid_argument("roles are required", {{"/roles", "at least one role"}});
    }
    boost::json::array held;
    for (const auto& r : roles->get_array()) {
      if (!r.is_string() || !known_role(r.get_string())) {
        return Status::invalid_argument("unknown role", {{"/roles", "each role must be one of the five roles"}});
      }
      if (std::find(held.begin(), held.end(), r) == held.end()) held.push_back(r);
    }
    boost::json::object e{{"person_id", person}, {"roles", std::move(held)}};
    for (const char* member : {"name", "email"}) {
      if (const auto* v = data.if_contains(member); v != nullptr && !v->is_null()) e[member] = *v;
    }
    domain::Decision d;
    d.target_stream = "user/" + std::string(person);
    d.events.push_back({d.target_stream, std::string(kUserRegistered), std::move(e)});
    return d;
  }
  if (command == kCreateToken) {
    const auto user = string_of(data, "user");
    const auto role = string_of(data, "role");
    const auto region = string_of(data, "region");
    const auto token_id = string_of(data, "token_id");
    const auto digest = string_of(data, "token_digest");
    if (token_id.empty() || digest.size() != 64) return Status::internal("CreateToken was not prepared");
    auto u = users_.find(user);
    if (u == users_.end()) return Status::not_found("no user " + std::string(user));
    if (std::find(u->second.roles.begin(), u->second.roles.end(), role) == u->second.roles.end()) {
      return Status::rule_violation("role-not-held",
                                    "user " + std::string(user) + " does not hold the role " + std::string(role));
    }
    if (role == domain::kRegionalCoordinator) {
      if (region.empty()) {
        return Status::rule_violation("region-required", "a regional coordinator's token names their region");
      }
      if (!known_region(region)) {
        return Status::rule_violation("unknown-region", "'" + std::string(region) + "' is not one of the 12 regions");
      }
    } else if (!region.empty()) {
      return Status::rule_violation("region-not-applicable", "only a regional coordinator's token names a region");
    }
    if (tokens_.count(token_id) != 0 || token_ids_by_digest_.count(std::string(digest)) != 0) {
      return Status::conflict("the token exists already");
    }
    std::int64_t days = kDefaultTokenDays;
    if (const auto* v = data.if_contains("expires_in_days"); v != nullptr && !v->is_null()) {
      if (!v->is_int64() && !v->is_uint64()) {
        return Status::invalid_argument("expires_in_days must be an integer", {{"/expires_in_days", "an integer"}});
      }
      days = v->is_int64() ? v->get_int64()
                           : static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), 1u << 30));
      if (days < 1 || days > static_cast<std::int64_t>(kMaxTokenDays)) {
        return Status::invalid_argument("expires_in_days out of range",
                                        {{"/expires_in_days", "between 1 and " + std::to_string(kMaxTokenDays)}});
      }
    }
    const auto expires = context.now + std::chrono::hours(24 * days);
    boost::json::object e{{"token_id", token_id},
                          {"user", user},
                          {"role", role},
                          {"digest", digest},
                          {"expires_at", time::format_utc(expires)}};
    if (!region.empty()) e["region"] = region;
    domain::Decision d;
    d.target_stream = "token/" + std::string(token_id);
    d.events.push_back({d.target_stream, std::string(kTokenCreated), std::move(e)});
    return d;
  }
  if (command == kRevokeToken) {
    const auto token_id = string_of(data, "token_id");
    auto t = tokens_.find(token_id);
    if (t == tokens_.end()) return Status::not_found("no token " + std::string(token_id));
    if (t->second.revoked) return Status::rule_violation("token-already-revoked", "the token is revoked already");
    boost::json::object e{{"token_id", token_id}};
    if (const auto* reason = data.if_contains("reason"); reason != nullptr && reason->is_string()) {
      e["reason"] = *reason;
    }
    domain::Decision d;
    d.target_stream = "token/" + std::string(token_id);
    d.events.push_back({d.target_stream, std::string(kTokenRevoked), std::move(e)});
    return d;
  }
  return Status::not_found("unknown command " + std::string(command));
}

void AccessModule::evolve(const domain::RecordedEvent& event) {
  if (event.data == nullptr) return;
  const auto& data = *event.data;
  if (event.type == kUserRegistered) {
    User u;
    if (const auto* roles = data.if_contains("roles"); roles != nullptr && roles->is_array()) {
      for (const auto& r : roles->get_array()) {
        if (r.is_string()) u.roles.emplace_back(r.get_string());
      }
    }
    std::unique_lock lock(mu_);
    users_[std::string(string_of(data, "person_id"))] = std::move(u);
  } else if (event.type == kTokenCreated) {
    TokenInfo t;
    t.token_id = string_of(data, "token_id");
    t.user = string_of(data, "user");
    t.role = string_of(data, "role");
    t.region = string_of(data, "region");
    t.digest = string_of(data, "digest");
    auto expires = time::parse_instant(string_of(data, "expires_at"));
    t.expires_at = expires ? *expires : time::Instant{};  // unreadable: already expired
    std::unique_lock lock(mu_);
    token_ids_by_digest_[t.digest] = t.token_id;
    tokens_[t.token_id] = std::move(t);
  } else if (event.type == kTokenRevoked) {
    std::unique_lock lock(mu_);
    if (auto t = tokens_.find(string_of(data, "token_id")); t != tokens_.end()) t->second.revoked = true;
  }
}

std::optional<std::string> AccessModule::save_state() const {
  std::shared_lock lock(mu_);
  std::map<std::string, std::vector<std::string>> users;
  for (const auto& [id, u] : users_) users.emplace(id, u.roles);
  // The archive's serialize() takes its objects by reference; it only reads them here.
  auto tokens = tokens_;
  return util::save_versioned(kStateFormatVersion, [&](auto& archive) { archive(users, tokens); });
}

Status AccessModule::load_state(std::string_view bytes) {
  std::map<std::string, User, std::less<>> users;
  std::map<std::string, TokenInfo, std::less<>> tokens;
  std::unordered_map<std::string, std::string> by_digest;
  auto st = util::load_versioned(bytes, kStateFormatVersion, "the access state", [&](auto& archive) {
    std::map<std::string, std::vector<std::string>> saved_users;
    archive(saved_users, tokens);
    for (auto& [id, roles] : saved_users) users.emplace(id, User{std::move(roles)});
    for (const auto& [id, t] : tokens) by_digest[t.digest] = id;
  });
  if (!st) return st;
  std::unique_lock lock(mu_);
  users_ = std::move(users);
  tokens_ = std::move(tokens);
  token_ids_by_digest_ = std::move(by_digest);
  return Status::ok();
}

Result<domain::Actor> AccessModule::authenticate(std::string_view token, time::Instant now) const {
  auto refuse = [] { return Status::unauthenticated("the token is unknown, expired or revoked"); };
  if (token.empty() || token.size() > 256) return refuse();
  const auto digest = token_digest(token);
  std::shared_lock lock(mu_);
  auto id = token_ids_by_digest_.find(digest);
  if (id == token_ids_by_digest_.end()) return refuse();
  auto t = tokens_.find(id->second);
  if (t == tokens_.end() || t->second.revoked || t->second.expires_at <= now) return refuse();
  return domain::Actor{t->second.user, t->second.role, t->second.region};
}

bool AccessModule::has_user(std::string_view person_id) const {
  std::shared_lock lock(mu_);
  return users_.count(person_id) != 0;
}

std::size_t AccessModule::user_count() const {
  std::shared_lock lock(mu_);
  return users_.size();
}

std::size_t AccessModule::token_count() const {
  std::shared_lock lock(mu_);
  return tokens_.size();
}

std::optional<TokenInfo> AccessModule::token(std::string_view token_id) const {
  std::shared_lock lock(mu_);
  auto t = tokens_.find(token_id);
  if (t == tokens_.end()) return std::nullopt;
  return t->second;
}

}  // namespace sijill::access
