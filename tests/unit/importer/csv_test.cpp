// Reading CSV exports with libcsv: the byte-order mark, quoted commas, quotes and line breaks,
// Arabic and French text kept byte for byte, the physical line of each record, and refusals.
#include "support.h"

using namespace sijill;
using namespace sijill::importer;

TEST_CASE("the byte-order mark is dropped and the header read as written") {
  auto t = read_csv("\xEF\xBB\xBFHorodateur,Nom de l'organisation\n14/05/2026 18:56:39,Association Al Amal\n");
  REQUIRE(t.is_ok());
  CHECK(t->header == std::vector<std::string>{"Horodateur", "Nom de l'organisation"});
  CHECK(t->header_line == 1);
  REQUIRE(t->records.size() == 1);
  CHECK(t->records[0].line == 2);
  CHECK(t->records[0].fields == std::vector<std::string>{"14/05/2026 18:56:39", "Association Al Amal"});
}

TEST_CASE("quoted fields hold commas, doubled quotes and line breaks; lines count the breaks") {
  const std::string text =
      "a,b,c\r\n"
      "\"Mise en réseau, formation\",\"2018 – Eau\n2019 – Jeunes\r\n2024 – AGR\",\"dire \"\"sortir\"\" de là\"\r\n"
      "x,y,z\r\n";
  auto t = read_csv(text);
  REQUIRE(t.is_ok());
  REQUIRE(t->records.size() == 2);
  CHECK(t->records[0].line == 2);
  CHECK(t->records[0].fields[0] == "Mise en réseau, formation");
  CHECK(t->records[0].fields[1] == "2018 – Eau\n2019 – Jeunes\r\n2024 – AGR");  // kept as written
  CHECK(t->records[0].fields[2] == "dire \"sortir\" de là");
  CHECK(t->records[1].line == 5);  // the first record spans lines 2 to 4
  CHECK(t->records[1].fields == std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("Arabic and French text is kept byte for byte") {
  const std::string arabic = "نريد تقوية قدرات الجمعية في التدبير المالي والبحث عن تمويلات بديلة";
  const std::string name = "جمعية تيليلي للمرأة القروية (Tiznit)";
  auto t = read_csv("motivation,nom\n" + arabic + ",\"" + name + "\"\n");
  REQUIRE(t.is_ok());
  CHECK(t->records[0].fields[0] == arabic);
  CHECK(t->records[0].fields[1] == name);
}

TEST_CASE("blank lines are skipped, and do not shift the line numbers") {
  auto t = read_csv("a,b\n\n1,2\r\n\r\n   \n3,4");
  REQUIRE(t.is_ok());
  REQUIRE(t->records.size() == 2);
  CHECK(t->records[0].line == 3);
  CHECK(t->records[1].line == 6);  // no final line break
  CHECK(t->records[1].fields == std::vector<std::string>{"3", "4"});
}

TEST_CASE("another delimiter, as KoboToolbox exports") {
  auto t = read_csv("code_osc;note\nOSC-1;\"3;4\"\n", {';'});
  REQUIRE(t.is_ok());
  CHECK(t->records[0].fields == std::vector<std::string>{"OSC-1", "3;4"});
}

TEST_CASE("a record with another number of fields is returned as it is") {
  auto t = read_csv("a,b,c\n1,2\n1,2,3,4\n");
  REQUIRE(t.is_ok());
  CHECK(t->records[0].fields.size() == 2);
  CHECK(t->records[1].fields.size() == 4);
}

TEST_CASE("malformed CSV is refused with its line") {
  SECTION("a quote inside an unquoted field") {
    auto t = read_csv("a,b\n1,2\nx,ab\"c\n");
    REQUIRE_FALSE(t.is_ok());
    CHECK(t.status().code() == Code::invalid_argument);
    CHECK_THAT(std::string(t.status().message()), Catch::Contains("line 3"));
  }
  SECTION("text after a closing quote") {
    auto t = read_csv("a,b\n\"x\"y,2\n");
    REQUIRE_FALSE(t.is_ok());
    CHECK_THAT(std::string(t.status().message()), Catch::Contains("line 2"));
  }
  SECTION("a quoted field never closed") {
    auto t = read_csv("a,b\n1,2\n3,\"open\nstill open\n");
    REQUIRE_FALSE(t.is_ok());
    CHECK_THAT(std::string(t.status().message()), Catch::Contains("starts on line 3"));
  }
  SECTION("not UTF-8 (a Windows-1252 export)") {
    auto t = read_csv("a,b\n1,2\nR\xE9seau,3\n");
    REQUIRE_FALSE(t.is_ok());
    CHECK_THAT(std::string(t.status().message()), Catch::Contains("line 3 is not UTF-8"));
  }
  SECTION("no header at all") {
    auto t = read_csv("\xEF\xBB\xBF\r\n\r\n");
    REQUIRE_FALSE(t.is_ok());
    CHECK_THAT(std::string(t.status().message()), Catch::Contains("no header"));
  }
}

TEST_CASE("the shipped Google Forms sample: 24 responses, each at its physical line") {
  auto t = test::sample_table();
  CHECK(t.header.size() == 17);
  CHECK(t.header.front() == "Horodateur");  // no BOM left in the first title
  CHECK(t.header.back() == "Documents complémentaires");
  REQUIRE(t.records.size() == 24);
  std::vector<std::size_t> lines;
  for (const auto& r : t.records) {
    CHECK(r.fields.size() == 17);
    lines.push_back(r.line);
  }
  CHECK(lines == std::vector<std::size_t>{2,  5,  7,  8,  11, 12, 14, 15, 19, 22, 25, 26,
                                          27, 29, 30, 32, 33, 35, 36, 40, 42, 46, 47, 50});
  const auto& first = t.records.front();
  CHECK(first.fields[12] ==
        "2018 – Accès à l’eau potable, budget 551 000 MAD\n2019 – Formation des jeunes, budget 123 000 MAD\n"
        "2024 – AGR féminine, budget 487 000 MAD");
  CHECK(test::record_at(t, 50).fields[2].empty());  // the required answer left empty
  CHECK(test::record_at(t, 5).fields[10] == "فاطمة الزهراء");
}
