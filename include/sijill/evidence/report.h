// report.html: the printable report of the evidence pack. One self-contained HTML file (no
// script, no external resource: its CSS and the EU emblem are inline) that a browser prints
// on A4 (landscape): the programme's state (calls, targets against actual figures, the pipeline, the
// selection per region) and the decision trail of every application (each decision in order
// with who, when in UTC and in Africa/Casablanca local time, why, the rules version, its
// position and its hash), under the EU visibility line. It reflects the read model at the
// pack's last position. Every text that comes from the log is escaped (html_escape).
#pragma once

#include <cstdint>
#include <string>

#include "sijill/projections/model.h"

namespace sijill::evidence {

// What the report says about the pack it belongs to.
struct ReportContext {
  std::string export_id;
  std::string generated_at;  // RFC 3339 UTC
  std::uint64_t from = 1;    // the events exported, inclusive
  std::uint64_t to = 0;
  std::string last_hash;            // the hash of the record at `to`
  std::uint64_t head_position = 0;  // the log's head when the pack was made
  std::string head_hash;
  std::string exported_by;  // "u-auditor (auditor)"; empty for a copy made on the command line
  bool recorded = false;    // an AuditExportRecorded event records this export
  std::string not_recorded_reason;
  std::size_t sealed = 0;   // personal values in the events up to `to`, still sealed
  std::size_t erased = 0;   // and erased (their person's key destroyed)
  std::size_t unknown = 0;  // and of unknown state (no key file)
};

Result<std::string> report_html(const projections::Model& model, const ReportContext& context);

}  // namespace sijill::evidence
