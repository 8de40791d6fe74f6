// The contract between the command processor and the programme's rules.
//
// A Module is one part of the domain (the AMI, access control, later the journey and the
// cascade funding) with its own in-memory state. It is pure: no I/O, no clock, no randomness.
// Time and new ids come in with each command's context; everything it knows comes from the
// committed events it has been shown through evolve().
//
// The command processor (one writer thread) calls, for each command of a batch:
//   decide(command, data, context)  -> the events to append, or a named rejection;
// and, once the store has staged those events (positions assigned), evolve() for each of them,
// so that the next command of the same batch sees them. If the batch then fails to commit,
// the store stops (fail-stop) and the processor refuses every later command: the module's state
// is never used again, so it need not be rolled back.
//
// At start-up, evolve() is called for every committed event in position order, or, when a
// checkpoint of the processor's state is usable (docs/operations.md), the module is loaded from
// it (load_state()) and then shown only the events after the checkpoint's position. A module
// ignores event types it does not own.
//
// Checkpoints: save_state() and load_state() are a pair. save_state() returns the module's whole
// state as bytes (deterministic: the same state always gives the same bytes) such that a fresh
// module given them through load_state() is in the same state as the module that saved them,
// and evolves and decides exactly as it would. The bytes start with the module's own format
// version, so that bytes written by another layout of the state are refused rather than
// misread. That version must also change when evolve() changes what it makes of an event (a
// fixed rule, a new field derived): a checkpoint saved by the old evolve() would otherwise be
// believed, and differ from a replay of the log. A module that cannot be checkpointed keeps
// the defaults: save_state() returns nullopt and the processor then replays the whole log at
// every start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/time/instant.h"
#include "sijill/util/status.h"

namespace sijill::domain {

// The roles of DOMAIN.md, as they appear in tokens and events.
inline constexpr std::string_view kAdmin = "admin";
inline constexpr std::string_view kProgrammeOfficer = "programme_officer";
inline constexpr std::string_view kEvaluator = "evaluator";
inline constexpr std::string_view kRegionalCoordinator = "regional_coordinator";
inline constexpr std::string_view kAuditor = "auditor";

// Who acts: a registered user (a person id) and the role they act in. A coordinator's token
// also carries their region.
struct Actor {
  std::string id;
  std::string role;
  std::string region;  // for regional coordinators; empty otherwise
};

struct CommandContext {
  Actor actor;
  time::Instant now;    // server time when the command was accepted (UTC)
  std::string id_seed;  // unique per command; modules derive new ids from it when needed
};

// An event a module wants appended.
struct NewEvent {
  std::string stream;  // "<kind>/<id>"
  std::string type;
  boost::json::object data;
};

struct Decision {
  std::vector<NewEvent> events;  // at least one
  // The stream an If-Match header refers to (the command's main subject).
  std::string target_stream;
};

// A committed (or staged) event, as modules see it.
struct RecordedEvent {
  std::uint64_t position = 0;
  std::string_view stream;
  std::uint64_t version = 0;
  std::string_view type;
  time::Instant recorded_at;
  Actor actor;
  const boost::json::object* data = nullptr;
};

class Module {
 public:
  virtual ~Module() = default;

  // The commands this module decides, by name ("SubmitScore").
  virtual std::vector<std::string> commands() const = 0;

  // Decides `command` (its data already valid against its JSON Schema) against the current
  // state. Returns the events to append, or a Status:
  //   rule_violation  a rule forbids it; rule() names the rule ("no-declaration", ...)
  //   permission_denied  this actor may not run it (role, region, assignment)
  //   not_found       it names something that does not exist (an application, a call)
  //   conflict        it creates something that exists already (a duplicate id)
  // Must not change the state.
  virtual Result<Decision> decide(std::string_view command, const boost::json::object& data,
                                  const CommandContext& context) const = 0;

  // Applies one event to the state. Events arrive in position order, each exactly once.
  virtual void evolve(const RecordedEvent& event) = 0;

  // The module's whole state, for a checkpoint, or nullopt when this module cannot be
  // checkpointed (the default: the processor then replays the whole log). Called on the thread
  // that owns the module while nothing evolves it. Must not change the state.
  virtual std::optional<std::string> save_state() const { return std::nullopt; }

  // Loads bytes of save_state() into a fresh module (no evolve() yet), which then stands
  // where the saving module stood. Errors: data_loss for bytes that are damaged, truncated or
  // of another format version; the default (a module that cannot be checkpointed) refuses with
  // not_found. On failure the module is left fresh.
  virtual Status load_state(std::string_view bytes) {
    (void)bytes;
    return Status::not_found("this module keeps no checkpoint of its state");
  }
};

}  // namespace sijill::domain
