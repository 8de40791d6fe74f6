#include "sijill/evidence/csv.h"

#include <csv.h>

#include <algorithm>

namespace sijill::evidence {

std::string neutralise_cell(std::string_view cell) {
  if (!cell.empty()) {
    switch (cell.front()) {
      case '=':
      case '+':
      case '-':
      case '@':
      case '\t':
      case '\r':
        return "'" + std::string(cell);
      default:
        break;
    }
  }
  return std::string(cell);
}

CsvWriter::CsvWriter(const std::vector<std::string>& header) : columns_(header.size()) {
  bytes_.append(kUtf8Bom);
  write_row(header);
}

void CsvWriter::row(const std::vector<std::string>& cells) {
  write_row(cells);
  ++rows_;
}

void CsvWriter::write_row(const std::vector<std::string>& cells) {
  const std::size_t n = std::max(cells.size(), columns_);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) bytes_.push_back(kCsvSeparator);
    const std::string text = i < cells.size() ? neutralise_cell(cells[i]) : std::string();
    // csv_write2 returns the size the quoted cell needs; a first call with no room measures it.
    const std::size_t need = csv_write2(nullptr, 0, text.data(), text.size(), CSV_QUOTE);
    const std::size_t at = bytes_.size();
    bytes_.resize(at + need);
    csv_write2(bytes_.data() + at, need, text.data(), text.size(), CSV_QUOTE);
  }
  bytes_.append("\r\n");
}

}  // namespace sijill::evidence
