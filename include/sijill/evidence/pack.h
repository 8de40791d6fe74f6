// The auditor's evidence pack (docs/evidence-pack.md): a folder of files that shows what the
// register recorded and lets anyone check it without sijill.
//
//   events.jsonl       the records `from`..`to`, exactly as hashed, each with its hash (as
//                      `sijill log` prints them: store::Record::wire() and '\n')
//   applications.csv, evaluations.csv, decisions.csv, organisations.csv, ranking.csv
//                      the read model as of `to` (tables.h), for French Excel and LibreOffice
//   personal_data.csv  where sealed personal data sits in the events up to `to`, and whether
//                      it is still sealed or erased
//   report.html        the printable report (report.h)
//   verify_chain.py    the independent checker (tools/verify_chain.py, built into the binary)
//   README.txt         how to check the pack
//   manifest.json      counts per file, the range, the head, each file's SHA-256, the versions
//                      of the record format, the read model and the programme's rules, whether
//                      the export is recorded in the log
//   SHA256SUMS         every file's SHA-256 (manifest.json included), for `sha256sum -c`
//
// Personal data: the pack holds no key and no plaintext. Sealed values travel sealed, inside
// the hashed records of events.jsonl; the tables and the report name people by id only.
//
// Threads: write_pack() reads the store (any thread may, beside the writer) and the model it is
// given; it never writes to the store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/domain/module.h"
#include "sijill/projections/model.h"
#include "sijill/store/event_store.h"
#include "sijill/util/status.h"

namespace sijill::store {
class KeyStore;
}

namespace sijill::evidence {

inline constexpr int kPackVersion = 1;

// The records an export holds, inclusive. An empty log gives {1, 0}: no record.
struct Range {
  std::uint64_t from = 1;
  std::uint64_t to = 0;
  std::uint64_t count() const { return to >= from ? to - from + 1 : 0; }
};

// The range `from`..`to` (inclusive positions; absent: 1 and the head). invalid_argument, with
// the query parameter's pointer, when from is 0, when from > to, or when to is past `head`.
Result<Range> resolve_range(std::optional<std::uint64_t> from, std::optional<std::uint64_t> to, std::uint64_t head);

enum class Contents {
  full,         // every file listed above
  events_only,  // events.jsonl alone (GET /v1/audit/export?format=jsonl)
};

struct PackOptions {
  Range range;
  Contents contents = Contents::full;
  std::string export_id;                     // empty: a new random UUID
  std::string generated_at;                  // RFC 3339 UTC; empty: now
  std::string via;                           // how the pack was asked for: "command line" or "api"
  std::optional<domain::Actor> exported_by;  // who asked for it (the API's caller)
  // Whether an AuditExportRecorded event records this export (the server records it once the
  // pack is written, before sending it), and if not, why.
  bool recorded = false;
  std::string not_recorded_reason;
  // The key store, asked only whether a person's key still exists (sealed or erased); null
  // when there is none beside the log (every sealed value is then of unknown state).
  const store::KeyStore* keys = nullptr;
  std::function<void(std::uint64_t records)> progress;  // called now and then while scanning
};

struct PackFile {
  std::string name;
  std::string description;
  std::string sha256;  // hex
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> rows;  // records or data rows, for events.jsonl and the tables
};

struct PackResult {
  std::string export_id;
  std::string generated_at;
  Range range;
  std::string first_prev_hash;  // prev_hash of the record at range.from (64 zeros for position 1)
  std::string last_hash;        // the hash of the record at range.to
  store::Head head;             // the log's head when the pack was made
  std::vector<PackFile> files;  // in the order written; the manifest and SHA256SUMS last
  std::string events_sha256;
  std::string manifest_sha256;  // empty for events_only
  std::size_t sealed = 0, erased = 0, unknown = 0;
};

// Writes the pack into `dir`, which must exist and be empty. For Contents::full, `model` is the
// read model as of options.range.to (its position must be range.to); it may be null for
// events_only. Errors: invalid_argument for a range past the head or a model at another
// position; unavailable when a file cannot be written (naming it); the store's error when the
// log cannot be read; data_loss for a record that is not JSON.
Result<PackResult> write_pack(const store::EventStore& store, const projections::Model* model,
                              const PackOptions& options, const std::filesystem::path& dir);

// The manifest's text for `result` and `options` (what write_pack writes as manifest.json,
// with `result.files` as the files it lists). Exposed for the tests.
std::string manifest_json(const PackResult& result, const PackOptions& options, const projections::Model* model);

// SHA-256 of bytes, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// The independent checker as built into the binary (tools/verify_chain.py).
std::string_view embedded_checker();

// This build's version ("0.1.0").
std::string_view tool_version();

}  // namespace sijill::evidence
