#include "sijill/access/policy.h"

namespace sijill::access {

namespace {

bool reads_everything(const domain::Actor& a) {
  return a.role == domain::kAdmin || a.role == domain::kProgrammeOfficer || a.role == domain::kAuditor;
}

}  // namespace

bool Policy::may_read_log(const domain::Actor& actor) const { return reads_everything(actor); }

bool Policy::may_read_funds(const domain::Actor& actor) const { return reads_everything(actor); }

bool Policy::may_read_stream(const domain::Actor& actor, std::string_view stream) const {
  if (reads_everything(actor)) return true;
  if (actor.role == domain::kEvaluator) {
    constexpr std::string_view kApplication = "application/";
    return stream.starts_with(kApplication) && can_read_application(actor, stream.substr(kApplication.size()));
  }
  if (actor.role == domain::kRegionalCoordinator) {
    if (!stream_region_ || actor.region.empty()) return false;
    auto region = stream_region_(stream);
    return region && *region == actor.region;
  }
  return false;
}

bool Policy::may_read_region(const domain::Actor& actor, std::string_view region) const {
  if (reads_everything(actor)) return true;
  return actor.role == domain::kRegionalCoordinator && !region.empty() && region == actor.region;
}

bool Policy::may_read_event(const domain::Actor& actor, std::string_view stream, std::string_view type,
                            std::string_view record) const {
  if (actor.role != domain::kEvaluator || !event_reader_) return true;
  return event_reader_(actor, stream, type, record);
}

bool Policy::may_verify(const domain::Actor& actor) const {
  return actor.role == domain::kAdmin || actor.role == domain::kAuditor;
}

bool Policy::may_read_metrics(const domain::Actor& actor) const { return actor.role == domain::kAdmin; }

bool Policy::may_run(const domain::Actor& actor, const processor::CommandSpec& spec) const {
  return processor::role_may_run(actor, spec);
}

bool Policy::may_upload_document(const domain::Actor& actor) const {
  return actor.role == domain::kAdmin || actor.role == domain::kProgrammeOfficer;
}

Policy::DocumentAccess Policy::may_read_document(const domain::Actor& actor, std::string_view sha256) const {
  const auto citing = document_citations_ ? document_citations_(sha256) : std::vector<std::string>();
  if (citing.empty()) return DocumentAccess::not_cited;
  if (reads_everything(actor)) return DocumentAccess::allowed;
  for (const auto& application : citing) {
    if (actor.role == domain::kEvaluator && can_read_application(actor, application)) return DocumentAccess::allowed;
    if (actor.role == domain::kRegionalCoordinator && may_read_stream(actor, "application/" + application)) {
      return DocumentAccess::allowed;
    }
  }
  return DocumentAccess::denied;
}

bool Policy::can_read_application(const domain::Actor& actor, std::string_view application_id) const {
  if (reads_everything(actor)) return true;
  return application_reader_ && application_reader_(actor, application_id);
}

}  // namespace sijill::access
