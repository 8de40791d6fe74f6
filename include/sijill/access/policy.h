// Who may read and write what (DOMAIN.md, "Who uses the register").
//
//   admin                 everything
//   programme_officer     reads everything; runs the commands that list its role
//   evaluator             reads only the applications assigned to them (asked of the AMI
//                         module through the application reader hook); runs evaluator commands
//   regional_coordinator  reads and writes only their region (the region of a stream is asked
//                         of the domain through the stream region hook)
//   auditor               reads everything, writes nothing (except audit export records)
//
// Until a hook is installed, evaluators and coordinators read nothing case-specific.
//
// Threads: install the hooks before serving; then every method may be called from any thread
// (the hooks themselves must be thread-safe).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/domain/module.h"
#include "sijill/processor/command_spec.h"

namespace sijill::access {

class Policy {
 public:
  // True when `actor` (an evaluator) may read the application `application_id`.
  using ApplicationReader = std::function<bool(const domain::Actor& actor, std::string_view application_id)>;
  // The region a stream belongs to ("Souss-Massa"), or nullopt when it has none.
  using StreamRegion = std::function<std::optional<std::string>(std::string_view stream)>;

  // Whether `actor` may see one event of a stream they may read (an evaluator does not see the
  // other evaluators' scores of an application before submitting their own). `record` is the
  // event as JSON (its record or wire bytes).
  using EventReader = std::function<bool(const domain::Actor& actor, std::string_view stream, std::string_view type,
                                         std::string_view record)>;

  // The applications whose committed events cite a document by its SHA-256 (DossierReceived,
  // DocumentsAttached); empty when none does.
  using DocumentCitations = std::function<std::vector<std::string>(std::string_view sha256)>;

  void set_application_reader(ApplicationReader reader) { application_reader_ = std::move(reader); }
  void set_document_citations(DocumentCitations citations) { document_citations_ = std::move(citations); }
  void set_event_reader(EventReader reader) { event_reader_ = std::move(reader); }
  void set_stream_region(StreamRegion region) { stream_region_ = std::move(region); }

  // The whole log (GET /v1/events, `events` subscriptions without a region filter): admin,
  // programme officer, auditor.
  bool may_read_log(const domain::Actor& actor) const;
  // One stream's events: the roles above; an evaluator for an application assigned to them;
  // a coordinator for a stream of their region.
  bool may_read_stream(const domain::Actor& actor, std::string_view stream) const;
  // The aggregates of one region (a dashboard, a ranking), or of the whole programme when
  // `region` is empty: admin, programme officer, auditor; a coordinator for their own region.
  // Evaluators read no aggregate (they see only the applications assigned to them).
  bool may_read_region(const domain::Actor& actor, std::string_view region) const;
  // One event of a stream the actor may read: true unless the event reader hook says otherwise
  // (it is asked for evaluators only).
  bool may_read_event(const domain::Actor& actor, std::string_view stream, std::string_view type,
                      std::string_view record) const;
  // The cascade funding (GET /v1/funds): admin, programme officer, auditor.
  bool may_read_funds(const domain::Actor& actor) const;
  // The chain check (GET /v1/audit/verify): admin, auditor.
  bool may_verify(const domain::Actor& actor) const;
  // GET /metrics: admin.
  bool may_read_metrics(const domain::Actor& actor) const;
  // Running a command: the command's roles (admin always). Auditors run only commands that
  // name the auditor role (audit export records).
  bool may_run(const domain::Actor& actor, const processor::CommandSpec& spec) const;

  // Storing a document (PUT /v1/documents): admin, programme officer.
  bool may_upload_document(const domain::Actor& actor) const;
  // Reading a stored document (GET /v1/documents/{sha256}) goes with the applications citing it:
  // admin, programme officer and auditor read every cited document; an evaluator one cited by
  // an application they may read (assigned, no conflict declared); a coordinator one cited by
  // an application of their region. A digest no application cites is not_cited for everyone.
  enum class DocumentAccess { not_cited, denied, allowed };
  DocumentAccess may_read_document(const domain::Actor& actor, std::string_view sha256) const;

  // The hook, for domain modules that answer it: can `actor` read application `id`?
  bool can_read_application(const domain::Actor& actor, std::string_view application_id) const;

 private:
  ApplicationReader application_reader_;
  EventReader event_reader_;
  StreamRegion stream_region_;
  DocumentCitations document_citations_;
};

}  // namespace sijill::access
