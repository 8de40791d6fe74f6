#include "sijill/processor/command_spec.h"

#include <algorithm>

namespace sijill::processor {

bool role_may_run(const domain::Actor& actor, const CommandSpec& spec) {
  if (actor.role == domain::kAdmin) return true;
  return std::find(spec.roles.begin(), spec.roles.end(), actor.role) != spec.roles.end();
}

Status seal_personal_data(const PersonalData& personal, boost::json::object& data, store::KeyStore& keys) {
  const auto* id = data.if_contains(personal.subject_member);
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return Status::invalid_argument("the body names no person",
                                    {{"/" + personal.subject_member, "required: the person's id"}});
  }
  const std::string subject = personal.subject_prefix + std::string(id->get_string());
  for (const auto& member : personal.members) {
    auto* value = data.if_contains(member);
    if (value == nullptr || value->is_null()) continue;
    auto sealed = keys.seal(subject, *value);
    if (!sealed) return sealed.status();
    *value = std::move(sealed).value();
  }
  return Status::ok();
}

Status stand_in_for_personal_data(const PersonalData& personal, boost::json::object& data) {
  const auto* id = data.if_contains(personal.subject_member);
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return Status::invalid_argument("the body names no person",
                                    {{"/" + personal.subject_member, "required: the person's id"}});
  }
  const std::string subject = personal.subject_prefix + std::string(id->get_string());
  for (const auto& member : personal.members) {
    auto* value = data.if_contains(member);
    if (value == nullptr || value->is_null()) continue;
    *value = boost::json::object{{"$sealed", boost::json::object{{"v", 1}, {"subject", subject}, {"dry_run", true}}}};
  }
  return Status::ok();
}

}  // namespace sijill::processor
