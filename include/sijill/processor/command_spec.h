// How the server treats one command before the processor decides it: its JSON Schema, the
// roles that may run it, the personal data to seal, and any server-side preparation.
//
// A domain module says which commands it decides (Module::commands()); the part that ships the
// module also ships one CommandSpec per command. The HTTP layer, for POST /v1/commands/{name}:
//   1. parses the body (sijill/json/parse.h) and validates it against `schema`     -> 400
//   2. checks the actor's role against `roles` (admin may run every command)       -> 403
//   3. seals the fields named by `personal` with the subject's key (KeyStore)      -> 503
//   4. calls `prepare`, which may add server-made values to the data (a token's
//      digest) and returns what the 201 reply carries beyond the positions
//   5. submits the CommandCall to the processor.
// The module then makes finer checks itself (region, assignment, the rules).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/domain/module.h"
#include "sijill/json/schema.h"
#include "sijill/store/key_store.h"
#include "sijill/util/status.h"

namespace sijill::processor {

// Personal data (DOMAIN.md): the listed top-level members of the data are replaced by their
// sealed form (KeyStore::seal) under the subject `subject_prefix` + data[subject_member],
// before the module sees them. They never enter the log in clear.
struct PersonalData {
  std::string subject_prefix = "person/";
  std::string subject_member;        // e.g. "person_id"
  std::vector<std::string> members;  // e.g. {"name", "email"}
};

struct CommandSpec {
  std::string name;
  std::optional<json::Schema> schema;  // none: any JSON object is accepted
  std::vector<std::string> roles;      // roles that may run it besides admin
  std::optional<PersonalData> personal;
  // Server-side preparation, run on the request's thread after validation and sealing. It may
  // change `data` and returns the members to add to the 201 reply (shown once: they are not
  // kept, so an idempotent repeat's reply does not carry them). Null: nothing to prepare.
  std::function<Result<boost::json::object>(boost::json::object& data)> prepare;
};

// True when `actor` may run `spec`: admin always, others when their role is in spec.roles.
bool role_may_run(const domain::Actor& actor, const CommandSpec& spec);

// Seals the members `personal` names, in place. Returns invalid_argument when the subject
// member is missing or not a string, unavailable when the key file cannot be written.
Status seal_personal_data(const PersonalData& personal, boost::json::object& data, store::KeyStore& keys);

// For a dry run: replaces the members `personal` names as sealing would, by
// {"$sealed": {"v": 1, "subject": <subject>, "dry_run": true}}, without a key (none is created,
// and the plaintext goes nowhere). Errors as seal_personal_data().
Status stand_in_for_personal_data(const PersonalData& personal, boost::json::object& data);

}  // namespace sijill::processor
