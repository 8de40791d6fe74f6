// The access commands as the server runs them: their JSON Schemas, who may run them (admin
// only), the personal data RegisterUser seals, and CreateToken's preparation.
//
// CreateToken's preparation runs outside the pure module, on the request's thread: it makes
// the token (generate_token()), adds "token_id" (a random UUID) and "token_digest" (its hex
// SHA-256) to the command's data, and returns {"token": ..., "token_id": ..., } for the 201
// reply. The token is shown that once: an idempotent repeat of the same CreateToken answers
// with the first positions and token id, but no token (revoke it and create another if lost).
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/processor/command_spec.h"
#include "sijill/util/status.h"

namespace sijill::access {

// The specs of RegisterUser, CreateToken and RevokeToken. Fails only if an embedded schema
// does not compile (a bug).
Result<std::vector<processor::CommandSpec>> command_specs();

// CreateToken's preparation (also used by `sijill token create` on a stopped folder).
Result<boost::json::object> prepare_create_token(boost::json::object& data);

}  // namespace sijill::access
