// The JSON Schemas of the commands and events (schemas/commands/<Name>.json,
// schemas/events/<Type>.json; schemas/README.md), compiled once from the copies embedded in the
// binary (cmake/Embed.cmake).
//
// A command's data is validated against its schema before the domain decides it: a violation is
// a 400 with every offending value's JSON Pointer (API.md). An event's data can be checked
// against its event schema too (the tests do it for every event the rules write).
//
//   const auto& schemas = sijill::domain::CommandSchemas::embedded();
//   if (auto st = schemas.validate_command("SubmitScore", data); !st) return st;  // 400
//
// This header does not include simdjson.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/json/parse.h"
#include "sijill/json/schema.h"
#include "sijill/util/status.h"

namespace sijill::domain {

class CommandSchemas {
 public:
  // The embedded schemas, compiled on first use (thread-safe) and kept for the life of the
  // program. A schema that does not compile is a defect of the build, caught by the tests:
  // this throws std::logic_error naming the file and the violations.
  static const CommandSchemas& embedded();

  // Compiles every "schemas/commands/*.json" and "schemas/events/*.json" entry of `files` (a
  // map from a path relative to the project root to the file's text; other paths are ignored).
  // Returns invalid_argument with a violation per fault, each path prefixed with the file's
  // path ("schemas/commands/OpenCall.json/properties/regions: ..."), when one does not compile.
  static Result<CommandSchemas> compile(const std::map<std::string_view, std::string_view>& files);

  // The compiled schema of a command (by name, "SubmitScore") or an event (by type,
  // "ScoreSubmitted"); nullptr when there is none.
  const json::Schema* command(std::string_view name) const;
  const json::Schema* event(std::string_view type) const;

  // Every command name and event type with a schema, sorted.
  std::vector<std::string> command_names() const;
  std::vector<std::string> event_types() const;

  // Validates a command's data against its schema: ok, invalid_argument listing every
  // violation with its JSON Pointer, or not_found when the command has no schema.
  Status validate_command(std::string_view name, const boost::json::object& data) const;

  // The same for an event's data, with limits large enough for any event the rules write.
  Status validate_event(std::string_view type, const boost::json::object& data) const;

 private:
  std::map<std::string, json::Schema, std::less<>> commands_;
  std::map<std::string, json::Schema, std::less<>> events_;
};

// Validates `data` against `schema`: serialises it (Boost.JSON), parses the text within
// `limits` (sijill::json::parse, as a request body is parsed), then validates it. Returns ok,
// or invalid_argument (too_large over limits.max_body_bytes) with every violation's JSON Pointer.
Status validate(const json::Schema& schema, const boost::json::object& data, const json::Limits& limits = {});

}  // namespace sijill::domain
