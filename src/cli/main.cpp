// sijill: the register's server and its tools (docs/cli.md).
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"sijill: the tamper-evident register of the CAP+ programme"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sijill ") + SIJILL_VERSION);
  const sijill::cli::Command commands[] = {sijill::cli::add_serve(app),   sijill::cli::add_verify(app),
                                           sijill::cli::add_log(app),     sijill::cli::add_token(app),
                                           sijill::cli::add_command(app), sijill::cli::add_import(app),
                                           sijill::cli::add_letter(app),  sijill::cli::add_replay(app),
                                           sijill::cli::add_rebuild(app), sijill::cli::add_export(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? sijill::cli::kExitOk : sijill::cli::kExitUsage;
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return sijill::cli::kExitUsage;
}
