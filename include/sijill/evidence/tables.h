// The evidence pack's tables: what the read model holds as of the pack's last position, as CSV
// files for French Excel and LibreOffice (csv.h), and the register of personal data the exported
// events carry, sealed or erased, never in clear. Columns: docs/evidence-pack.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "sijill/projections/model.h"

namespace sijill::store {
class KeyStore;
}

namespace sijill::evidence {

// One CSV file of the pack.
struct CsvFile {
  std::string name;         // "applications.csv"
  std::string description;  // one line, for the manifest and README.txt
  std::string bytes;
  std::size_t rows = 0;  // data rows, the header not counted
};

// The tables of `model`, in this order: applications.csv (one row per application, with its
// scores and latest decision), evaluations.csv (one row per evaluator per round, each
// criterion's half points and justification), decisions.csv (one row per decision, with its
// position, hash, actor, rationale and rules version), organisations.csv, ranking.csv (per
// call and target region, best first). The decisions' data is read from the model's log
// (Model::case_data), whose failure is returned.
Result<std::vector<CsvFile>> model_tables(const projections::Model& model);

// A sealed value found in an event: the subject whose key seals it and where it sits.
struct SealedValue {
  std::uint64_t position = 0;
  std::string hash;
  std::string type;
  std::string stream;
  std::string subject;  // "person/P-0001"
  std::string pointer;  // the JSON Pointer of the value inside the event's data ("/contact")
};

// Appends every {"$sealed": {...}} object inside `data` (an event's data) to `out`, with its
// JSON Pointer under `pointer`.
void find_sealed(const boost::json::value& data, const std::string& pointer, std::uint64_t position,
                 std::string_view hash, std::string_view type, std::string_view stream, std::vector<SealedValue>& out);

// What the pack says of a sealed value: "sealed" while the person's key exists (the value
// stays sealed: the pack carries the ciphertext in events.jsonl and nothing else), "erased"
// once the key was destroyed (the person was forgotten), "unknown" without a key file (keys
// null).
std::string_view personal_data_state(std::string_view subject, const store::KeyStore* keys);

// personal_data.csv: one row per sealed value, with its state; never a key nor a plaintext.
CsvFile personal_data_table(const std::vector<SealedValue>& sealed, const store::KeyStore* keys);

// Points as French readers write them: half points / 2 with two decimals and a decimal comma,
// rounded half up ("78,25"). `denominator` must be positive.
std::string points_fr(std::int64_t half_points_numerator, std::int64_t denominator = 1);

// A line of detail on a decision for readers (the total of a score, the rank of a selection,
// the deadline of a notification), in French; empty when the rationale says it all. `data` is
// the decision's event data as recorded (CaseData::at).
std::string decision_detail(const projections::DecisionRecord& decision, const boost::json::value& data);

}  // namespace sijill::evidence
