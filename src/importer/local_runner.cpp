// LocalRunner: the API's command path on a stopped data folder (runner.h).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "sijill/access/access.h"
#include "sijill/access/policy.h"
#include "sijill/importer/runner.h"
#include "sijill/json/dom.h"
#include "sijill/json/parse.h"
#include "sijill/processor/processor.h"
#include "sijill/programme/programme.h"
#include "sijill/store/key_store.h"

namespace sijill::importer {

namespace {

Result<boost::json::object> record_data(const store::Record& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.bytes, ec);
  if (ec || !v.is_object()) return Status::data_loss("record " + std::to_string(r.position) + " is not JSON");
  const auto* data = v.get_object().if_contains("data");
  if (data == nullptr || !data->is_object())
    return Status::data_loss("record " + std::to_string(r.position) + " has no data");
  return data->get_object();
}

// The roles a user holds, from its UserRegistered event; nullopt for an unknown user.
Result<std::optional<std::vector<std::string>>> user_roles(const store::EventStore& store, const std::string& user) {
  auto records = store.read_stream("user/" + user, 1, 16);
  if (!records) return records.status();
  for (const auto& r : *records) {
    auto env = store::parse_envelope(r.bytes);
    if (!env || env->type != "UserRegistered") continue;
    auto data = record_data(r);
    if (!data) return data.status();
    std::vector<std::string> roles;
    if (const auto* list = data->if_contains("roles"); list != nullptr && list->is_array()) {
      for (const auto& role : list->get_array()) {
        if (role.is_string()) roles.emplace_back(role.get_string());
      }
    }
    return std::optional<std::vector<std::string>>(std::move(roles));
  }
  return std::optional<std::vector<std::string>>();
}

}  // namespace

struct LocalRunner::Impl {
  LocalOptions options;
  domain::Actor actor;
  bool system = false;  // the first admin's bootstrap runs as the system actor
  access::Policy policy;
  // Declaration order is destruction order reversed: the processor stops before the store goes.
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<store::KeyStore> keys;
  std::unique_ptr<programme::Programme> programme;
  std::unique_ptr<processor::Processor> processor;  // a writing runner
  std::unique_ptr<processor::DryRun> dry;           // a read-only runner: the dry runs' working copy

  ~Impl() {
    if (processor) processor->stop();
  }

  // The API's path up to the processor: the command's spec, the role, the body (JSON within the
  // API's limits, an object, the command's schema), personal data sealed (a dry run: a
  // stand-in, no key created), the spec's preparation (its extras into `extras`).
  Result<processor::CommandCall> call_of(const std::string& name, const std::string& body, const RunOptions& options,
                                         bool dry_run, boost::json::object& extras) {
    const processor::CommandSpec* spec = nullptr;
    for (const auto& s : programme->command_specs()) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr || (processor && !processor->knows(name))) {
      return Status::not_found("unknown command '" + name + "'");
    }
    if (system && name != "RegisterUser") {
      return Status::permission_denied("a folder with no user yet accepts only the first admin's RegisterUser");
    }
    if (!system && !policy.may_run(actor, *spec)) {
      return Status::permission_denied("the role " + actor.role + " may not run " + name);
    }
    auto doc = json::parse(body);
    if (!doc) return doc.status();
    boost::system::error_code ec;
    auto value = boost::json::parse(json::to_json(doc->root()), ec);
    if (ec || !value.is_object())
      return Status::invalid_argument("the body must be a JSON object", {{"", "must be an object"}});
    if (auto valid = validate_command(*spec, value.get_object()); !valid) return valid;

    processor::CommandCall call;
    call.name = name;
    call.body = body;
    call.data = std::move(value.get_object());
    call.actor = actor;
    call.idempotency_key = options.idempotency_key;
    call.if_match = options.if_match;
    call.correlation_id = options.correlation_id;
    if (spec->personal) {
      auto sealed = dry_run ? processor::stand_in_for_personal_data(*spec->personal, call.data)
                            : processor::seal_personal_data(*spec->personal, call.data, *keys);
      if (!sealed) return sealed;
    }
    if (spec->prepare) {
      auto prepared = spec->prepare(call.data);
      if (!prepared) return prepared.status();
      extras = std::move(prepared).value();
    }
    return call;
  }
};

LocalRunner::LocalRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalRunner::~LocalRunner() = default;

bool held_by_server(const Status& status) {
  return status.code() == Code::unavailable &&
         status.message().find("in use by another process") != std::string_view::npos;
}

Result<std::unique_ptr<LocalRunner>> LocalRunner::open(const LocalOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  store::StoreOptions o;
  o.dir = options.dir;
  o.read_only = options.read_only;
  o.create_if_missing = options.first_admin && !options.read_only;
  if (!o.create_if_missing && !std::filesystem::exists(o.dir / "log")) {
    return Status::not_found("no data folder at " + o.dir.string() + " (it holds no log)");
  }
  auto opened = store::EventStore::open(o);
  if (!opened) return opened.status();
  impl->store = std::move(opened).value();
  if (!options.read_only) {
    auto keys = store::KeyStore::open(o.dir / "keys");
    if (!keys) return keys.status();
    impl->keys = std::move(keys).value();
  }
  auto programme = programme::Programme::create();
  if (!programme) return programme.status();
  impl->programme = std::move(programme).value();
  if (options.read_only) {
    // The log fed to the modules, which then evolve with each dry run: nothing is written.
    if (auto st = processor::replay(*impl->store, impl->programme->modules()); !st) return st;
    impl->dry = std::make_unique<processor::DryRun>(*impl->store, impl->programme->modules());
  } else {
    // The processor feeds the log to the modules.
    impl->processor = std::make_unique<processor::Processor>(*impl->store, impl->programme->modules());
    if (auto st = impl->processor->start(); !st) return st;
  }

  if (options.first_admin) {
    if (impl->programme->access().user_count() > 0) {
      return Status::permission_denied("the data folder " + o.dir.string() +
                                       " has users already: act as one of them (--as USER --role ROLE)");
    }
    impl->actor = processor::kSystemActor;
    impl->system = true;
  } else {
    if (options.user.empty() || options.user == processor::kSystemActor.id) {
      return Status::permission_denied("give a registered user to act as (--as USER)");
    }
    auto roles = user_roles(*impl->store, options.user);
    if (!roles) return roles.status();
    if (!*roles) {
      return Status::permission_denied("no user '" + options.user + "' is registered in " + o.dir.string() +
                                       " (register it first: sijill command RegisterUser)");
    }
    const auto& held = **roles;
    if (std::find(held.begin(), held.end(), options.role) == held.end()) {
      std::string list;
      for (const auto& r : held) list += (list.empty() ? "" : ", ") + r;
      return Status::permission_denied("user '" + options.user + "' does not hold the role " + options.role +
                                       " (holds: " + list + ")");
    }
    if (options.role == domain::kRegionalCoordinator) {
      return Status::permission_denied(
          "a regional coordinator acts in one region: go through the API with their token");
    }
    impl->actor = domain::Actor{options.user, options.role, ""};
  }
  return std::unique_ptr<LocalRunner>(new LocalRunner(std::move(impl)));
}

const std::vector<processor::CommandSpec>& LocalRunner::specs() const { return impl_->programme->command_specs(); }
const store::EventStore& LocalRunner::store() const { return *impl_->store; }

Result<CommandReply> LocalRunner::run(const std::string& name, const std::string& body, const RunOptions& options) {
  auto& d = *impl_;
  if (d.options.read_only)
    return Status::unavailable("the data folder is open read-only (a dry run): nothing is written");
  CommandReply reply;
  auto call = d.call_of(name, body, options, false, reply.extras);
  if (!call) return call.status();
  auto outcome = d.processor->run(std::move(call).value());
  if (!outcome) return outcome.status();
  reply.position = outcome->position;
  reply.events = std::move(outcome->events);
  reply.replayed = outcome->replayed;
  if (reply.replayed) reply.extras.clear();  // shown once, as the API does
  return reply;
}

Result<DryRunReply> LocalRunner::dry_run(const std::string& name, const std::string& body, const RunOptions& options) {
  auto& d = *impl_;
  if (!d.dry) return Status::internal("a dry run needs the data folder opened read-only");
  boost::json::object extras;  // not shown: a dry run creates nothing (no token)
  auto call = d.call_of(name, body, options, true, extras);
  if (!call) return call.status();
  auto outcome = d.dry->decide(*call);
  if (!outcome) return outcome.status();
  DryRunReply reply;
  reply.events = std::move(outcome->events);
  reply.replayed = outcome->replayed;
  reply.first_events = std::move(outcome->first.events);
  return reply;
}

Result<boost::json::object> LocalRunner::event_data(std::string_view stream, std::uint64_t version) {
  auto records = impl_->store->read_stream(stream, version, 1);
  if (!records) return records.status();
  if (records->empty()) return Status::not_found("no event " + std::to_string(version) + " in " + std::string(stream));
  return record_data(records->front());
}

Result<bool> LocalRunner::has_stream(std::string_view stream) {
  if (impl_->dry) return impl_->dry->stream_version(stream) > 0;  // with what earlier dry runs would append
  return impl_->store->stream_version(stream) > 0;
}

Result<std::map<std::string, std::string>> LocalRunner::organisations() {
  return impl_->programme->ami().state().organisation_by_registration;
}

Result<std::vector<RecordedForm>> LocalRunner::recorded_forms(std::string_view call_id) {
  std::vector<RecordedForm> out;
  for (const auto& [id, app] : impl_->programme->ami().state().applications) {
    if (app.call_id != call_id) continue;
    for (const auto& form : app.forms) out.push_back({app.registration_number, form.received_at, id});
  }
  return out;
}

std::string LocalRunner::describe() const {
  const auto& d = *impl_;
  const std::string who =
      d.system ? std::string("the system (first admin)") : "user " + d.actor.id + " (" + d.actor.role + ")";
  return who + " on the data folder " + d.options.dir.string() + (d.options.read_only ? " (read-only)" : "");
}

}  // namespace sijill::importer
