// Runs one scenario file of domain rules (docs/domain/scenarios.md):
//
//   {"family": "...", "background": [steps], "scenarios": [
//     {"name": "...", "given": [steps], "when": step,
//      "then": {"events": [{"type", "stream", "data"}]} | {"rejected": "<rule>"} |
//              {"error": "<code>", "path": "<JSON Pointer>"}}]}
//
// A step is {"command": Name, "as": actor, "at": RFC 3339 instant, "data": {...}}; every
// given step must be accepted. "as" is "officer", "admin", "auditor", "evaluator:<id>",
// "officer:<id>" or {"id", "role", "region"}. "data": "cap-2026" is the default programme's
// OpenCall data. RegisterContactPerson's `contact` is given in clear, and sealed before the
// rules see it, as the server does. Expected event data is matched as a subset: every member written must be
// there with that value; members not written are not checked.
//
// Every step's data is first checked against its command's JSON Schema (schemas/commands/): a
// step that breaks it is refused as the server refuses it, with invalid-argument and each
// violation's JSON Pointer (so a scenario may expect {"error": "invalid-argument", "path"}).
// Every event a step writes is checked against its event schema (schemas/events/): an event
// without a schema or that breaks it fails the scenario, naming the event and the pointer.
//
// Prints one line per scenario and "N passed, M failed"; exits 1 when any failed.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "domain_harness.h"
#include "sijill/domain/ami/config.h"
#include "sijill/domain/ami/module.h"
#include "sijill/domain/schemas.h"
#include "sijill/store/key_store.h"
#include "temp_dir.h"

using namespace sijill;

namespace {

domain::Actor actor_of(const boost::json::value& v) {
  if (v.is_object()) {
    const auto& o = v.get_object();
    auto get = [&](const char* k) { return o.contains(k) ? std::string(o.at(k).as_string()) : std::string(); };
    return {get("id"), get("role"), get("region")};
  }
  std::string s = v.is_string() ? std::string(v.get_string()) : "officer";
  auto colon = s.find(':');
  std::string kind = s.substr(0, colon), id = colon == std::string::npos ? "" : s.substr(colon + 1);
  if (kind == "officer") return {id.empty() ? "u-officer" : id, "programme_officer", ""};
  if (kind == "admin") return {id.empty() ? "u-admin" : id, "admin", ""};
  if (kind == "auditor") return {id.empty() ? "u-auditor" : id, "auditor", ""};
  if (kind == "evaluator") return {id, "evaluator", ""};
  if (kind == "coordinator") return {"u-coordinator", "regional_coordinator", id};
  throw std::runtime_error("unknown actor " + s);
}

struct Step {
  std::string command;
  boost::json::object data;
  domain::Actor actor;
  time::Instant at;
};

Step step_of(const boost::json::value& v) {
  const auto& o = v.as_object();
  Step s;
  s.command = std::string(o.at("command").as_string());
  const auto& data = o.contains("data") ? o.at("data") : boost::json::value(boost::json::object{});
  if (data.is_string() && data.get_string() == "cap-2026") {
    s.data = domain::ami::cap_2026_call();
  } else {
    s.data = data.as_object();
  }
  s.actor = actor_of(o.contains("as") ? o.at("as") : boost::json::value("officer"));
  auto at = time::parse_instant(o.contains("at") ? std::string(o.at("at").as_string()) : "2026-07-15T10:00:00Z");
  if (!at) throw std::runtime_error("bad 'at': " + std::string(at.status().message()));
  s.at = *at;
  return s;
}

// Is every member of `expected` in `actual`, with the same value (objects recursively)?
bool subset(const boost::json::value& expected, const boost::json::value& actual, std::string path, std::string& why) {
  if (expected.is_object()) {
    if (!actual.is_object()) {
      why = path + ": expected an object, got " + boost::json::serialize(actual);
      return false;
    }
    for (const auto& [k, v] : expected.get_object()) {
      const auto* a = actual.get_object().if_contains(k);
      if (!a) {
        why = path + "/" + std::string(k) + ": missing";
        return false;
      }
      if (!subset(v, *a, path + "/" + std::string(k), why)) return false;
    }
    return true;
  }
  if (expected != actual) {
    why = path + ": expected " + boost::json::serialize(expected) + ", got " + boost::json::serialize(actual);
    return false;
  }
  return true;
}

std::string describe(const std::vector<testing::Committed>& events) {
  std::string out;
  for (const auto& e : events) out += "\n      " + e.type + " " + e.stream + " " + boost::json::serialize(e.data);
  return out;
}

// The violations of a schema refusal, one per line, for the messages.
std::string violations(const Status& st) {
  std::string out;
  for (const auto& v : st.violations()) {
    out += "\n      " + (v.path.empty() ? std::string("(the data)") : v.path) + ": " + v.message;
  }
  return out;
}

// The key file personal data is sealed with, in a temporary folder removed at exit.
store::KeyStore& keys() {
  static const testing::TempDir dir("sijill-scenarios");
  static auto opened = store::KeyStore::open(dir.path() / "keys");
  if (!opened) throw std::runtime_error("cannot open a key file: " + opened.status().to_string());
  return **opened;
}

// Runs one step as the server does: the command's schema first (a command without one is left
// to decide(), which refuses it as unknown), then the rules. Every event written is checked
// against its schema; a breach is written to `broken` (the scenario then fails).
Result<std::vector<testing::Committed>> run_step(testing::DomainHarness& h, const Step& st, std::string& broken) {
  const auto& schemas = domain::CommandSchemas::embedded();
  if (schemas.command(st.command)) {
    if (auto valid = schemas.validate_command(st.command, st.data); !valid) {
      return Status::invalid_argument("the data of " + st.command + " does not match its schema", valid.violations());
    }
  }
  // Personal data is sealed after validation and before the rules, as the server does.
  auto data = st.data;
  if (st.command == "RegisterContactPerson" && data.contains("contact") && data.contains("person_id") &&
      data.at("person_id").is_string()) {
    auto sealed = keys().seal("person/" + std::string(data.at("person_id").as_string()), data.at("contact"));
    if (!sealed) return sealed.status();
    data["contact"] = std::move(sealed).value();
  }
  auto result = h.run(st.command, data, st.actor, st.at);
  if (!result) return result;
  for (const auto& e : *result) {
    if (!schemas.event(e.type)) {
      broken += "\n    event " + e.type + " (" + st.command + ") has no schema in schemas/events/";
      continue;
    }
    if (auto valid = schemas.validate_event(e.type, e.data); !valid) {
      broken += "\n    event " + e.type + " (" + st.command + ") breaks its schema:" + violations(valid) +
                "\n      data: " + boost::json::serialize(e.data);
    }
  }
  return result;
}

// Returns an empty string when the scenario holds, else what went wrong.
std::string run_scenario(const boost::json::array& background, const boost::json::object& sc) {
  domain::ami::AmiModule module;
  testing::DomainHarness h(module);
  std::string broken;  // events that break their schemas
  std::vector<boost::json::value> given(background.begin(), background.end());
  if (sc.contains("given")) {
    for (const auto& g : sc.at("given").as_array()) given.push_back(g);
  }
  for (std::size_t i = 0; i < given.size(); ++i) {
    auto st = step_of(given[i]);
    auto r = run_step(h, st, broken);
    if (!r)
      return "given step " + std::to_string(i + 1) + " (" + st.command + ") was refused: " + r.status().to_string();
  }
  auto when = step_of(sc.at("when"));
  auto result = run_step(h, when, broken);
  if (!broken.empty()) return "an event breaks its schema:" + broken;
  const auto& then = sc.at("then").as_object();
  if (then.contains("rejected")) {
    const auto rule = std::string(then.at("rejected").as_string());
    if (result) return "expected rejection '" + rule + "', got events:" + describe(*result);
    if (result.status().code() != Code::rule_violation || result.status().rule() != rule) {
      return "expected rejection '" + rule + "', got " + result.status().to_string();
    }
    return "";
  }
  if (then.contains("error")) {
    const auto code = std::string(then.at("error").as_string());
    if (result) return "expected error '" + code + "', got events:" + describe(*result);
    if (to_string(result.status().code()) != code)
      return "expected error '" + code + "', got " + result.status().to_string();
    if (then.contains("path")) {
      const auto path = std::string(then.at("path").as_string());
      bool found = false;
      for (const auto& v : result.status().violations()) found = found || v.path == path;
      if (!found) return "expected a violation at " + path + ", got " + result.status().to_string();
    }
    return "";
  }
  if (!result) return "expected events, got " + result.status().to_string();
  const auto& expected = then.at("events").as_array();
  if (expected.size() != result->size()) {
    return "expected " + std::to_string(expected.size()) + " events, got " + std::to_string(result->size()) + ":" +
           describe(*result);
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& e = expected[i].as_object();
    const auto& a = (*result)[i];
    if (e.contains("type") && e.at("type").as_string() != a.type) {
      return "event " + std::to_string(i + 1) + ": expected type " + std::string(e.at("type").as_string()) + ", got " +
             a.type;
    }
    if (e.contains("stream") && e.at("stream").as_string() != a.stream) {
      return "event " + std::to_string(i + 1) + ": expected stream " + std::string(e.at("stream").as_string()) +
             ", got " + a.stream;
    }
    std::string why;
    if (e.contains("data") && !subset(e.at("data"), boost::json::value(a.data), "", why)) {
      return "event " + std::to_string(i + 1) + " (" + a.type + ") data" + why;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ami_scenarios FILE.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream buf;
  buf << in.rdbuf();
  boost::json::value file;
  try {
    file = boost::json::parse(buf.str());
  } catch (const std::exception& e) {
    std::cerr << argv[1] << ": not JSON: " << e.what() << "\n";
    return 2;
  }
  const auto& o = file.as_object();
  const boost::json::array background = o.contains("background") ? o.at("background").as_array() : boost::json::array{};
  int passed = 0, failed = 0;
  for (const auto& sc : o.at("scenarios").as_array()) {
    const auto name = std::string(sc.as_object().at("name").as_string());
    std::string problem;
    try {
      problem = run_scenario(background, sc.as_object());
    } catch (const std::exception& e) {
      problem = std::string("the scenario is malformed: ") + e.what();
    }
    if (problem.empty()) {
      ++passed;
      std::cout << "ok     " << name << "\n";
    } else {
      ++failed;
      std::cout << "FAILED " << name << "\n    " << problem << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 && passed > 0 ? 0 : 1;
}
