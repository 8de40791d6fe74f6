// Running commands the way the API runs them, on a stopped data folder or through a running
// server: what `sijill command` and `sijill import` write with.
//
// CommandRunner is the one interface the importer writes through. Two implementations:
//
//   LocalRunner  holds a stopped data folder (RocksDB's lock: a running server refuses it to
//                us, and us to it). A command takes the API's path (docs/import.md, "Offline
//                and online"): the command's spec (unknown command: not_found), the role
//                check of access::Policy (permission_denied), the body parsed within the API's
//                limits and validated against the command's schema (invalid_argument, with
//                JSON Pointers), personal data sealed with the person's key (key file
//                <dir>/keys), the spec's preparation, then the command processor (the rules,
//                idempotency, group commit, fsync) as the user given, in the role given.
//   ApiRunner    POST /v1/commands/{name} with the bearer token, Idempotency-Key, If-Match and
//                X-Correlation-Id; a refusal's problem+json is turned back into a Status.
//
// Both answer a refusal with the Status the API maps to its HTTP status (problem_json() gives
// the problem body a client would have received).
//
// Threads: a runner is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/domain/module.h"
#include "sijill/processor/command_spec.h"
#include "sijill/store/event_store.h"
#include "sijill/time/instant.h"
#include "sijill/util/status.h"

namespace sijill::importer {

struct RunOptions {
  std::optional<std::string> idempotency_key;  // Idempotency-Key
  std::optional<std::uint64_t> if_match;       // If-Match: the target stream's version (0: must not exist)
  std::string correlation_id;                  // recorded as each event's correlation_id; empty: none
};

// A command that succeeded: what the 201 reply says.
struct CommandReply {
  std::uint64_t position = 0;
  std::vector<store::AppendedEvent> events;
  bool replayed = false;       // an idempotent repeat: nothing was appended
  boost::json::object extras;  // what the spec's preparation adds (a new token), not on a repeat

  // The 201 body: {"position": P, "events": [{"position", "stream", "version", "type"}], ...extras}.
  boost::json::object to_json() const;
};

// What a dry run of a command says (nothing is appended).
struct DryRunReply {
  std::vector<domain::NewEvent> events;            // what a real run would append: stream, type, data
  bool replayed = false;                           // an idempotent repeat: a real run appends nothing
  std::vector<store::AppendedEvent> first_events;  // replayed: the first result's events
};

// A form already recorded for a call, as the importer's safety net reads them.
struct RecordedForm {
  std::string registration_number;
  time::Instant received_at{};
  std::string application_id;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;

  // Runs command `name` with `body`, the raw JSON text of its data (its SHA-256 keys idempotent
  // repeats). Returns the reply, or the refusal (see the file comment), or unavailable when the
  // outcome is unknown (retry with the same idempotency key).
  virtual Result<CommandReply> run(const std::string& name, const std::string& body, const RunOptions& options) = 0;

  // Decides command `name` as run() would, appending nothing: the events a real run would
  // append, or the refusal it would get. Personal data is replaced by a stand-in, not sealed.
  virtual Result<DryRunReply> dry_run(const std::string& name, const std::string& body, const RunOptions& options) = 0;
  // True when a dry run sees the earlier dry runs of this runner (LocalRunner: a working copy
  // of the state, evolved with each accepted dry run, and has_stream(), organisations() and
  // recorded_forms() read it); false when each is decided against the committed state alone
  // (ApiRunner: POST /v1/commands/{name}?dry_run=true).
  virtual bool dry_runs_chain() const = 0;

  // The data of the committed event at `version` of `stream`. not_found when there is none.
  virtual Result<boost::json::object> event_data(std::string_view stream, std::uint64_t version) = 0;

  // Whether the stream has at least one event ("call/AMI-2026": is the call open?).
  virtual Result<bool> has_stream(std::string_view stream) = 0;

  // Every registered organisation: registration number -> organisation id.
  virtual Result<std::map<std::string, std::string>> organisations() = 0;

  // Every online form recorded for `call_id`.
  virtual Result<std::vector<RecordedForm>> recorded_forms(std::string_view call_id) = 0;

  // Who writes, where: "user officer-1 (programme_officer) on the data folder /srv/sijill".
  virtual std::string describe() const = 0;
};

// How a local runner acts.
struct LocalOptions {
  std::filesystem::path dir;                                  // the data folder
  std::string user;                                           // a registered user (its person id)
  std::string role = std::string(domain::kProgrammeOfficer);  // a role the user holds
  // Reads only (a dry run): works beside a running server too. The log is replayed into the
  // programme's modules, which then serve as the dry runs' working copy.
  bool read_only = false;
  // The first admin: on a folder with no user yet, run as the system actor (as `sijill serve`
  // does when it registers its first admin), creating the folder when it does not exist. Only
  // for RegisterUser of `user` with the admin role (the caller checks the command).
  bool first_admin = false;
};

class LocalRunner final : public CommandRunner {
 public:
  // Opens the folder and loads the log into the programme's modules. Errors:
  //   unavailable "... in use by another process ..." when a running server holds it (see
  //     held_by_server());
  //   not_found when the folder has no log (and first_admin is not set);
  //   permission_denied when `user` is not a registered user or does not hold `role`; with
  //     first_admin, when the folder already has a user;
  //   data_loss when the log does not verify at its tail; unavailable for other I/O failures.
  static Result<std::unique_ptr<LocalRunner>> open(const LocalOptions& options);
  ~LocalRunner() override;

  Result<CommandReply> run(const std::string& name, const std::string& body, const RunOptions& options) override;
  // Only on a runner opened read-only (internal otherwise: the writer owns the state).
  Result<DryRunReply> dry_run(const std::string& name, const std::string& body, const RunOptions& options) override;
  bool dry_runs_chain() const override { return true; }
  Result<boost::json::object> event_data(std::string_view stream, std::uint64_t version) override;
  Result<bool> has_stream(std::string_view stream) override;
  Result<std::map<std::string, std::string>> organisations() override;
  Result<std::vector<RecordedForm>> recorded_forms(std::string_view call_id) override;
  std::string describe() const override;

  // The command specs of the programme (the API's), for checks made before running.
  const std::vector<processor::CommandSpec>& specs() const;
  // The data folder's event store, to read from.
  const store::EventStore& store() const;

 private:
  struct Impl;
  explicit LocalRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when `status` (from LocalRunner::open or store::EventStore::open) says that another
// process, a running server, holds the data folder.
bool held_by_server(const Status& status);

class ApiRunner final : public CommandRunner {
 public:
  // `base_url`: "http://127.0.0.1:8080"; `token`: a bearer token. Nothing is sent until a call.
  ApiRunner(std::string base_url, std::string token);

  Result<CommandReply> run(const std::string& name, const std::string& body, const RunOptions& options) override;
  Result<DryRunReply> dry_run(const std::string& name, const std::string& body, const RunOptions& options) override;
  bool dry_runs_chain() const override { return false; }
  Result<boost::json::object> event_data(std::string_view stream, std::uint64_t version) override;
  Result<bool> has_stream(std::string_view stream) override;
  Result<std::map<std::string, std::string>> organisations() override;
  Result<std::vector<RecordedForm>> recorded_forms(std::string_view call_id) override;
  std::string describe() const override;

 private:
  std::string base_url_;
  std::string token_;
};

// Where a command-line tool writes: a stopped data folder (`--data DIR --as USER [--role R]`)
// or a running server (`--server URL --token T`).
struct WriterChoice {
  LocalOptions local;  // local.dir empty: no --data
  std::string server;  // base URL, empty: no --server
  std::string token;
};

// Opens the runner the command line asks for: the data folder when one is given and no server
// holds it; the server's API when no folder is given, or when a running server holds the
// folder and --server and --token are given (`notice` then says so, for standard error).
// Errors: unavailable "a running server holds DIR: pass --server URL --token T ..." when the
// folder is held and no server is given; invalid_argument when neither is given; or the
// errors of LocalRunner::open().
Result<std::unique_ptr<CommandRunner>> open_runner(const WriterChoice& choice, std::string& notice);

// The problem body (RFC 9457) the API answers for `status`:
// {"type": "/problems/<rule>", "title", "status", "detail", "errors": [{"path", "message"}]}.
boost::json::object problem_json(const Status& status);

// The Status a problem body stands for (the inverse of problem_json(), for an HTTP status and
// its body; a body that is not a problem gives a Status with the body as its message).
Status status_from_problem(int http_status, std::string_view body);

// Checks `body` (a command's data, personal data still in clear) against `spec`'s schema, as
// the API does before it seals anything. Returns invalid_argument with every violation's JSON
// Pointer. The importer checks every command of a row this way before it runs the first one.
Status validate_command(const processor::CommandSpec& spec, const boost::json::object& body);

}  // namespace sijill::importer
