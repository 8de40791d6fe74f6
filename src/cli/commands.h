// The subcommands of the `sijill` binary. Each registers its options on the CLI11 app and
// returns the function that runs it; the exit status of a command is documented in
// docs/cli.md.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <vector>

#include "sijill/processor/command_spec.h"
#include "sijill/processor/processor.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"

namespace sijill::cli {

// A registered subcommand and what runs it once its options are parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_serve(CLI::App& app);
Command add_verify(CLI::App& app);
Command add_log(CLI::App& app);
Command add_token(CLI::App& app);
Command add_command(CLI::App& app);
Command add_import(CLI::App& app);
Command add_letter(CLI::App& app);
Command add_replay(CLI::App& app);
Command add_rebuild(CLI::App& app);
Command add_export(CLI::App& app);

// A command run by a local tool (or the server itself), by default as processor::kSystemActor, with the
// checks the API makes: the spec's schema, personal data sealed, the preparation. `extras` is
// what the preparation adds to a 201 reply (a new token).
struct LocalCommandResult {
  processor::CommandOutcome outcome;
  boost::json::object extras;
};
Result<LocalCommandResult> run_local_command(processor::Processor& processor,
                                             const std::vector<processor::CommandSpec>& specs, store::KeyStore& keys,
                                             const std::string& name, const boost::json::object& data,
                                             const domain::Actor& actor = processor::kSystemActor);

// Opens a data folder for reading: read-only (it works beside a running server) and without
// the tail check, so that a damaged folder is reported on rather than refused.
Result<std::unique_ptr<store::EventStore>> open_for_reading(const std::string& dir);

// Exit statuses shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the work ran and found a problem (a bad chain, ...)
inline constexpr int kExitUsage = 2;   // bad arguments, or the data folder cannot be opened

}  // namespace sijill::cli
