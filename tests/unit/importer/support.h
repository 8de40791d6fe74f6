// Shared by the importer tests: the shipped sample and its mapping.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "sijill/importer/csv.h"
#include "sijill/importer/mapping.h"

namespace sijill::importer::test {

inline const std::string kDataDir = std::string(SIJILL_SOURCE_DIR) + "/tests/data/import/";
inline const std::string kSampleCsv = kDataDir + "google-forms-ami-sample.csv";
inline const std::string kSampleMapping = kDataDir + "google-forms-ami.mapping.json";

inline CsvTable sample_table() {
  auto t = read_csv_file(kSampleCsv);
  REQUIRE(t.is_ok());
  return std::move(t).value();
}

inline Mapping sample_mapping() {
  auto m = read_mapping_file(kSampleMapping);
  INFO(m.status().to_string());
  REQUIRE(m.is_ok());
  return std::move(m).value();
}

// The record of `table` that starts on `line`.
inline const CsvRecord& record_at(const CsvTable& table, std::size_t line) {
  for (const auto& r : table.records) {
    if (r.line == line) return r;
  }
  FAIL("no record starts on line " << line);
  throw std::logic_error("unreachable");
}

}  // namespace sijill::importer::test
