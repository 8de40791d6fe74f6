// Runs commands against a domain module the way the command processor does (decide, then
// evolve each event with its position and stream version), without a store: for scenario and
// model tests of the pure domain.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sijill/domain/module.h"

namespace sijill::testing {

struct Committed {
  std::uint64_t position;
  std::string stream;
  std::uint64_t version;
  std::string type;
  boost::json::object data;
  domain::Actor actor;
  time::Instant recorded_at;
};

// RegisterOrganisation data for a CSO in Souss-Massa: OSC-1, registration number 1/2019.
inline boost::json::object sample_organisation() {
  return {
      {"organisation_id", "OSC-1"},
      {"legal_name", "Association Tamount"},
      {"legal_form", "Association"},
      {"registration", boost::json::object{{"authority", "Préfecture"}, {"number", "1/2019"}, {"date", "2019-01-01"}}},
      {"region", "Souss-Massa"},
      {"province", "Tiznit"},
      {"domains", boost::json::array{}}};
}

class DomainHarness {
 public:
  explicit DomainHarness(domain::Module& module) : module_(module) {}

  // Decides and, when accepted, evolves the events; returns them or the refusal.
  Result<std::vector<Committed>> run(std::string_view command, const boost::json::object& data,
                                     const domain::Actor& actor, time::Instant at) {
    domain::CommandContext ctx{actor, at, "cmd-" + std::to_string(++commands_)};
    auto decision = module_.decide(command, data, ctx);
    if (!decision) return decision.status();
    std::vector<Committed> out;
    for (auto& e : decision->events) {
      Committed c{++position_, e.stream, ++versions_[e.stream], e.type, std::move(e.data), actor, at};
      log_.push_back(c);
      out.push_back(std::move(c));
      apply(log_.back(), module_);
    }
    return out;
  }

  // Feeds a committed event to a module (for replays into a fresh module).
  static void apply(const Committed& c, domain::Module& m) {
    domain::RecordedEvent r;
    r.position = c.position;
    r.stream = c.stream;
    r.version = c.version;
    r.type = c.type;
    r.recorded_at = c.recorded_at;
    r.actor = c.actor;
    r.data = &c.data;
    m.evolve(r);
  }

  const std::vector<Committed>& log() const { return log_; }

 private:
  domain::Module& module_;
  std::uint64_t position_ = 0;
  std::uint64_t commands_ = 0;
  std::map<std::string, std::uint64_t> versions_;
  std::vector<Committed> log_;
};

}  // namespace sijill::testing
