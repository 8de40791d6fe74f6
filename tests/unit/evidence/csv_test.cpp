// The pack's CSV files as a spreadsheet reads them: the byte order mark, ';', CRLF, quoting by
// libcsv, French and Arabic text intact, formula-like cells neutralised.
#include <catch2/catch.hpp>

#include <csv.h>

#include <string>
#include <vector>

#include "sijill/evidence/csv.h"
#include "sijill/evidence/tables.h"

using namespace sijill;
using evidence::CsvWriter;
using evidence::neutralise_cell;

namespace {

// Reads CSV bytes back with libcsv's parser (strict), ';' as the separator: rows of cells.
std::vector<std::vector<std::string>> parse(std::string_view bytes) {
  struct Reader {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    static void on_field(void* s, size_t n, void* data) {
      static_cast<Reader*>(data)->row.emplace_back(static_cast<const char*>(s), n);
    }
    static void on_row(int, void* data) {
      auto* r = static_cast<Reader*>(data);
      r->rows.push_back(std::move(r->row));
      r->row.clear();
    }
  } reader;
  csv_parser p;
  REQUIRE(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) == 0);
  csv_set_delim(&p, ';');
  REQUIRE(csv_parse(&p, bytes.data(), bytes.size(), Reader::on_field, Reader::on_row, &reader) == bytes.size());
  REQUIRE(csv_fini(&p, Reader::on_field, Reader::on_row, &reader) == 0);
  csv_free(&p);
  return reader.rows;
}

}  // namespace

TEST_CASE("a cell that a spreadsheet would run as a formula gets a leading apostrophe") {
  CHECK(neutralise_cell("=HYPERLINK(\"http://x\",\"clic\")") == "'=HYPERLINK(\"http://x\",\"clic\")");
  CHECK(neutralise_cell("+212 6 00 00 00 00") == "'+212 6 00 00 00 00");
  CHECK(neutralise_cell("-2+3") == "'-2+3");
  CHECK(neutralise_cell("@SUM(A1:A9)") == "'@SUM(A1:A9)");
  CHECK(neutralise_cell("\t=1+1") == "'\t=1+1");
  CHECK(neutralise_cell("\r=1+1") == "'\r=1+1");
}

TEST_CASE("other cells are left as they are") {
  CHECK(neutralise_cell("").empty());
  CHECK(neutralise_cell("a=b") == "a=b");
  CHECK(neutralise_cell("2026-07-02T09:15:03.123Z") == "2026-07-02T09:15:03.123Z");
  CHECK(neutralise_cell("78,25") == "78,25");
  CHECK(neutralise_cell(" =1") == " =1");
  CHECK(neutralise_cell("جمعية تامونت") == "جمعية تامونت");
  CHECK(neutralise_cell("'déjà cité") == "'déjà cité");
}

TEST_CASE("a CSV file starts with the UTF-8 byte order mark and ends every row with CRLF") {
  CsvWriter w({"application_id", "region"});
  w.row({"APP-0001", "Souss-Massa"});
  const auto& b = w.bytes();
  REQUIRE(b.size() > 3);
  CHECK(b.substr(0, 3) == "\xEF\xBB\xBF");
  CHECK(b.substr(3) == "\"application_id\";\"region\"\r\n\"APP-0001\";\"Souss-Massa\"\r\n");
  CHECK(w.rows() == 1);
}

TEST_CASE("separators, quotes and line breaks stay inside their cell") {
  CsvWriter w({"a", "b", "c"});
  const std::vector<std::string> cells = {"un ; deux", "il a dit \"oui\"", "ligne 1\r\nligne 2"};
  w.row(cells);
  w.row({"seul"});  // padded to the header's width
  auto rows = parse(std::string_view(w.bytes()).substr(3));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] == cells);
  CHECK(rows[2] == std::vector<std::string>{"seul", "", ""});
}

TEST_CASE("French and Arabic text comes back byte for byte") {
  const std::string fr = "Association des femmes de Tiznit : éducation, santé, développement — Drâa-Tafilalet";
  const std::string ar = "جمعية نساء تيزنيت للتنمية ؛ قرار اللجنة: مؤهلة";
  CsvWriter w({"fr", "ar", "les deux"});
  w.row({fr, ar, fr + " / " + ar});
  auto rows = parse(std::string_view(w.bytes()).substr(3));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1][0] == fr);
  CHECK(rows[1][1] == ar);
  CHECK(rows[1][2] == fr + " / " + ar);
}

TEST_CASE("neutralised cells read back with their apostrophe and nothing else changed") {
  CsvWriter w({"rationale"});
  w.row({"=cmd|' /C calc'!A0"});
  w.row({"-1"});
  w.row({"@here \"quoted\" ; separated"});
  auto rows = parse(std::string_view(w.bytes()).substr(3));
  REQUIRE(rows.size() == 4);
  CHECK(rows[1][0] == "'=cmd|' /C calc'!A0");
  CHECK(rows[2][0] == "'-1");
  CHECK(rows[3][0] == "'@here \"quoted\" ; separated");
}

TEST_CASE("points are written with a decimal comma") {
  CHECK(evidence::points_fr(312, 2) == "78,00");
  CHECK(evidence::points_fr(159) == "79,50");
  CHECK(evidence::points_fr(271, 3) == "45,17");
  CHECK(evidence::points_fr(0) == "0,00");
  CHECK(evidence::points_fr(1, 4) == "0,13");
}
