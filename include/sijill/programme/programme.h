// One programme as the server runs it: its domain modules (access control, the AMI), the
// command specs the HTTP layer applies before the processor decides (schema, roles, personal
// data to seal), and the index the access policy reads to scope evaluators and coordinators.
//
// The index is fed by committed events only (EventStore::on_commit and the start-up replay),
// and is safe to read from any thread; the modules' own state belongs to the writer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/access/access.h"
#include "sijill/access/policy.h"
#include "sijill/domain/ami/module.h"
#include "sijill/processor/command_spec.h"
#include "sijill/processor/state_checkpoint.h"
#include "sijill/store/event_store.h"

namespace sijill::programme {

class Programme {
 public:
  // Compiles the command schemas (embedded in the binary). Fails only on a build defect.
  static Result<std::unique_ptr<Programme>> create();
  ~Programme();

  // The modules, for the processor (which feeds them the log at start).
  std::vector<domain::Module*> modules();
  // Every command's spec: access commands and AMI commands.
  const std::vector<processor::CommandSpec>& command_specs() const;

  access::AccessModule& access();
  const domain::ami::AmiModule& ami() const;

  // Builds the index from the log's events after position `after`, then keeps it current from
  // every commit, and answers the policy's questions from it. `after` is 0 (the whole log)
  // unless the index was loaded (load_index()) from a checkpoint at position `after`. Call once,
  // before the processor starts writing.
  Status attach(store::EventStore& store, access::Policy& policy, std::uint64_t after = 0);

  // The index as bytes, for a checkpoint of the processor's state (versioned, deterministic).
  std::string save_index() const;
  // Loads bytes of save_index() into the fresh index of a programme not yet attached. data_loss
  // for bytes that are damaged or of another format version; the index is then left empty.
  Status load_index(std::string_view bytes);

  // Index queries (any thread).
  std::optional<std::string> application_region(std::string_view application_id) const;
  // Assigned to the application and no conflict of interest declared for it.
  bool is_assigned(std::string_view evaluator, std::string_view application_id) const;
  // An evaluator sees the other evaluators' scores of an application (ScoreSubmitted,
  // ConsensusRecorded, ScoreFinalised) only once they have submitted their own.
  bool evaluator_may_see(const domain::Actor& actor, std::string_view stream, std::string_view type,
                         std::string_view record) const;
  std::optional<std::string> stream_region(std::string_view stream) const;
  // The applications whose DossierReceived or DocumentsAttached events cite the document with
  // this SHA-256, in id order; empty when none does.
  std::vector<std::string> applications_citing(std::string_view sha256) const;

 private:
  struct Impl;
  explicit Programme(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The AMI's command specs: schema, roles (admin may run every command), personal data.
Result<std::vector<processor::CommandSpec>> ami_command_specs();

// What a checkpoint of the processor's state holds for a server running `programme` with
// `modules` (its own modules and any other the processor is given, in the processor's order):
// one part per module, then "programme-index" (processor/state_checkpoint.h).
std::vector<processor::StatePart> checkpoint_parts(Programme& programme, const std::vector<domain::Module*>& modules);

}  // namespace sijill::programme
