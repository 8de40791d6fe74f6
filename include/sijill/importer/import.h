// Importing a form export: every row through the same checks and rules as the API, and a
// report that says what happened to each row (docs/import.md).
//
// For each row, in order of submission time (file order among equal times), so that a CSO's
// later submission supersedes its earlier one whatever the order of the file:
//   1. the row is planned (plan.h) and each of its commands checked against its schema; a row
//      that fails is refused and nothing of it is run;
//   2. RegisterOrganisation, unless an organisation with that registration number is
//      registered already (read from the register first, then kept up to date): that is
//      reported, and the row goes on with the organisation's id;
//   3. RegisterContactPerson, unless that person is registered already (looked up first; a
//      409 says the same): that is reported, and the row goes on;
//   4. ReceiveForm; the FormReceived event it appended is read back for the application id,
//      `late`, `supersedes` and `effective`.
// Every command carries the row's Idempotency-Key for that command, so a second import of the
// same file, by the same user, appends nothing: each command answers with its first result
// ("already imported"). As a safety net against a second import by another user (keys are
// scoped to the user), a form whose registration number and submission time are already
// recorded for the call is sent with If-Match "0" on its application: a repeat of the same
// user's import still answers with the first result, anything else is refused (412) and the
// row is reported as already recorded.
//
// A refusal of a command refuses the row (the report names the command, the problem type and
// each violation with its column); the import goes on with the next row. The import stops
// (ImportReport::stopped) when going on cannot help: storage unavailable (the outcome of the
// command in flight is unknown: import again, the keys make that safe), an unauthenticated or
// forbidden writer, or an internal error.
//
// Dry run: the same steps, each command decided by the runner's dry_run() instead of run():
// the rules are evaluated (late, superseding, the rules' refusals, idempotent repeats) and
// nothing is appended. A row that would be recorded is `valid`, with the application, `late`
// and `supersedes` it would get; one recorded already is `already_imported`; a refusal is
// reported as in a real import. On a stopped data folder later rows see what earlier rows
// would append (CommandRunner::dry_runs_chain()); through a server each command is decided
// against what is recorded, so the contact person and form of an organisation the dry run
// would register are not decided (the row is `valid`, with a note saying so).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/importer/csv.h"
#include "sijill/importer/plan.h"
#include "sijill/importer/runner.h"
#include "sijill/util/status.h"

namespace sijill::importer {

enum class RowOutcome {
  imported,          // recorded: a new application, or a new form of one
  superseding,       // recorded, and it supersedes an earlier form of the same application
  already_imported,  // nothing appended: this row (or the same form) is recorded already
  refused,           // nothing of the row's form recorded: see errors
  valid,             // dry run: the row would be recorded (the rules accept each of its commands)
  not_run,           // the import stopped before this row
};
std::string_view to_string(RowOutcome outcome);

struct RowReport {
  std::size_t line = 0;
  RowOutcome outcome = RowOutcome::not_run;
  std::string registration_number;
  std::string legal_name;
  std::string organisation_id;
  std::string person_id;
  std::string application_id;
  std::string submitted_at;        // the submission time as written in the file
  std::string received_at;         // the same instant in UTC (RFC 3339)
  std::optional<bool> late;        // from the FormReceived event
  std::optional<bool> supersedes;  // idem
  std::optional<bool> effective;   // idem: false for a late resubmission after an on-time form
  std::vector<std::string> notes;  // what else happened (organisation, contact person)
  std::string refused_by;          // the command that refused the row, or "mapping", "schema"
  std::string problem;             // the problem type of the refusal: "/problems/not_found"
  std::vector<FieldError> errors;  // why it was refused, by column and JSON Pointer
  std::size_t appended = 0;        // events this row appended
  std::size_t would_append = 0;    // dry run: events this row would append
};

struct ImportReport {
  std::string format = "google-forms";
  std::string call_id;
  std::string writer;  // CommandRunner::describe()
  bool dry_run = false;
  std::vector<RowReport> rows;    // in line order
  std::optional<Status> stopped;  // why the import stopped early, if it did

  std::size_t count(RowOutcome outcome) const;
  std::size_t appended() const;
  std::size_t would_append() const;
  // Every row imported or already there (a dry run: every row valid or already there), and no
  // early stop.
  bool all_in() const;
  // {"format", "call_id", "dry_run", "rows": [...], "summary": {...}, "stopped": problem|null}
  boost::json::object to_json() const;
  // One block per row and a one-line summary, for a person.
  std::string to_text() const;
};

struct ImportOptions {
  bool dry_run = false;
  std::string correlation_id;  // every event of the import carries it
  // Called after each row with (rows done, rows in all); may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
};

// Imports `records` (planned by `planner`) through `runner`. Returns the report, or a Status
// for what stops the import before any row: the call is not open (not_found), the register
// cannot be read (the runner's error).
Result<ImportReport> import_rows(const Planner& planner, const std::vector<CsvRecord>& records, CommandRunner& runner,
                                 const ImportOptions& options = {});

}  // namespace sijill::importer
