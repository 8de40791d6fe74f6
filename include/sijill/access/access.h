// Access control: users, their tokens, and who a token stands for.
//
// AccessModule is a domain::Module (pure: no I/O, no clock, no randomness) deciding three
// commands, each an event on its own stream:
//   RegisterUser {person_id, roles[], name?, email?}   -> UserRegistered on user/<person_id>
//   CreateToken  {user, role, region?, expires_in_days?} + token_id, token_digest (made by the
//                server, see commands.h)                 -> TokenCreated on token/<token_id>
//   RevokeToken  {token_id, reason?}                     -> TokenRevoked on token/<token_id>
// A user is a registered person (the actor id of every event they cause) holding one or more
// roles (DOMAIN.md). A token is issued to a user for one of their roles (and, for a regional
// coordinator, one region); the log keeps only the token's SHA-256 digest, never the token.
// A user's name and e-mail arrive sealed (processor::PersonalData): the module only copies them.
//
// Rejections (HTTP 422 unless said): user-exists (409 conflict), unknown user (404),
// role-not-held, region-required, region-not-applicable, unknown-region, token-exists (409),
// unknown token (404), token-already-revoked; a non-admin actor: permission_denied (403).
//
// Threads: decide() and evolve() run on the processor's writer thread. authenticate() and the
// other queries may be called from any thread at the same time: the state they read is guarded
// by a shared mutex (evolve() and load_state() take it exclusively for the moment they change the
// state; save_state() takes it shared).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sijill/domain/module.h"
#include "sijill/time/instant.h"
#include "sijill/util/status.h"

namespace sijill::access {

// Morocco's 12 regions (DOMAIN.md), as a coordinator's token names them.
inline constexpr std::array<std::string_view, 12> kRegions = {
    "Tanger-Tétouan-Al Hoceïma", "L'Oriental",          "Fès-Meknès",     "Rabat-Salé-Kénitra", "Béni Mellal-Khénifra",
    "Casablanca-Settat",         "Marrakech-Safi",      "Drâa-Tafilalet", "Souss-Massa",        "Guelmim-Oued Noun",
    "Laâyoune-Sakia El Hamra",   "Dakhla-Oued Ed-Dahab"};

// The five roles of DOMAIN.md.
inline constexpr std::array<std::string_view, 5> kRoles = {
    domain::kAdmin, domain::kProgrammeOfficer, domain::kEvaluator, domain::kRegionalCoordinator, domain::kAuditor};

inline constexpr std::uint32_t kDefaultTokenDays = 90;
inline constexpr std::uint32_t kMaxTokenDays = 3650;

// A token as the register knows it (never the token itself).
struct TokenInfo {
  std::string token_id;
  std::string user;
  std::string role;
  std::string region;  // for regional coordinators
  time::Instant expires_at;
  bool revoked = false;
  std::string digest;  // the token's hex SHA-256, as TokenCreated records it

  friend bool operator==(const TokenInfo&, const TokenInfo&) = default;
};

class AccessModule final : public domain::Module {
 public:
  AccessModule() = default;

  std::vector<std::string> commands() const override;
  Result<domain::Decision> decide(std::string_view command, const boost::json::object& data,
                                  const domain::CommandContext& context) const override;
  void evolve(const domain::RecordedEvent& event) override;
  // Users and tokens (the digest index is rebuilt from the tokens on load), versioned.
  std::optional<std::string> save_state() const override;
  Status load_state(std::string_view bytes) override;

  // The actor a bearer token stands for at `now`: its user, role and region. Fails with
  // unauthenticated (401) for a token that is unknown, expired (expires_at <= now) or revoked;
  // the message does not say which, nor echo the token. Any thread.
  Result<domain::Actor> authenticate(std::string_view token, time::Instant now) const;

  // Queries, any thread.
  bool has_user(std::string_view person_id) const;
  std::size_t user_count() const;
  std::size_t token_count() const;  // every token ever created, revoked or not
  std::optional<TokenInfo> token(std::string_view token_id) const;

 private:
  struct User {
    std::vector<std::string> roles;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, User, std::less<>> users_;                    // guarded by mu_
  std::map<std::string, TokenInfo, std::less<>> tokens_;              // by token id; guarded by mu_
  std::unordered_map<std::string, std::string> token_ids_by_digest_;  // hex digest -> id; guarded by mu_
};

// The hex SHA-256 of a bearer token, as TokenCreated records it.
std::string token_digest(std::string_view token);

// A new bearer token: "sjl_" followed by 32 random bytes (OpenSSL RAND_bytes) in unpadded
// base64url (libsodium). Returns unavailable if the random generator fails.
Result<std::string> generate_token();

}  // namespace sijill::access
