// sijill token create|revoke: issue and revoke bearer tokens (docs/operations.md, "Tokens").
//
// On a stopped data folder the command writes through the store itself (through the command
// processor, as the system actor). When a running server holds the folder, it says so and goes
// through the server's API instead, given --server URL --token T (an admin's token).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "commands.h"
#include "sijill/access/access.h"
#include "sijill/access/commands.h"
#include "sijill/json/dom.h"
#include "sijill/json/parse.h"
#include "sijill/processor/processor.h"
#include "sijill/server/client.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"

namespace sijill::cli {

Result<LocalCommandResult> run_local_command(processor::Processor& processor,
                                             const std::vector<processor::CommandSpec>& specs, store::KeyStore& keys,
                                             const std::string& name, const boost::json::object& data,
                                             const domain::Actor& actor) {
  const processor::CommandSpec* spec = nullptr;
  for (const auto& s : specs) {
    if (s.name == name) spec = &s;
  }
  if (spec == nullptr) return Status::not_found("unknown command " + name);
  processor::CommandCall call;
  call.name = name;
  call.body = boost::json::serialize(data);
  call.actor = actor;
  // The same checks as the API: the schema, then personal data, then the preparation.
  auto doc = json::parse(call.body);
  if (!doc) return doc.status();
  if (spec->schema) {
    if (auto valid = spec->schema->validate(*doc); !valid) return valid;
  }
  call.data = data;
  if (spec->personal) {
    if (auto sealed = processor::seal_personal_data(*spec->personal, call.data, keys); !sealed) return sealed;
  }
  LocalCommandResult out;
  if (spec->prepare) {
    auto extras = spec->prepare(call.data);
    if (!extras) return extras.status();
    out.extras = std::move(extras).value();
  }
  auto outcome = processor.run(std::move(call));
  if (!outcome) return outcome.status();
  out.outcome = std::move(outcome).value();
  return out;
}

namespace {

struct TokenArgs {
  std::string data;
  std::string server;
  std::string token;
  // create
  std::string user;
  std::string role;
  std::string region;
  std::uint32_t expires = access::kDefaultTokenDays;
  // revoke
  std::string token_id;
  std::string reason;
};

// Runs `name` with `body` on the folder, or through the API when a server holds it.
int run(const TokenArgs& a, const std::string& what, const std::string& name, const boost::json::object& body,
        const std::function<void(const boost::json::object& reply)>& report) {
  auto fail = [&](std::string_view message, int code) {
    std::cerr << "sijill token " << what << ": " << message << "\n";
    return code;
  };
  bool through_api = a.data.empty();
  if (!a.data.empty()) {
    store::StoreOptions o;
    o.dir = a.data;
    o.create_if_missing = false;
    auto opened = store::EventStore::open(o);
    if (!opened) {
      const bool held = opened.status().code() == Code::unavailable &&
                        opened.status().message().find("in use by another process") != std::string_view::npos;
      if (!held) return fail(opened.status().message(), kExitUsage);
      std::cerr << "sijill token " << what << ": a running server holds " << a.data;
      if (a.server.empty() || a.token.empty()) {
        std::cerr << "; pass --server URL --token T (an admin's token) to go through its API\n";
        return kExitUsage;
      }
      std::cerr << "; going through its API at " << a.server << "\n";
      through_api = true;
    } else {
      auto keys = store::KeyStore::open(o.dir / "keys");
      if (!keys) return fail(keys.status().message(), kExitUsage);
      access::AccessModule access;
      processor::Processor processor(**opened, {&access});
      if (auto st = processor.start(); !st) return fail(st.to_string(), kExitFailed);
      auto specs = access::command_specs();
      if (!specs) return fail(specs.status().to_string(), kExitFailed);
      auto result = run_local_command(processor, *specs, **keys, name, body);
      processor.stop();
      if (!result) return fail(result.status().to_string(), kExitFailed);
      boost::json::object reply = result->extras;
      reply["position"] = result->outcome.position;
      report(reply);
      return kExitOk;
    }
  }
  if (!through_api) return kExitUsage;
  if (a.server.empty() || a.token.empty()) return fail("give --data DIR, or --server URL --token T", kExitUsage);
  auto res = server::http_request(a.server, "POST", "/v1/commands/" + name,
                                  {{"Authorization", "Bearer " + a.token}, {"Content-Type", "application/json"}},
                                  boost::json::serialize(body));
  if (!res) return fail(res.status().message(), kExitFailed);
  boost::system::error_code ec;
  auto reply = boost::json::parse(res->body, ec);
  if (res->status != 201) {
    std::string detail = res->body;
    if (!ec && reply.is_object()) {
      if (const auto* d = reply.get_object().if_contains("detail"); d && d->is_string()) detail = d->get_string();
    }
    return fail("the server answered " + std::to_string(res->status) + ": " + detail, kExitFailed);
  }
  if (ec || !reply.is_object()) return fail("the server's reply is not JSON", kExitFailed);
  report(reply.get_object());
  return kExitOk;
}

}  // namespace

Command add_token(CLI::App& app) {
  auto args = std::make_shared<TokenArgs>();
  auto* sub = app.add_subcommand("token", "Issue or revoke bearer tokens");
  sub->require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("--data", args->data, "The data folder (written directly when no server holds it)");
    c->add_option("--server", args->server, "The running server's URL (http://host:port), when it holds the folder");
    c->add_option("--token", args->token, "An admin's token, to go through the server's API");
  };
  auto* create = sub->add_subcommand("create", "Issue a token to a registered user; prints it once on stdout");
  common(create);
  create->add_option("--user", args->user, "The user (person id)")->required();
  create->add_option("--role", args->role, "The role the token acts in")->required();
  create->add_option("--region", args->region, "The region, for a regional coordinator's token");
  create->add_option("--expires", args->expires, "Days until it expires (default 90)")->check(CLI::Range(1, 3650));
  auto* revoke = sub->add_subcommand("revoke", "Revoke a token by its id");
  common(revoke);
  revoke->add_option("--token-id", args->token_id, "The token's id (from `token create`)")->required();
  revoke->add_option("--reason", args->reason, "Why it is revoked (recorded)");

  return {sub, [args, create, revoke] {
            const auto& a = *args;
            if (create->parsed()) {
              boost::json::object body{{"user", a.user}, {"role", a.role}, {"expires_in_days", a.expires}};
              if (!a.region.empty()) body["region"] = a.region;
              return run(a, "create", "CreateToken", body, [&](const boost::json::object& reply) {
                const auto* token = reply.if_contains("token");
                const auto* id = reply.if_contains("token_id");
                if (token && token->is_string()) std::cout << std::string_view(token->get_string()) << std::endl;
                std::cerr << "token " << (id && id->is_string() ? std::string(id->get_string()) : std::string("?"))
                          << " issued to " << a.user << " as " << a.role
                          << (a.region.empty() ? std::string() : " (" + a.region + ")") << " for " << a.expires
                          << " days; it is shown only once\n";
              });
            }
            if (revoke->parsed()) {
              boost::json::object body{{"token_id", a.token_id}};
              if (!a.reason.empty()) body["reason"] = a.reason;
              return run(a, "revoke", "RevokeToken", body,
                         [&](const boost::json::object&) { std::cerr << "token " << a.token_id << " revoked\n"; });
            }
            return kExitUsage;
          }};
}

}  // namespace sijill::cli
