#include "sijill/access/commands.h"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "sijill/access/access.h"

namespace sijill::access {

namespace {

// The request bodies (JSON Schema draft 2020-12). token_id and token_digest are added by the
// server after validation, so a client cannot send them (additionalProperties: false).
constexpr std::string_view kRegisterUserSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "RegisterUser",
  "type": "object",
  "required": ["person_id", "roles"],
  "additionalProperties": false,
  "properties": {
    "person_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
    "roles": {"type": "array", "minItems": 1, "uniqueItems": true,
              "items": {"enum": ["admin", "programme_officer", "evaluator", "regional_coordinator", "auditor"]}},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "email": {"type": "string", "minLength": 3, "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+$"}
  }
})";

constexpr std::string_view kCreateTokenSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "CreateToken",
  "type": "object",
  "required": ["user", "role"],
  "additionalProperties": false,
  "properties": {
    "user": {"type": "string", "minLength": 1, "maxLength": 64},
    "role": {"enum": ["admin", "programme_officer", "evaluator", "regional_coordinator", "auditor"]},
    "region": {"type": "string", "minLength": 1, "maxLength": 100},
    "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650}
  }
})";

constexpr std::string_view kRevokeTokenSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "RevokeToken",
  "type": "object",
  "required": ["token_id"],
  "additionalProperties": false,
  "properties": {
    "token_id": {"type": "string", "minLength": 1, "maxLength": 64},
    "reason": {"type": "string", "maxLength": 1000}
  }
})";

Result<processor::CommandSpec> spec(std::string name, std::string_view schema_text) {
  auto schema = json::Schema::compile(schema_text);
  if (!schema) return Status::internal("the schema of " + name + " does not compile: " + schema.status().to_string());
  processor::CommandSpec s;
  s.name = std::move(name);
  s.schema = std::move(schema).value();
  return s;
}

}  // namespace

Result<boost::json::object> prepare_create_token(boost::json::object& data) {
  auto token = generate_token();
  if (!token) return token.status();
  thread_local boost::uuids::random_generator uuids;
  const auto id = boost::uuids::to_string(uuids());
  data["token_id"] = id;
  data["token_digest"] = token_digest(*token);
  return boost::json::object{{"token", *token}, {"token_id", id}};
}

Result<std::vector<processor::CommandSpec>> command_specs() {
  std::vector<processor::CommandSpec> out;
  auto register_user = spec("RegisterUser", kRegisterUserSchema);
  if (!register_user) return register_user.status();
  register_user->personal = processor::PersonalData{"person/", "person_id", {"name", "email"}};
  out.push_back(std::move(register_user).value());

  auto create_token = spec("CreateToken", kCreateTokenSchema);
  if (!create_token) return create_token.status();
  create_token->prepare = prepare_create_token;
  out.push_back(std::move(create_token).value());

  auto revoke_token = spec("RevokeToken", kRevokeTokenSchema);
  if (!revoke_token) return revoke_token.status();
  out.push_back(std::move(revoke_token).value());
  return out;
}

}  // namespace sijill::access
