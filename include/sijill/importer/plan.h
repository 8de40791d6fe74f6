// One row of a form export turned into the commands that record it (docs/import.md).
//
// A row of a Google Forms export becomes, in this order:
//   RegisterOrganisation   the CSO, when its registration number is not registered yet;
//   RegisterContactPerson  the person who answered for it (personal data, in clear here: the
//                          command path seals it before anything is recorded);
//   ReceiveForm            the online-form part of its application, received_at = the row's
//                          submission time resolved in the mapping's zone.
// Ids are derived, so that the same row always gives the same commands:
//   organisation  "OSC-" + the first 8 hex digits of SHA-256(registration number as written)
//   person        "PER-" + the first 8 hex digits of SHA-256("contact-person:" + registration
//                 number): one contact person per organisation, from its first form
// and every command carries an Idempotency-Key derived from the row's content and the command
// (idempotency_key_for()), so that importing the same file again appends nothing.
//
// Planning is pure: it reads the mapping and the row, never the register. It refuses a row
// (RowPlan::errors, each naming its column and the JSON Pointer of the command member) when a
// required answer is empty, a time or date does not parse or does not exist (or is ambiguous)
// in the zone, a region is not one of Morocco's 12, a number is not a whole number, or the row
// has another number of fields than the header. The commands' schemas and the domain rules are
// checked later, by the command path.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "sijill/importer/csv.h"
#include "sijill/importer/mapping.h"
#include "sijill/time/instant.h"
#include "sijill/time/zone.h"
#include "sijill/util/status.h"

namespace sijill::importer {

// Why a row, or one of its values, is refused.
struct FieldError {
  std::string column;   // the file's column, when the problem is in one cell
  std::string path;     // the JSON Pointer of the command member, when there is one
  std::string message;  // what is wrong, for a person
};

struct PlannedCommand {
  std::string name;             // "RegisterOrganisation"
  boost::json::object body;     // the command's data (personal data in clear)
  std::string idempotency_key;  // see idempotency_key_for()
  // Which column each member came from, by JSON Pointer ("/registration/number" -> "Numéro
  // du récépissé de dépôt"), so that a refusal can name the column.
  std::map<std::string, std::string> columns;

  // The column of the member at `pointer`, or of its nearest parent that has one; empty when
  // the member came from no column.
  std::string column_of(std::string_view pointer) const;
};

struct RowPlan {
  std::size_t line = 0;             // the physical line where the row starts
  std::vector<FieldError> errors;   // not empty: the row is refused; nothing below is usable
  std::string registration_number;  // as written (trimmed)
  std::string organisation_id;      // organisation_id_for(registration_number)
  std::string person_id;            // empty without a contact person in the mapping
  std::string legal_name;
  time::Instant received_at{};  // the submission time, UTC
  std::string submitted_local;  // the submission time as written in the file
  PlannedCommand register_organisation;
  std::optional<PlannedCommand> register_contact_person;
  PlannedCommand receive_form;

  bool ok() const { return errors.empty(); }
};

// "OSC-" + the first 8 hex digits of SHA-256 of the registration number's UTF-8 bytes.
std::string organisation_id_for(std::string_view registration_number);
// "PER-" + the first 8 hex digits of SHA-256("contact-person:" + registration number).
std::string person_id_for(std::string_view registration_number);

// The Idempotency-Key of `command` for one row: "import-" + 40 hex digits of the SHA-256 of the
// compact JSON text ["sijill-import", format, call id, command, [[column, cell], ...]] (cells as
// read, in the header's order). The same row always gives the same key; any change to a cell,
// the call or the command gives another. It holds no personal data in clear.
std::string idempotency_key_for(std::string_view format, std::string_view call_id, std::string_view command,
                                const std::vector<std::string>& header, const std::vector<std::string>& fields);

// Turns rows into plans. Immutable once created; plan() may be called from several threads.
class Planner {
 public:
  // Checks the mapping against the header (check_columns()) and locates the mapping's zone.
  // Errors: invalid_argument (columns; a call id that is not a valid id), not_found (no such
  // zone), unavailable (zone data unreadable).
  static Result<Planner> create(Mapping mapping, std::vector<std::string> header, std::string call_id);

  RowPlan plan(const CsvRecord& record) const;

  const Mapping& mapping() const { return mapping_; }
  const std::vector<std::string>& header() const { return header_; }
  const std::string& call_id() const { return call_id_; }

 private:
  Planner(Mapping mapping, std::vector<std::string> header, std::string call_id, time::Zone zone);
  Mapping mapping_;
  std::vector<std::string> header_;
  std::string call_id_;
  time::Zone zone_;
  std::map<std::string, std::size_t, std::less<>> index_;  // column -> position
};

}  // namespace sijill::importer
