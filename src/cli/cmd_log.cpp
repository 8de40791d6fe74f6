// sijill log --data DIR: the events as JSON Lines, exactly as hashed (docs/chain-format.md).
#include <iostream>

#include "commands.h"
#include "sijill/store/event_store.h"

namespace sijill::cli {

Command add_log(CLI::App& app) {
  struct Args {
    std::string data;
    std::uint64_t from = 1;
    std::uint64_t to = ~std::uint64_t{0};
    std::string stream;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("log", "Print events as JSON Lines, each the hashed record with its hash");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_option("--from", args->from, "First position to print (inclusive; default 1)");
  sub->add_option("--to", args->to, "Last position to print (inclusive; default the head)");
  sub->add_option("--stream", args->stream,
                  "Only this stream (\"application/APP-0007\"), or every stream under a kind when it ends "
                  "with '/' (\"application/\")");
  return {sub, [args] {
            auto opened = open_for_reading(args->data);
            if (!opened) {
              std::cerr << "sijill log: " << opened.status().message() << "\n";
              return kExitUsage;
            }
            const bool prefix = !args->stream.empty() && args->stream.back() == '/';
            std::ios::sync_with_stdio(false);
            Status failure;
            auto st = (*opened)->scan_log(
                args->from == 0 ? 0 : args->from - 1, args->to,
                [&](const store::Record& r) {
                  if (!args->stream.empty()) {
                    auto env = store::parse_envelope(r.bytes);
                    if (!env) {
                      failure = env.status();
                      return false;
                    }
                    if (prefix ? !env->stream.starts_with(args->stream) : env->stream != args->stream) return true;
                  }
                  std::cout << r.wire() << '\n';
                  return bool(std::cout);
                },
                store::EventStore::Scan::bulk);
            std::cout.flush();
            if (!st || !failure) {
              std::cerr << "sijill log: " << (!st ? st : failure).message() << "\n";
              return kExitFailed;
            }
            return kExitOk;
          }};
}

}  // namespace sijill::cli
