#include "sijill/programme/programme.h"

#include <boost/json/parse.hpp>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>

#include <cereal/types/map.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>

#include "sijill/access/commands.h"
#include "sijill/domain/schemas.h"
#include "sijill/util/versioned_bytes.h"

namespace sijill::programme {

namespace {

// The format of save_index(): bump it whenever the index's members change.
constexpr std::uint32_t kIndexFormatVersion = 1;

}  // namespace

Result<std::vector<processor::CommandSpec>> ami_command_specs() {
  const auto& schemas = domain::CommandSchemas::embedded();
  const std::vector<std::string> officer = {std::string(domain::kProgrammeOfficer)};
  const std::vector<std::string> evaluator = {std::string(domain::kEvaluator)};
  std::vector<processor::CommandSpec> specs;
  domain::ami::AmiModule ami;
  for (const auto& name : ami.commands()) {
    processor::CommandSpec spec;
    spec.name = name;
    const auto* schema = schemas.command(name);
    if (!schema) return Status::internal("command " + name + " has no schema");
    spec.schema = *schema;
    spec.roles = name == "DeclareConflictOfInterest" || name == "SubmitScore" ? evaluator : officer;
    if (name == "RegisterContactPerson") {
      // Names, e-mails and phone numbers are sealed with the person's key before they are recorded.
      spec.personal = processor::PersonalData{"person/", "person_id", {"contact"}};
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

struct Programme::Impl {
  access::AccessModule access;
  domain::ami::AmiModule ami;
  std::vector<processor::CommandSpec> specs;

  mutable std::shared_mutex mu;                                            // guards the index below
  std::map<std::string, std::string, std::less<>> application_region;      // APP-0001 -> region
  std::map<std::string, std::string, std::less<>> organisation_region;     // OSC-0001 -> region
  std::map<std::string, std::string, std::less<>> person_organisation;     // P-0001 -> OSC-0001
  std::set<std::pair<std::string, std::string>, std::less<>> assignments;  // (evaluator, application)
  std::set<std::pair<std::string, std::string>, std::less<>> conflicts;    // declared a conflict
  std::set<std::pair<std::string, std::string>, std::less<>> scored;       // submitted a score
  std::map<std::string, std::set<std::string>, std::less<>> citing;        // document sha256 -> applications

  void index(const store::Record& r) {
    auto env = store::parse_envelope(r.bytes);
    if (!env) return;
    const auto& t = env->type;
    if (t != "DossierReceived" && t != "FormReceived" && t != "EvaluatorAssigned" && t != "OrganisationRegistered" &&
        t != "ContactPersonRegistered" && t != "ConflictOfInterestDeclared" && t != "ScoreSubmitted" &&
        t != "DocumentsAttached") {
      return;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(r.bytes, ec);
    if (ec || !v.is_object()) return;
    const auto* data = v.as_object().if_contains("data");
    if (!data || !data->is_object()) return;
    const auto& d = data->get_object();
    auto str = [&](const char* k) {
      const auto* x = d.if_contains(k);
      return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    std::unique_lock lock(mu);
    if (t == "DossierReceived" || t == "DocumentsAttached") {
      // The documents it cites by their digest (PUT /v1/documents) are read with the application.
      const auto* documents = d.if_contains("documents");
      if (documents && documents->is_array()) {
        for (const auto& doc : documents->get_array()) {
          const auto* sha = doc.is_object() ? doc.get_object().if_contains("sha256") : nullptr;
          if (sha && sha->is_string()) citing[std::string(sha->get_string())].insert(str("application_id"));
        }
      }
      if (t == "DocumentsAttached") return;
    }
    if (t == "DossierReceived" || t == "FormReceived") {
      application_region[str("application_id")] = str("region");
    } else if (t == "EvaluatorAssigned") {
      assignments.insert({str("evaluator_id"), str("application_id")});
    } else if (t == "ConflictOfInterestDeclared") {
      const auto* conflict = d.if_contains("conflict");
      if (conflict && conflict->is_bool() && conflict->get_bool())
        conflicts.insert({str("evaluator_id"), str("application_id")});
    } else if (t == "ScoreSubmitted") {
      scored.insert({str("evaluator_id"), str("application_id")});
    } else if (t == "OrganisationRegistered") {
      organisation_region[str("organisation_id")] = str("region");
    } else {
      person_organisation[str("person_id")] = str("organisation_id");
    }
  }
};

Programme::Programme(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Programme::~Programme() = default;

Result<std::unique_ptr<Programme>> Programme::create() {
  auto impl = std::make_unique<Impl>();
  auto access_specs = access::command_specs();
  if (!access_specs) return access_specs.status();
  auto ami_specs = ami_command_specs();
  if (!ami_specs) return ami_specs.status();
  impl->specs = std::move(access_specs).value();
  for (auto& s : *ami_specs) impl->specs.push_back(std::move(s));
  return std::unique_ptr<Programme>(new Programme(std::move(impl)));
}

std::vector<domain::Module*> Programme::modules() { return {&impl_->access, &impl_->ami}; }
const std::vector<processor::CommandSpec>& Programme::command_specs() const { return impl_->specs; }
access::AccessModule& Programme::access() { return impl_->access; }
const domain::ami::AmiModule& Programme::ami() const { return impl_->ami; }

Status Programme::attach(store::EventStore& store, access::Policy& policy, std::uint64_t after) {
  auto st = store.scan_log(
      after, ~std::uint64_t{0},
      [&](const store::Record& r) {
        impl_->index(r);
        return true;
      },
      store::EventStore::Scan::bulk);
  if (!st) return st;
  store.on_commit([impl = impl_.get()](const store::CommitNotice& n) {
    for (const auto& r : *n.records) impl->index(r);
  });
  policy.set_application_reader(
      [this](const domain::Actor& actor, std::string_view id) { return is_assigned(actor.id, id); });
  policy.set_stream_region([this](std::string_view stream) { return stream_region(stream); });
  policy.set_document_citations([this](std::string_view sha256) { return applications_citing(sha256); });
  policy.set_event_reader([this](const domain::Actor& actor, std::string_view stream, std::string_view type,
                                 std::string_view record) { return evaluator_may_see(actor, stream, type, record); });
  return Status::ok();
}

std::string Programme::save_index() const {
  std::shared_lock lock(impl_->mu);
  const auto& i = *impl_;
  return util::save_versioned(kIndexFormatVersion, [&](auto& archive) {
    archive(i.application_region, i.organisation_region, i.person_organisation, i.assignments, i.conflicts, i.scored,
            i.citing);
  });
}

Status Programme::load_index(std::string_view bytes) {
  Impl loaded;
  auto st = util::load_versioned(bytes, kIndexFormatVersion, "the programme index", [&](auto& archive) {
    archive(loaded.application_region, loaded.organisation_region, loaded.person_organisation, loaded.assignments,
            loaded.conflicts, loaded.scored, loaded.citing);
  });
  if (!st) return st;
  auto& i = *impl_;
  std::unique_lock lock(i.mu);
  i.application_region = std::move(loaded.application_region);
  i.organisation_region = std::move(loaded.organisation_region);
  i.person_organisation = std::move(loaded.person_organisation);
  i.assignments = std::move(loaded.assignments);
  i.conflicts = std::move(loaded.conflicts);
  i.scored = std::move(loaded.scored);
  i.citing = std::move(loaded.citing);
  return Status::ok();
}

std::vector<processor::StatePart> checkpoint_parts(Programme& programme, const std::vector<domain::Module*>& modules) {
  auto parts = processor::module_parts(modules);
  processor::StatePart index;
  index.name = "programme-index";
  index.save = [&programme]() -> std::optional<std::string> { return programme.save_index(); };
  index.load = [&programme](std::string_view bytes) { return programme.load_index(bytes); };
  parts.push_back(std::move(index));
  return parts;
}

std::optional<std::string> Programme::application_region(std::string_view application_id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->application_region.find(application_id);
  if (it == impl_->application_region.end()) return std::nullopt;
  return it->second;
}

bool Programme::is_assigned(std::string_view evaluator, std::string_view application_id) const {
  const std::pair<std::string, std::string> key(evaluator, application_id);
  std::shared_lock lock(impl_->mu);
  // A declared conflict of interest bars the evaluator from the application, reading included.
  return impl_->assignments.count(key) > 0 && impl_->conflicts.count(key) == 0;
}

bool Programme::evaluator_may_see(const domain::Actor& actor, std::string_view stream, std::string_view type,
                                  std::string_view record) const {
  // Scores, consensus and final scores reveal the other evaluators' marks.
  if (type != "ScoreSubmitted" && type != "ConsensusRecorded" && type != "ScoreFinalised") return true;
  constexpr std::string_view kApplication = "application/";
  if (!stream.starts_with(kApplication)) return true;
  {
    std::shared_lock lock(impl_->mu);
    if (impl_->scored.count(std::pair<std::string, std::string>(actor.id, stream.substr(kApplication.size()))))
      return true;
  }
  if (type != "ScoreSubmitted") return false;
  boost::system::error_code ec;
  auto v = boost::json::parse(record, ec);  // their own score, committed a moment ago
  if (ec || !v.is_object()) return false;
  const auto* data = v.as_object().if_contains("data");
  const auto* evaluator = data && data->is_object() ? data->get_object().if_contains("evaluator_id") : nullptr;
  return evaluator && evaluator->is_string() && evaluator->get_string() == actor.id;
}

std::vector<std::string> Programme::applications_citing(std::string_view sha256) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->citing.find(sha256);
  if (it == impl_->citing.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::optional<std::string> Programme::stream_region(std::string_view stream) const {
  const auto slash = stream.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto kind = stream.substr(0, slash);
  const auto id = stream.substr(slash + 1);
  std::shared_lock lock(impl_->mu);
  auto find = [](const auto& map, std::string_view key) -> std::optional<std::string> {
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
  };
  if (kind == "application") return find(impl_->application_region, id);
  if (kind == "organisation") return find(impl_->organisation_region, id);
  if (kind == "person") {
    auto org = find(impl_->person_organisation, id);
    return org ? find(impl_->organisation_region, *org) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sijill::programme
