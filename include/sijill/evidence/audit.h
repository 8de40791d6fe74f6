// Exports through the server are recorded in the log: who took which records, at which head,
// and the digest of what they were given (docs/evidence-pack.md).
//
//   RecordAuditExport {export_id, format, from, to, last_hash, head_position, head_hash,
//                      events, events_sha256, manifest_sha256?}
//     -> AuditExportRecorded (the same members) on the stream audit/exports
//
// The server runs the command itself, on behalf of the auditor (or admin) calling
// GET /v1/audit/export, once the pack is written and before it is sent; it is not offered at
// POST /v1/commands (a client could otherwise record an export that never happened). The
// command line's export of a copy appends nothing.
//
// AuditModule is a domain::Module (pure): it decides RecordAuditExport for auditors and admins
// (others: permission_denied) and refuses an export that ends past the log it has seen
// (invalid_argument). decide() and evolve() run on the processor's writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/domain/module.h"
#include "sijill/processor/command_spec.h"
#include "sijill/util/status.h"

namespace sijill::evidence {

inline constexpr std::string_view kRecordAuditExport = "RecordAuditExport";
inline constexpr std::string_view kAuditExportRecorded = "AuditExportRecorded";
inline constexpr std::string_view kAuditExportStream = "audit/exports";

// The command's spec: its JSON Schema (compiled once, here) and its role (auditor; admin
// always). Fails only if the embedded schema does not compile (a bug).
Result<processor::CommandSpec> record_export_spec();

// The JSON Schema text of the command's data (also the event's data).
std::string_view record_export_schema();

class AuditModule final : public domain::Module {
 public:
  std::vector<std::string> commands() const override;
  Result<domain::Decision> decide(std::string_view command, const boost::json::object& data,
                                  const domain::CommandContext& context) const override;
  void evolve(const domain::RecordedEvent& event) override;
  // The position of the last event seen, versioned.
  std::optional<std::string> save_state() const override;
  Status load_state(std::string_view bytes) override;

 private:
  std::uint64_t position_ = 0;  // the last event seen
};

}  // namespace sijill::evidence
