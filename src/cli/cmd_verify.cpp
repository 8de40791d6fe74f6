// sijill verify --data DIR: the full chain check (docs/cli.md).
#include <boost/json/serialize.hpp>
#include <iostream>

#include "commands.h"
#include "progress.h"
#include "sijill/store/event_store.h"

namespace sijill::cli {

Result<std::unique_ptr<store::EventStore>> open_for_reading(const std::string& dir) {
  store::StoreOptions o;
  o.dir = dir;
  o.read_only = true;
  o.check_tail = false;
  return store::EventStore::open(std::move(o));
}

Command add_verify(CLI::App& app) {
  struct Args {
    std::string data;
    bool json = false;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("verify", "Check the whole hash chain: exit 0 only when every record holds");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_flag("--json", args->json, "Print a machine-readable summary");
  sub->add_flag("--quiet", args->quiet, "No progress line");
  return {sub, [args] {
            auto opened = open_for_reading(args->data);
            if (!opened) {
              std::cerr << "sijill verify: " << opened.status().message() << "\n";
              return kExitUsage;
            }
            auto& store = **opened;
            Progress progress("verifying", store.head().position, args->quiet);
            auto report = store::verify_chain(store, [&](std::uint64_t n) { progress.update(n); });
            progress.finish();
            const double secs = progress.seconds();
            if (args->json) {
              boost::json::object summary;
              summary["ok"] = report.ok();
              summary["count"] = report.count;
              summary["head_position"] = report.head.position;
              summary["head_hash"] = store::to_hex(report.head.hash);
              summary["first_bad_position"] = report.first_bad ? boost::json::value(*report.first_bad) : nullptr;
              summary["problem"] =
                  report.problem.empty() ? boost::json::value(nullptr) : boost::json::value(report.problem);
              std::cout << boost::json::serialize(summary) << "\n";
            } else {
              std::cout << "records:  " << report.count << "\n"
                        << "head:     " << report.head.position << " " << store::to_hex(report.head.hash) << "\n";
              if (report.ok()) {
                std::cout << "chain:    ok (" << report.count << " records in " << secs << " s)\n";
              } else if (report.first_bad) {
                std::cout << "chain:    BROKEN at position " << *report.first_bad << ": " << report.problem << "\n";
              } else {
                std::cout << "chain:    BROKEN: " << report.problem << "\n";
              }
            }
            return report.ok() ? kExitOk : kExitFailed;
          }};
}

}  // namespace sijill::cli
