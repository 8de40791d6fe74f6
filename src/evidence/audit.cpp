#include "sijill/evidence/audit.h"
#include "sijill/util/versioned_bytes.h"

namespace sijill::evidence {

namespace {

constexpr std::string_view kSchema = R"schema({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Record an evidence export (RecordAuditExport)",
  "description": "Records that an auditor (or an admin) took an evidence export through the server: which records, at which head of the log, and the SHA-256 of what they were given. Run by the server itself for GET /v1/audit/export, once the pack is written and before it is sent; not offered at POST /v1/commands. The event AuditExportRecorded carries the same members, on the stream audit/exports.",
  "type": "object",
  "required": ["export_id", "format", "from", "to", "last_hash", "head_position", "head_hash", "events", "events_sha256"],
  "additionalProperties": false,
  "properties": {
    "export_id": {"description": "The export's id, a UUID, also in the pack's manifest.", "type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
    "format": {"description": "csv: the whole pack (a ZIP archive); jsonl: the events file alone.", "enum": ["csv", "jsonl"]},
    "from": {"description": "The first position exported (inclusive).", "type": "integer", "minimum": 1},
    "to": {"description": "The last position exported (inclusive); the tables and the report reflect the log as of it.", "type": "integer", "minimum": 0},
    "last_hash": {"description": "The hash of the record at `to` (64 zeros for an empty log).", "$ref": "#/$defs/sha256"},
    "head_position": {"description": "The log's head when the export was made.", "type": "integer", "minimum": 0},
    "head_hash": {"description": "The hash of the head record.", "$ref": "#/$defs/sha256"},
    "events": {"description": "How many records events.jsonl holds.", "type": "integer", "minimum": 0},
    "events_sha256": {"description": "SHA-256 of events.jsonl.", "$ref": "#/$defs/sha256"},
    "manifest_sha256": {"description": "SHA-256 of manifest.json (the whole pack only), which lists every other file's SHA-256.", "$ref": "#/$defs/sha256"}
  },
  "$defs": {
    "sha256": {"description": "64 lower-case hexadecimal digits.", "type": "string", "pattern": "^[0-9a-f]{64}$"}
  },
  "examples": [
    {"export_id": "6f1c2b9e-3d4a-4b8c-9e21-0a7d5c3b2f10", "format": "csv", "from": 1, "to": 4321,
     "last_hash": "9f2c8a1e0b7d6c5f4e3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e",
     "head_position": 4321, "head_hash": "9f2c8a1e0b7d6c5f4e3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e",
     "events": 4321, "events_sha256": "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
     "manifest_sha256": "5d41402abc4b2a76b9719d911017c592ae2d3f6a8f5c0b1e2d3c4b5a69788796"}
  ]
})schema";

// The format of save_state(): bump it whenever what is saved changes.
constexpr std::uint32_t kStateFormatVersion = 1;

std::uint64_t unsigned_of(const boost::json::object& data, std::string_view key) {
  const auto* v = data.if_contains(key);
  if (v == nullptr) return 0;
  if (auto n = v->if_int64()) return *n < 0 ? 0 : static_cast<std::uint64_t>(*n);
  if (auto u = v->if_uint64()) return *u;
  return 0;
}

}  // namespace

std::string_view record_export_schema() { return kSchema; }

Result<processor::CommandSpec> record_export_spec() {
  auto schema = json::Schema::compile(kSchema);
  if (!schema) {
    return Status::internal("the schema of RecordAuditExport does not compile: " + schema.status().to_string());
  }
  processor::CommandSpec spec;
  spec.name = std::string(kRecordAuditExport);
  spec.schema = std::move(schema).value();
  spec.roles = {std::string(domain::kAuditor)};
  return spec;
}

std::vector<std::string> AuditModule::commands() const { return {std::string(kRecordAuditExport)}; }

Result<domain::Decision> AuditModule::decide(std::string_view command, const boost::json::object& data,
                                             const domain::CommandContext& context) const {
  if (command != kRecordAuditExport) return Status::not_found("unknown command '" + std::string(command) + "'");
  const auto& role = context.actor.role;
  if (role != domain::kAuditor && role != domain::kAdmin) {
    return Status::permission_denied("evidence exports are taken by auditors and admins, not by the role " + role);
  }
  const auto to = unsigned_of(data, "to");
  const auto head = unsigned_of(data, "head_position");
  if (to > head || head > position_) {
    return Status::invalid_argument("the export ends past the log's head",
                                    {{"/to", "at most the head (" + std::to_string(position_) + ")"}});
  }
  domain::Decision d;
  d.target_stream = std::string(kAuditExportStream);
  d.events.push_back({d.target_stream, std::string(kAuditExportRecorded), data});
  return d;
}

void AuditModule::evolve(const domain::RecordedEvent& event) { position_ = event.position; }

std::optional<std::string> AuditModule::save_state() const {
  return util::save_versioned(kStateFormatVersion, [&](auto& archive) { archive(position_); });
}

Status AuditModule::load_state(std::string_view bytes) {
  std::uint64_t position = 0;
  auto st =
      util::load_versioned(bytes, kStateFormatVersion, "the audit state", [&](auto& archive) { archive(position); });
  if (!st) return st;
  position_ = position;
  return Status::ok();
}

}  // namespace sijill::evidence
