#include "sijill/domain/schemas.h"

#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "sijill/util/embedded.h"

namespace sijill::domain {

namespace {

constexpr std::string_view kCommands = "schemas/commands/";
constexpr std::string_view kEvents = "schemas/events/";
constexpr std::string_view kSuffix = ".json";

// "schemas/commands/OpenCall.json" -> "OpenCall" when `path` is directly in `folder`.
bool name_in(std::string_view path, std::string_view folder, std::string& name) {
  if (!path.starts_with(folder) || !path.ends_with(kSuffix)) return false;
  auto rest = path.substr(folder.size(), path.size() - folder.size() - kSuffix.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) return false;
  name = std::string(rest);
  return true;
}

// Events are written by the server, never by a client: they may be larger than a request body.
const json::Limits& event_limits() {
  static const json::Limits limits{.max_body_bytes = std::size_t{16} << 20,
                                   .max_depth = 64,
                                   .max_string_bytes = std::size_t{1} << 20,
                                   .max_array_elements = std::size_t{1} << 20,
                                   .max_object_members = std::size_t{1} << 16,
                                   .max_violations = 100};
  return limits;
}

}  // namespace

Status validate(const json::Schema& schema, const boost::json::object& data, const json::Limits& limits) {
  const std::string text = boost::json::serialize(data);
  auto document = json::parse(text, limits);
  if (!document) return document.status();
  return schema.validate(*document);
}

Result<CommandSchemas> CommandSchemas::compile(const std::map<std::string_view, std::string_view>& files) {
  CommandSchemas out;
  std::vector<Violation> faults;
  for (const auto& [path, text] : files) {
    std::string name;
    const bool command = name_in(path, kCommands, name);
    if (!command && !name_in(path, kEvents, name)) continue;
    auto schema = json::Schema::compile(text);
    if (!schema) {
      for (const auto& v : schema.status().violations()) faults.push_back({std::string(path) + v.path, v.message});
      if (schema.status().violations().empty())
        faults.push_back({std::string(path), std::string(schema.status().message())});
      continue;
    }
    (command ? out.commands_ : out.events_).emplace(std::move(name), std::move(*schema));
  }
  if (!faults.empty()) return Status::invalid_argument("a JSON Schema does not compile", std::move(faults));
  return out;
}

const CommandSchemas& CommandSchemas::embedded() {
  static const CommandSchemas schemas = [] {
    auto compiled = compile(embedded::files());
    if (!compiled) {
      std::string what = "the embedded JSON Schemas do not compile:";
      for (const auto& v : compiled.status().violations()) what += "\n  " + v.path + ": " + v.message;
      throw std::logic_error(what);
    }
    return std::move(*compiled);
  }();
  return schemas;
}

const json::Schema* CommandSchemas::command(std::string_view name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

const json::Schema* CommandSchemas::event(std::string_view type) const {
  auto it = events_.find(type);
  return it == events_.end() ? nullptr : &it->second;
}

std::vector<std::string> CommandSchemas::command_names() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : commands_) names.push_back(name);
  return names;
}

std::vector<std::string> CommandSchemas::event_types() const {
  std::vector<std::string> types;
  for (const auto& [type, _] : events_) types.push_back(type);
  return types;
}

Status CommandSchemas::validate_command(std::string_view name, const boost::json::object& data) const {
  const auto* schema = command(name);
  if (!schema) return Status::not_found("no schema for the command " + std::string(name));
  return validate(*schema, data);
}

Status CommandSchemas::validate_event(std::string_view type, const boost::json::object& data) const {
  const auto* schema = event(type);
  if (!schema) return Status::not_found("no schema for the event " + std::string(type));
  return validate(*schema, data, event_limits());
}

}  // namespace sijill::domain
