// Reading a CSV export (a Google Forms or KoboToolbox download) into records, with libcsv.
//
// The text is taken as the export wrote it: a UTF-8 byte-order mark at the very start is
// dropped; quoted fields may hold the delimiter, doubled quotes ("") and line breaks; field
// bytes are kept as they are (French and Arabic text, CRLF inside a quoted answer), only the
// quotes around a quoted field and the spaces and tabs around an unquoted one are removed
// (libcsv's defaults). Lines with nothing on them are skipped.
//
// Each record carries the physical line it starts on, counted from 1 in line feeds of the file
// as it is on disk (the BOM and the header's line included), so that a report can point at
// the line a person sees in an editor even when earlier answers span several lines.
//
// Threads: the functions are re-entrant; nothing is shared.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sijill/util/status.h"

namespace sijill::importer {

struct CsvOptions {
  char delimiter = ',';  // Google Forms: ','; KoboToolbox's default export: ';'
};

// One record of the file, after the header.
struct CsvRecord {
  std::size_t line = 0;             // the physical line (from 1) where the record starts
  std::vector<std::string> fields;  // in column order; may be fewer or more than the header's
};

struct CsvTable {
  std::vector<std::string> header;  // the first record: the column titles, as written
  std::size_t header_line = 0;      // its line (1, unless blank lines precede it)
  std::vector<CsvRecord> records;   // every later record, in file order
};

// Reads `text` (the whole file). Returns the table, or invalid_argument whose message names
// the line:
//   - text that is not UTF-8 (the first line holding an invalid byte sequence; export the
//     file as UTF-8);
//   - malformed CSV (libcsv's strict mode): a quote inside an unquoted field, text after the
//     closing quote of a field, a quoted field still open at the end of the file;
//   - no record at all (no header).
// A record with another number of fields than the header is returned as it is: the caller
// reports it against its line.
Result<CsvTable> read_csv(std::string_view text, const CsvOptions& options = {});

// Reads the file at `path` and then read_csv(). Fails with not_found when the file cannot be
// opened, unavailable when it cannot be read, or as read_csv().
Result<CsvTable> read_csv_file(const std::filesystem::path& path, const CsvOptions& options = {});

// Reads a whole file into memory. not_found when it cannot be opened, unavailable on a read
// error.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace sijill::importer
