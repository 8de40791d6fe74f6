// The demo programme: a generated, realistic CAP+ call, the same for a given seed.
//
// Five target regions, about 350 applications from plausible CSOs (a few late, incomplete,
// ineligible, submitted twice), twelve evaluators with conflicts of interest declared,
// scores with divergences resolved by a third evaluator or a consensus, a finished selection
// of 150 (30 a region) with waiting lists, notifications, appeals, and a withdrawal whose
// place is filled from the waiting list. `sijill serve --demo` runs it through the command
// processor on an empty data folder, exactly as users' commands would run.
//
// The generator only proposes commands: the executor runs each one (through the processor in
// the server, through the pure module in tests) and returns the events it produced, from which
// the generator learns the ids the domain assigned. Personal data (contact persons) is given
// in clear, in the `contact` member of RegisterContactPerson: the executor seals it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/domain/module.h"
#include "sijill/util/status.h"

namespace sijill::demo {

struct Step {
  std::string command;
  boost::json::object data;
  domain::Actor actor;
  time::Instant at;  // when it happens in the programme's story
};

struct ProducedEvent {
  std::string type;
  boost::json::object data;
};

// Runs one step; returns the events it appended, or the refusal.
using Executor = std::function<Result<std::vector<ProducedEvent>>(const Step&)>;

struct Summary {
  int organisations = 0;
  int applications = 0;
  int commands = 0;
  int selected = 0;
  int waiting = 0;
};

// Runs the whole demo. A refused step stops it and returns the refusal with the step's
// command; the demo's steps are all meant to be accepted.
Result<Summary> run(unsigned seed, const Executor& execute);

}  // namespace sijill::demo
