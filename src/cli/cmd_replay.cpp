// sijill replay --data DIR --application ID [--as-of P-or-instant]: an application's decision
// history, for an auditor working on a copy of the data folder (or beside a running server:
// the store is opened read-only and no checkpoint is written).
#include <iostream>

#include <boost/json/serialize.hpp>

#include "commands.h"
#include "sijill/projections/projector.h"
#include "sijill/projections/views.h"

namespace sijill::cli {

namespace {

std::int64_t num(const boost::json::value& v) { return v.is_number() ? v.to_number<std::int64_t>() : 0; }

std::string_view text(const boost::json::value& v) {
  return v.is_string() ? std::string_view(v.get_string()) : std::string_view();
}

// The history as an auditor reads it on a terminal: one block per decision.
void print_history(const boost::json::object& h) {
  const auto& as_of = h.at("as_of").as_object();
  std::cout << "Application " << text(h.at("application_id")) << " · call " << text(h.at("call_id")) << " · "
            << text(h.at("region")) << " · stage: " << text(h.at("stage")) << "\n";
  std::cout << "As of position " << num(as_of.at("position")) << " (" << text(as_of.at("recorded_at")) << ", "
            << text(as_of.at("recorded_at_local")) << " Africa/Casablanca)\n";
  std::cout << "Head hash at that position: " << text(as_of.at("hash")) << "\n\nSubmissions\n";
  for (const auto& v : h.at("submissions").as_array()) {
    const auto& s = v.as_object();
    std::cout << "  #" << num(s.at("position")) << "  " << text(s.at("type")) << "  received "
              << text(s.at("received_at")) << " (" << text(s.at("received_at_local")) << ")"
              << (s.at("late").as_bool() ? "  LATE" : "  on time")
              << (s.at("effective").as_bool() ? "  effective" : "  superseded") << "\n"
              << "        hash " << text(s.at("hash")) << "\n";
  }
  std::cout << "\nDecisions\n";
  for (const auto& v : h.at("decisions").as_array()) {
    const auto& d = v.as_object();
    const auto& actor = d.at("actor").as_object();
    std::cout << "  #" << num(d.at("position")) << "  " << text(d.at("decision")) << " (" << text(d.at("type"))
              << ", round " << num(d.at("round")) << ")\n"
              << "        when  " << text(d.at("recorded_at")) << " (" << text(d.at("recorded_at_local")) << ")\n"
              << "        who   " << text(actor.at("id")) << " (" << text(actor.at("role")) << ")\n";
    if (!text(d.at("rationale")).empty()) std::cout << "        why   " << text(d.at("rationale")) << "\n";
    std::cout << "        rules " << text(d.at("rules_version")) << "\n"
              << "        hash  " << text(d.at("hash")) << "\n";
    for (const auto& r : d.at("rests_on").as_array()) {
      std::cout << "        rests on #" << num(r.at("position")) << " " << text(r.at("type")) << " "
                << text(r.at("hash")) << "\n";
    }
  }
}

}  // namespace

Command add_replay(CLI::App& app) {
  struct Args {
    std::string data;
    std::string application;
    std::string as_of;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("replay", "Print an application's decision history, now or as of a past moment");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_option("--application", args->application, "The application (APP-0007)")->required();
  sub->add_option("--as-of", args->as_of,
                  "A log position (4711), an instant (2026-07-15T12:00:00Z) or a local time in Africa/Casablanca "
                  "(2026-07-15T13:00 or \"15/07/2026 13:00\"); default: the head");
  sub->add_flag("--json", args->json, "Print the history as JSON (as GET /v1/applications/{id}/history)");
  return {sub, [args] {
            auto opened = open_for_reading(args->data);
            if (!opened) {
              std::cerr << "sijill replay: " << opened.status().message() << "\n";
              return kExitUsage;
            }
            const auto& store = **opened;
            std::uint64_t position = store.head().position;
            if (!args->as_of.empty()) {
              auto resolved = projections::resolve_as_of(store, args->as_of);
              if (!resolved) {
                std::cerr << "sijill replay: --as-of: " << resolved.status().to_string() << "\n";
                return kExitUsage;
              }
              position = *resolved;
            }
            projections::ProjectorOptions options;
            options.checkpoint_dir = projections::checkpoint_dir(args->data);
            options.write_checkpoints = false;
            projections::Projector projector(store, options);
            auto snapshot = projector.as_of(position);
            if (!snapshot) {
              std::cerr << "sijill replay: " << snapshot.status().to_string() << "\n";
              return kExitFailed;
            }
            auto history = projections::decision_history((*snapshot)->model(), args->application, {});
            if (!history) {
              std::cerr << "sijill replay: " << history.status().message() << " as of position " << position << "\n";
              return kExitFailed;
            }
            if (args->json) {
              std::cout << boost::json::serialize(*history) << "\n";
            } else {
              print_history(*history);
            }
            return kExitOk;
          }};
}

}  // namespace sijill::cli
