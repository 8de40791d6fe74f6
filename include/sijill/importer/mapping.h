// The mapping file: which column of a form export is which field of the register
// (docs/import.md, "The mapping file").
//
// A mapping is JSON, checked against its own JSON Schema (every member documented, nothing
// else accepted), then read into a Mapping. It says, for one form:
//   - the submission time column, its format and the zone it was written in;
//   - the organisation's fields (RegisterOrganisation): legal name, legal form, registration
//     number, date and authority, region, province, fields of work (domains);
//   - the contact person's fields (RegisterContactPerson): name, e-mail, phone, role. These
//     are personal data: they travel in clear only to the command path, which seals them;
//   - the form's answers (ReceiveForm's `answers`), each under a key;
//   - the columns deliberately left out (`ignore`).
// Every column of the file must be used or ignored, and every column named must be in the
// file exactly once (check_columns()): a form that gained, lost or renamed a question is
// stopped before anything is imported, rather than half-read.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/util/status.h"

namespace sijill::importer {

// Where one value comes from: a column of the row, or a fixed value for every row.
struct FieldSource {
  std::string column;                         // the column title; empty when `value` is given
  std::optional<std::string> value;           // a fixed value (the form does not ask it)
  bool required = true;                       // an empty cell refuses the row
  std::string format;                         // dates: "DD/MM/YYYY" or "YYYY-MM-DD"
  std::string split;                          // lists: the separator of a checkbox answer (", ")
  std::map<std::string, std::string> values;  // a cell as written -> the value the register takes

  bool mapped() const { return !column.empty() || value.has_value(); }
};

// The type of a form answer in ReceiveForm's `answers`.
enum class AnswerType {
  text,     // the cell as written (null when empty)
  integer,  // a whole number, e.g. years of experience
  list,     // a checkbox answer split on `split` into a list of text
};

struct Answer {
  std::string key;  // the member of `answers` ("motivation")
  FieldSource source;
  AnswerType type = AnswerType::text;
};

struct OrganisationFields {
  FieldSource legal_name, legal_form, registration_number, registration_date, registration_authority;
  FieldSource region, province, domains;
};

struct ContactFields {
  FieldSource name, email, phone, role;
};

struct Mapping {
  std::string format = "google-forms";  // what the file is: only "google-forms" for now
  char delimiter = ',';
  // The submission time ("Horodateur"): a local time in `zone`, in `format`:
  // "DD/MM/YYYY HH:MM:SS", "DD/MM/YYYY HH:MM", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS".
  FieldSource submitted_at;
  std::string zone = "Africa/Casablanca";
  OrganisationFields organisation;
  std::optional<ContactFields> contact_person;  // none: the form names nobody
  std::vector<Answer> answers;
  std::vector<std::string> ignore;  // columns deliberately not imported
};

// Reads a mapping from its JSON text. Returns invalid_argument listing every problem with its
// JSON Pointer into the mapping (the mapping's schema; a format that is not supported; a
// fixed value for a field that must come from the file; two answers under one key).
Result<Mapping> parse_mapping(std::string_view json_text);

// Reads the file, then parse_mapping(). not_found when it cannot be opened.
Result<Mapping> read_mapping_file(const std::filesystem::path& path);

// Checks the mapping against a file's header. Returns invalid_argument listing every column
// the mapping names that the header lacks or holds twice, and every column of the header
// that the mapping neither uses nor ignores.
Status check_columns(const Mapping& mapping, const std::vector<std::string>& header);

// The JSON Schema of the mapping file (draft 2020-12), for the documentation and the tests.
std::string_view mapping_schema();

}  // namespace sijill::importer
