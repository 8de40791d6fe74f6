// What the command processor is asked to run, and what it answers.
//
// A CommandCall is built by the HTTP layer (or a local tool) once the request body has been
// parsed, validated against the command's JSON Schema, authorised, and prepared (personal data
// sealed, server-side secrets generated: see CommandSpec in command_spec.h). The processor
// decides it on its writer thread and answers with a CommandOutcome or a Status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/domain/module.h"
#include "sijill/store/event_store.h"

namespace sijill::processor {

struct CommandCall {
  std::string name;          // "RegisterUser"
  std::string body;          // the raw request body: its SHA-256 keys idempotent repeats
  boost::json::object data;  // parsed, valid against the command's schema, prepared
  domain::Actor actor;       // who runs it, from the token (or the system actor)
  // Idempotency-Key: the same (actor id, name, key) with the same body returns the first
  // success without deciding again; with another body it is a conflict (409).
  std::optional<std::string> idempotency_key;
  // If-Match: the version the command's target stream must be at (412 otherwise). Checked
  // after the idempotency key, so a repeat of a success answers as the first time.
  std::optional<std::uint64_t> if_match;
  std::string correlation_id;  // recorded as each event's correlation_id; empty: none
};

// A command that succeeded: the events it appended (or, for an idempotent repeat, the events
// the first success appended), durable before the outcome is handed over.
struct CommandOutcome {
  std::uint64_t position = 0;  // the last position the command produced
  std::vector<store::AppendedEvent> events;
  std::string recorded_at;  // RFC 3339 UTC, the events' recorded_at
  bool replayed = false;    // an idempotent repeat: nothing was decided or appended
};

// What a command would do, decided without appending anything (a dry run): the events a real
// run would append now, or, for an idempotent repeat, that it would append nothing.
struct DryRunOutcome {
  std::vector<domain::NewEvent> events;  // empty when replayed
  std::string target_stream;             // the stream If-Match refers to (may be empty)
  bool replayed = false;                 // an idempotent repeat: a real run answers its first result
  store::AppendResult first;             // replayed: that first result (positions, streams, versions)
};

// SHA-256 of `bytes` (OpenSSL): the digest of a request body, of a token.
store::Hash sha256(std::string_view bytes);

// The application/problem+json document (RFC 9457) of a refused call: {"type": "/problems/<rule>",
// "title", "status", "detail", "errors": [{"path", "message"}]}. The server answers with it; local
// tools print it.
boost::json::object problem_document(const Status& status);

}  // namespace sijill::processor
