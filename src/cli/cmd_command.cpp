// sijill command NAME: run one command of the programme, as the API would (docs/import.md,
// "sijill command").
//
// On a stopped data folder (--data DIR --as USER [--role R]) the command takes the API's path
// through the folder's own command processor, as the registered user USER acting in role R;
// when a running server holds the folder, it says so and goes through the server's API given
// --server URL --token T. It prints the 201 reply on standard output, or the problem (its type
// names the rule; each violation has its JSON Pointer) on standard error and exits 1.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <iterator>

#include "commands.h"
#include "sijill/importer/csv.h"
#include "sijill/importer/runner.h"
#include "sijill/time/zone_data.h"

namespace sijill::cli {

namespace {

struct CommandArgs {
  std::string name;
  std::string body_file;
  std::string data;
  std::string user;
  std::string role = std::string(domain::kProgrammeOfficer);
  std::string server;
  std::string token;
  std::string idempotency_key;
};

// Is this the first admin registering itself on a folder with no user yet?
bool first_admin_candidate(const CommandArgs& a, std::string_view body) {
  if (a.name != "RegisterUser" || a.role != domain::kAdmin) return false;
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const auto* person = v.get_object().if_contains("person_id");
  const auto* roles = v.get_object().if_contains("roles");
  if (person == nullptr || !person->is_string() || person->get_string() != a.user) return false;
  if (roles == nullptr || !roles->is_array()) return false;
  for (const auto& r : roles->get_array()) {
    if (r.is_string() && r.get_string() == domain::kAdmin) return true;
  }
  return false;
}

}  // namespace

Command add_command(CLI::App& app) {
  auto args = std::make_shared<CommandArgs>();
  auto* sub = app.add_subcommand("command", "Run one command of the programme through the API's checks and rules");
  sub->add_option("name", args->name, "The command (OpenCall, RegisterUser, ReceiveForm, ...)")->required();
  sub->add_option("--body", args->body_file,
                  "A file holding the command's JSON data, or - for standard input (default {})");
  sub->add_option("--data", args->data, "The data folder (written directly when no server holds it)");
  sub->add_option("--as", args->user, "The registered user who runs it (with --data)");
  sub->add_option("--role", args->role, "The role the user acts in (default programme_officer)");
  sub->add_option("--server", args->server, "The running server's URL (http://host:port)");
  sub->add_option("--token", args->token, "A bearer token, to go through the server's API");
  sub->add_option("--idempotency-key", args->idempotency_key, "Idempotency-Key: a repeat appends nothing");
  sub->footer(
      "A folder with no user yet accepts its first admin: sijill command RegisterUser --data DIR --as admin "
      "--role admin --body FILE, the body registering the user 'admin' with the role admin (the folder is created "
      "when it does not exist).");

  return {sub, [args] {
            const auto& a = *args;
            auto fail = [&](std::string_view message, int code) {
              std::cerr << "sijill command " << a.name << ": " << message << "\n";
              return code;
            };
            std::string body = "{}";
            if (a.body_file == "-") {
              body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
            } else if (!a.body_file.empty()) {
              auto text = importer::read_file(a.body_file);
              if (!text) return fail(text.status().message(), kExitUsage);
              body = std::move(text).value();
            }
            if (!a.data.empty() && a.user.empty())
              return fail("--data needs --as USER (a registered user)", kExitUsage);

            importer::WriterChoice choice;
            choice.local.dir = a.data;
            choice.local.user = a.user;
            choice.local.role = a.role;
            choice.server = a.server;
            choice.token = a.token;
            std::string notice;
            auto runner = importer::open_runner(choice, notice);
            if (!runner && !a.data.empty() && first_admin_candidate(a, body) &&
                (runner.status().code() == Code::permission_denied || runner.status().code() == Code::not_found)) {
              // No user yet: the first admin registers itself, as `sijill serve` does.
              choice.local.first_admin = true;
              runner = importer::open_runner(choice, notice);
            }
            if (!runner) return fail(runner.status().message(), kExitUsage);
            if (!notice.empty()) std::cerr << "sijill command " << a.name << ": " << notice << "\n";
            // Run here, local times are resolved here: refuse stale zone data as `sijill serve` does.
            if (dynamic_cast<importer::LocalRunner*>(runner->get()) != nullptr) {
              if (auto zone = time::check_zone_data(); !zone) return fail(zone.message(), kExitUsage);
            }

            importer::RunOptions options;
            if (!a.idempotency_key.empty()) options.idempotency_key = a.idempotency_key;
            auto reply = (*runner)->run(a.name, body, options);
            if (!reply) {
              const auto& st = reply.status();
              std::cerr << "sijill command " << a.name << ": refused (" << http_status(st.code()) << ", " << st.rule()
                        << "): " << st.message() << "\n"
                        << boost::json::serialize(importer::problem_json(st)) << "\n";
              return kExitFailed;
            }
            std::cout << boost::json::serialize(reply->to_json()) << std::endl;
            return kExitOk;
          }};
}

}  // namespace sijill::cli
