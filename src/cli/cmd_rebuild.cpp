// sijill rebuild --data DIR: drops every read model checkpoint and rebuilds the read models
// from position 0, writing one checkpoint at the head. The server must be stopped (it keeps
// its own checkpoints while it runs).
#include <iostream>

#include <boost/json/serialize.hpp>

#include "commands.h"
#include "progress.h"
#include "sijill/projections/projector.h"

namespace sijill::cli {

Command add_rebuild(CLI::App& app) {
  struct Args {
    std::string data;
    bool json = false;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("rebuild", "Drop and rebuild every read model checkpoint from the log");
  sub->add_option("--data", args->data, "The data folder (the server must be stopped)")->required();
  sub->add_flag("--json", args->json, "Print a machine-readable summary");
  sub->add_flag("--quiet", args->quiet, "No progress line");
  return {sub, [args] {
            store::StoreOptions o;
            o.dir = args->data;
            o.create_if_missing = false;
            auto opened = store::EventStore::open(o);
            if (!opened) {
              std::cerr << "sijill rebuild: " << opened.status().message()
                        << " (a running server holds its data folder: stop it first)\n";
              return kExitUsage;
            }
            const auto& store = **opened;
            Progress progress("rebuilding", store.head().position, args->quiet);
            auto rebuilt = projections::rebuild(store, projections::checkpoint_dir(args->data),
                                                [&](std::uint64_t done) { progress.update(done); });
            progress.finish();
            if (!rebuilt) {
              std::cerr << "sijill rebuild: " << rebuilt.status().to_string() << "\n";
              return kExitFailed;
            }
            const double seconds = progress.seconds();
            if (args->json) {
              boost::json::object summary{{"position", *rebuilt}, {"seconds", seconds}};
              std::cout << boost::json::serialize(summary) << "\n";
            } else {
              std::cout << "read models rebuilt from the log: " << *rebuilt << " events in " << seconds
                        << " s; checkpoint written at position " << *rebuilt << "\n";
            }
            return kExitOk;
          }};
}

}  // namespace sijill::cli
