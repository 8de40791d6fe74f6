// sijill serve --data DIR: open the data folder and serve it until SIGTERM or SIGINT.
#include <signal.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "sijill/time/zone_data.h"

namespace sijill::cli {

Command add_serve(CLI::App& app) {
  struct Args {
    std::string data;
    std::string zoneinfo;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("serve", "Open the data folder (creating it when empty) and serve it");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_option("--zoneinfo", args->zoneinfo,
                  "Check the time zone data of this zoneinfo folder instead of the system's (for tests)");
  return {sub, [args] {
            // Local times are an hour wrong after 20 Sep 2026 on stale zone data: refuse to start.
            auto zone = time::check_zone_data(
                args->zoneinfo.empty() ? std::nullopt : std::optional<std::filesystem::path>(args->zoneinfo));
            if (!zone) {
              spdlog::error("{}", zone.message());
              return kExitUsage;
            }

            // Block the stop signals before any thread starts, so that only sigwait sees them.
            sigset_t stop;
            sigemptyset(&stop);
            sigaddset(&stop, SIGINT);
            sigaddset(&stop, SIGTERM);
            pthread_sigmask(SIG_BLOCK, &stop, nullptr);

            store::StoreOptions o;
            o.dir = args->data;
            auto opened = store::EventStore::open(o);
            if (!opened) {
              spdlog::error("cannot open the event store: {}", opened.status().message());
              return kExitUsage;
            }
            auto keys = store::KeyStore::open(o.dir / "keys");
            if (!keys) {
              spdlog::error("cannot open the key file: {}", keys.status().message());
              return kExitUsage;
            }
            auto head = (*opened)->head();
            spdlog::info("data folder {} open: head at position {} ({})", args->data, head.position,
                         store::to_hex(head.hash));
            int sig = 0;
            sigwait(&stop, &sig);
            spdlog::info("stopping on {}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return kExitOk;
          }};
}

}  // namespace sijill::cli
