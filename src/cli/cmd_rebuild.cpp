// sijill rebuild --data DIR: drops every read model checkpoint and rebuilds the read models
// from position 0, writing one checkpoint at the head; then does the same for the checkpoints of
// the processor's state (the domain modules and the programme's access index). The server must
// be stopped (it keeps its own checkpoints while it runs).
#include <iostream>

#include <boost/json/serialize.hpp>

#include "commands.h"
#include "progress.h"
#include "sijill/access/policy.h"
#include "sijill/evidence/audit.h"
#include "sijill/processor/processor.h"
#include "sijill/processor/state_checkpoint.h"
#include "sijill/programme/programme.h"
#include "sijill/projections/projector.h"

namespace sijill::cli {

namespace {

// Drops the processor's state checkpoints, replays the whole log into fresh modules (those of
// `sijill serve`, in its order) and a fresh access index, and writes one checkpoint at the head.
// Returns its position (0 for an empty log: nothing written).
Result<std::uint64_t> rebuild_processor_state(store::EventStore& store, const std::filesystem::path& data) {
  const auto dir = processor::state_checkpoint_dir(data);
  if (auto st = processor::remove_state_checkpoints(dir); !st) return st;
  auto programme = programme::Programme::create();
  if (!programme) return programme.status();
  evidence::AuditModule audit;
  auto modules = (*programme)->modules();
  modules.push_back(&audit);
  if (auto st = processor::replay(store, modules); !st) return st;
  access::Policy policy;
  if (auto st = (*programme)->attach(store, policy); !st) return st;
  if (store.head().position == 0) return std::uint64_t{0};
  return processor::write_state_checkpoint(store, dir, programme::checkpoint_parts(**programme, modules));
}

}  // namespace

Command add_rebuild(CLI::App& app) {
  struct Args {
    std::string data;
    bool json = false;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "rebuild", "Drop and rebuild every read model checkpoint and processor state checkpoint from the log");
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
            auto& store = **opened;
            Progress progress("rebuilding", store.head().position, args->quiet);
            auto rebuilt = projections::rebuild(store, projections::checkpoint_dir(args->data),
                                                [&](std::uint64_t done) { progress.update(done); });
            progress.finish();
            if (!rebuilt) {
              std::cerr << "sijill rebuild: " << rebuilt.status().to_string() << "\n";
              return kExitFailed;
            }
            const double seconds = progress.seconds();
            auto state = rebuild_processor_state(store, args->data);
            if (!state) {
              std::cerr << "sijill rebuild: the processor's state: " << state.status().to_string() << "\n";
              return kExitFailed;
            }
            const double state_seconds = progress.seconds() - seconds;
            if (args->json) {
              boost::json::object summary{{"position", *rebuilt},
                                          {"seconds", seconds},
                                          {"processor_state_position", *state},
                                          {"processor_state_seconds", state_seconds}};
              std::cout << boost::json::serialize(summary) << "\n";
            } else {
              std::cout << "read models rebuilt from the log: " << *rebuilt << " events in " << seconds
                        << " s; checkpoint written at position " << *rebuilt << "\n";
              std::cout << "processor state rebuilt from the log in " << state_seconds
                        << " s; checkpoint written at position " << *state << "\n";
            }
            return kExitOk;
          }};
}

}  // namespace sijill::cli
