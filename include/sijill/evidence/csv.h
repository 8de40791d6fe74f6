// CSV files that French Excel and LibreOffice open as they are, by double-click (the evidence
// pack's tables, docs/evidence-pack.md):
//   - UTF-8 with a byte order mark (EF BB BF), so that Excel does not read the bytes as
//     Windows-1252 and French accents and Arabic stay intact;
//   - ';' between cells (the list separator of a French locale; ',' is the decimal comma);
//   - CRLF after every row, the header included;
//   - every cell quoted by libcsv's writer (csv_write2): quotes doubled, separators and line
//     breaks inside a cell kept inside its quotes;
//   - formula injection neutralised: a cell that begins with '=', '+', '-', '@', a tab or a
//     carriage return gets a leading apostrophe (neutralise_cell), so a spreadsheet shows the
//     text instead of evaluating it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sijill::evidence {

// The UTF-8 byte order mark every CSV file of the pack starts with.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
inline constexpr char kCsvSeparator = ';';

// `cell` with an apostrophe in front when a spreadsheet would read it as a formula: when it
// begins with '=', '+', '-', '@', '\t' or '\r'. Any other text is returned as it is.
std::string neutralise_cell(std::string_view cell);

// Writes one table in memory. Not thread-safe; one writer per file.
class CsvWriter {
 public:
  // Starts the file: the byte order mark and the header row.
  explicit CsvWriter(const std::vector<std::string>& header);

  // Appends one row. Each cell is neutralised (neutralise_cell), then quoted by libcsv. A row
  // with fewer cells than the header is padded with empty cells; extra cells are kept.
  void row(const std::vector<std::string>& cells);

  // The file's bytes so far.
  const std::string& bytes() const { return bytes_; }
  // Data rows written (the header not counted).
  std::size_t rows() const { return rows_; }

 private:
  void write_row(const std::vector<std::string>& cells);

  std::size_t columns_ = 0;
  std::size_t rows_ = 0;
  std::string bytes_;
};

}  // namespace sijill::evidence
