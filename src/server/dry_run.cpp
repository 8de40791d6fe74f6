// POST /v1/commands/{Name}?dry_run=true: the command goes through every check of a real run
// (api.cpp: schema, role, Idempotency-Key, If-Match; personal data replaced by a stand-in, not
// sealed) and is decided by the processor on its writer thread against the committed state;
// the answer says what a real run would append, and nothing is appended.
#include <boost/json/serialize.hpp>

#include "api.h"

namespace sijill::server {

namespace {

ApiResponse dry_run_reply(processor::DryRunOutcome& outcome, const std::string& route) {
  boost::json::array events;
  for (auto& e : outcome.events) {
    events.push_back(boost::json::object{{"stream", e.stream}, {"type", e.type}, {"data", std::move(e.data)}});
  }
  // A repeat: the first result, as a real run's 201 would show it.
  for (const auto& e : outcome.first.events) {
    events.push_back(
        boost::json::object{{"position", e.position}, {"stream", e.stream}, {"version", e.version}, {"type", e.type}});
  }
  boost::json::object o{{"dry_run", true}, {"replayed", outcome.replayed}, {"events", std::move(events)}};
  if (outcome.replayed) o["position"] = outcome.first.position;
  ApiResponse r;
  r.status = 200;
  r.body = boost::json::serialize(o);
  r.route = route;
  r.headers.emplace_back("Cache-Control", "no-store");
  if (outcome.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

}  // namespace

void Api::dry_run(processor::CommandCall call, const std::string& route, Done done) {
  services_.processor->dry_run(std::move(call),
                               [done = std::move(done), route](Result<processor::DryRunOutcome> outcome) mutable {
                                 done(outcome ? dry_run_reply(*outcome, route) : problem(outcome.status(), route));
                               });
}

}  // namespace sijill::server
