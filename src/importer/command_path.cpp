// What both runners share: the 201 body, problem bodies both ways, and the schema check.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sijill/importer/runner.h"
#include "sijill/json/parse.h"
#include "sijill/processor/command.h"

namespace sijill::importer {

namespace {

// The violations of `body` against `spec`'s schema, as it stands.
std::vector<Violation> violations_of(const processor::CommandSpec& spec, const boost::json::object& body) {
  auto doc = json::parse(boost::json::serialize(body));
  if (!doc)
    return doc.status().violations().empty() ? std::vector<Violation>{{"", std::string(doc.status().message())}}
                                             : doc.status().violations();
  auto st = spec.schema->validate(*doc);
  return st ? std::vector<Violation>() : st.violations();
}

}  // namespace

Result<std::unique_ptr<CommandRunner>> open_runner(const WriterChoice& choice, std::string& notice) {
  const bool online = !choice.server.empty() && !choice.token.empty();
  if (choice.local.dir.empty()) {
    if (!online) return Status::invalid_argument("give --data DIR --as USER, or --server URL --token T");
    return std::unique_ptr<CommandRunner>(new ApiRunner(choice.server, choice.token));
  }
  auto local = LocalRunner::open(choice.local);
  if (local) return std::unique_ptr<CommandRunner>(std::move(local).value());
  if (!held_by_server(local.status())) return local.status();
  if (!online) {
    return Status::unavailable("a running server holds the data folder " + choice.local.dir.string() +
                               ": pass --server URL --token T to go through its API");
  }
  notice = "a running server holds the data folder " + choice.local.dir.string() + ": going through its API at " +
           choice.server;
  return std::unique_ptr<CommandRunner>(new ApiRunner(choice.server, choice.token));
}

boost::json::object CommandReply::to_json() const {
  boost::json::object o;
  o["position"] = position;
  boost::json::array list;
  for (const auto& e : events) {
    list.push_back(
        boost::json::object{{"position", e.position}, {"stream", e.stream}, {"version", e.version}, {"type", e.type}});
  }
  o["events"] = std::move(list);
  for (const auto& [k, v] : extras) o[k] = v;
  return o;
}

boost::json::object problem_json(const Status& status) { return processor::problem_document(status); }

Status status_from_problem(int http, std::string_view body) {
  const Code code = code_for_http_status(http);
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return Status(code, {},
                  "the server answered " + std::to_string(http) + (body.empty() ? "" : ": " + std::string(body)));
  }
  const auto& o = v.get_object();
  std::string rule;
  if (const auto* type = o.if_contains("type"); type != nullptr && type->is_string()) {
    std::string_view t = type->get_string();
    if (t.starts_with("/problems/")) t.remove_prefix(10);
    if (t != to_string(code)) rule = std::string(t);
  }
  std::string detail = "the server answered " + std::to_string(http);
  if (const auto* d = o.if_contains("detail"); d != nullptr && d->is_string()) detail = std::string(d->get_string());
  std::vector<Violation> violations;
  if (const auto* errors = o.if_contains("errors"); errors != nullptr && errors->is_array()) {
    for (const auto& e : errors->get_array()) {
      if (!e.is_object()) continue;
      const auto* path = e.get_object().if_contains("path");
      const auto* message = e.get_object().if_contains("message");
      violations.push_back({path && path->is_string() ? std::string(path->get_string()) : std::string(),
                            message && message->is_string() ? std::string(message->get_string()) : std::string()});
    }
  }
  return Status(code, std::move(rule), std::move(detail), std::move(violations));
}

Status validate_command(const processor::CommandSpec& spec, const boost::json::object& body) {
  if (!spec.schema) return Status::ok();
  auto violations = violations_of(spec, body);
  if (violations.empty()) return Status::ok();
  return Status::invalid_argument("the body does not match its schema", std::move(violations));
}

}  // namespace sijill::importer
