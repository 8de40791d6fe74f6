// The subcommands of the `sijill` binary. Each registers its options on the CLI11 app and
// returns the function that runs it; the exit status of a command is documented in
// docs/cli.md.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sijill::cli {

// A registered subcommand and what runs it once its options are parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_serve(CLI::App& app);
Command add_verify(CLI::App& app);
Command add_log(CLI::App& app);

// Exit statuses shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the work ran and found a problem (a bad chain, ...)
inline constexpr int kExitUsage = 2;   // bad arguments, or the data folder cannot be opened

}  // namespace sijill::cli
