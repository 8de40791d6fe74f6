// sijill export --data DIR --out DIR [--from P] [--to P]: the auditor's evidence pack, written to
// a folder from a data folder opened read-only (docs/evidence-pack.md). It appends nothing, so it
// works on a copy or beside a running server; its manifest says it is not recorded, and why.
#include <boost/json/serialize.hpp>
#include <iostream>
#include <optional>

#include "commands.h"
#include "progress.h"
#include "sijill/evidence/pack.h"
#include "sijill/projections/projector.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "sijill/time/zone_data.h"

namespace sijill::cli {

namespace {

constexpr const char* kNotRecorded =
    "made by `sijill export` on the command line, which opens the data folder read-only and appends nothing to the "
    "log; an export through the server (GET /v1/audit/export) is recorded as an AuditExportRecorded event";

}  // namespace

Command add_export(CLI::App& app) {
  struct Args {
    std::string data;
    std::string out;
    std::optional<std::uint64_t> from;
    std::optional<std::uint64_t> to;
    bool json = false;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("export", "Write the evidence pack of a data folder (read-only) to a new folder");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_option("--out", args->out, "The folder to write the pack to (created; must be empty if it exists)")
      ->required();
  sub->add_option("--from", args->from, "First position exported (inclusive; default 1)");
  sub->add_option("--to", args->to,
                  "Last position exported (inclusive; default the head); the tables and the report reflect the log "
                  "as of it");
  sub->add_flag("--json", args->json, "Print a machine-readable summary");
  sub->add_flag("--quiet", args->quiet, "No progress line");
  return {
      sub, [args] {
        auto fail = [](int code, std::string_view message) {
          std::cerr << "sijill export: " << message << "\n";
          return code;
        };
        // The report shows Africa/Casablanca local times: they must not be an hour wrong.
        if (auto zone = time::check_zone_data(); !zone) return fail(kExitUsage, zone.message());
        auto opened = open_for_reading(args->data);
        if (!opened) return fail(kExitUsage, opened.status().message());
        auto& store = **opened;
        // Only asked whether a person's key still exists (sealed or erased); never copied.
        std::unique_ptr<store::KeyStore> keys;
        const auto key_file = std::filesystem::path(args->data) / "keys";
        if (std::filesystem::exists(key_file)) {
          auto k = store::KeyStore::open(key_file);
          if (!k) return fail(kExitUsage, k.status().message());
          keys = std::move(k).value();
        }
        auto range = evidence::resolve_range(args->from, args->to, store.head().position);
        if (!range) {
          std::string message(range.status().message());
          for (const auto& v : range.status().violations())
            message += " (--" + v.path.substr(1) + ": " + v.message + ")";
          return fail(kExitUsage, message);
        }
        const std::filesystem::path out(args->out);
        std::error_code ec;
        if (std::filesystem::exists(out, ec)) {
          if (!std::filesystem::is_directory(out, ec) || !std::filesystem::is_empty(out, ec)) {
            return fail(kExitUsage, args->out + " exists and is not an empty folder");
          }
        } else if (!std::filesystem::create_directories(out, ec) || ec) {
          return fail(kExitUsage, "cannot create " + args->out + ": " + ec.message());
        }

        Progress replaying("reading the log", range->to, args->quiet);
        projections::Model model;
        if (auto st = projections::replay_into(store, model, range->to, [&](std::uint64_t n) { replaying.update(n); });
            !st) {
          replaying.finish();
          return fail(kExitFailed, st.to_string());
        }
        replaying.finish();
        if (model.position() != range->to) {
          return fail(kExitFailed, "the log ends at position " + std::to_string(model.position()) + ", before " +
                                       std::to_string(range->to));
        }

        evidence::PackOptions options;
        options.range = *range;
        options.via = "command line";
        options.recorded = false;
        options.not_recorded_reason = kNotRecorded;
        options.keys = keys.get();
        Progress writing("writing the pack", range->to, args->quiet);
        options.progress = [&](std::uint64_t n) { writing.update(n); };
        auto pack = evidence::write_pack(store, &model, options, out);
        writing.finish();
        if (!pack) return fail(kExitFailed, pack.status().to_string());

        if (args->json) {
          boost::json::object summary{{"ok", true},
                                      {"out", args->out},
                                      {"export_id", pack->export_id},
                                      {"from", pack->range.from},
                                      {"to", pack->range.to},
                                      {"events", pack->range.count()},
                                      {"last_hash", pack->last_hash},
                                      {"head_position", pack->head.position},
                                      {"head_hash", store::to_hex(pack->head.hash)},
                                      {"events_sha256", pack->events_sha256},
                                      {"manifest_sha256", pack->manifest_sha256},
                                      {"recorded", false}};
          boost::json::array files;
          for (const auto& f : pack->files) files.push_back(boost::json::string(f.name));
          summary["files"] = std::move(files);
          std::cout << boost::json::serialize(summary) << "\n";
        } else {
          std::cout << "evidence pack written to " << args->out << ": " << pack->range.count() << " events (positions "
                    << pack->range.from << " to " << pack->range.to << "), " << pack->files.size() << " files\n"
                    << "manifest: sha256 " << pack->manifest_sha256 << "\n"
                    << "check:    python3 verify_chain.py --head " << pack->range.to << ":" << pack->last_hash
                    << " events.jsonl\n"
                    << "recorded: no (the command line appends nothing to the log)\n";
        }
        return kExitOk;
      }};
}

}  // namespace sijill::cli
