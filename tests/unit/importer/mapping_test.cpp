// The mapping file: its schema, what it says, and its fit with a file's columns.
#include "support.h"

using namespace sijill;
using namespace sijill::importer;

namespace {

std::vector<std::string> paths(const Status& st) {
  std::vector<std::string> out;
  for (const auto& v : st.violations()) out.push_back(v.path);
  return out;
}

const std::string kMinimal = R"({
  "format": "google-forms",
  "submitted_at": {"column": "Horodateur", "format": "DD/MM/YYYY HH:MM:SS"},
  "organisation": {
    "legal_name": {"column": "Nom"},
    "registration_number": {"column": "Numéro"},
    "registration_date": {"column": "Date", "format": "DD/MM/YYYY"},
    "registration_authority": {"value": "Non indiquée"},
    "region": {"column": "Région", "values": {"Oriental": "L'Oriental"}}
  }
})";

}  // namespace

TEST_CASE("the shipped sample mapping reads as the AMI form") {
  auto m = test::sample_mapping();
  CHECK(m.format == "google-forms");
  CHECK(m.delimiter == ',');
  CHECK(m.zone == "Africa/Casablanca");
  CHECK(m.submitted_at.column == "Horodateur");
  CHECK(m.submitted_at.format == "DD/MM/YYYY HH:MM:SS");
  CHECK(m.organisation.registration_number.column == "Numéro du récépissé de dépôt");
  CHECK(m.organisation.registration_authority.value ==
        std::optional<std::string>("Non indiquée dans le formulaire en ligne"));
  CHECK(m.organisation.domains.split == ", ");
  REQUIRE(m.contact_person);
  CHECK(m.contact_person->email.column == "Adresse e-mail");
  CHECK_FALSE(m.contact_person->phone.required);
  CHECK(m.answers.size() == 13);
  CHECK(m.answers[7].type == AnswerType::integer);
  CHECK(m.answers[6].type == AnswerType::list);
  CHECK_FALSE(m.answers.back().source.required);
  CHECK(check_columns(m, test::sample_table().header).is_ok());
}

TEST_CASE("a minimal mapping: defaults") {
  auto m = parse_mapping(kMinimal);
  REQUIRE(m.is_ok());
  CHECK(m->zone == "Africa/Casablanca");
  CHECK_FALSE(m->contact_person);
  CHECK(m->organisation.legal_name.required);  // a named cell is required unless said otherwise
  CHECK_FALSE(m->organisation.province.mapped());
  CHECK(m->organisation.region.values.at("Oriental") == "L'Oriental");
}

TEST_CASE("a mapping that breaks its schema is refused at each JSON Pointer") {
  auto m = parse_mapping(R"({
    "format": "kobo",
    "submitted_at": {"column": "Horodateur", "format": "MM/DD/YYYY"},
    "organisation": {"legal_name": {"column": "Nom", "value": "x"}, "registration_number": {"column": "N"},
                     "registration_date": {"column": "D", "format": "DD/MM/YYYY"}, "registration_authority": {"value": "a"},
                     "region": {"colum": "R"}},
    "extra": 1
  })");
  REQUIRE_FALSE(m.is_ok());
  CHECK(m.status().code() == Code::invalid_argument);
  const auto p = paths(m.status());
  for (const char* expected :
       {"/format", "/submitted_at/format", "/organisation/legal_name", "/organisation/region/colum", "/extra"}) {
    INFO(expected);
    CHECK(std::find(p.begin(), p.end(), expected) != p.end());
  }
}

TEST_CASE("a mapping must take what identifies and what is personal from the file") {
  SECTION("the registration number is not a fixed value") {
    std::string text = kMinimal;
    text.replace(text.find(R"({"column": "Numéro"})"), std::string(R"({"column": "Numéro"})").size(),
                 R"({"value": "1/2020"})");
    auto m = parse_mapping(text);
    REQUIRE_FALSE(m.is_ok());
    CHECK(paths(m.status()) == std::vector<std::string>{"/organisation/registration_number"});
  }
  SECTION("personal data is not a fixed value") {
    std::string text = kMinimal;
    text.insert(text.rfind('}'), R"(, "contact_person": {"name": {"column": "Nom"}, "email": {"value": "x@y.ma"}})");
    auto m = parse_mapping(text);
    REQUIRE_FALSE(m.is_ok());
    CHECK(paths(m.status()) == std::vector<std::string>{"/contact_person/email/value"});
  }
  SECTION("two answers under one key") {
    std::string text = kMinimal;
    text.insert(text.rfind('}'), R"(, "answers": [{"key": "k", "column": "A"}, {"key": "k", "column": "B"}])");
    auto m = parse_mapping(text);
    REQUIRE_FALSE(m.is_ok());
    CHECK(paths(m.status()) == std::vector<std::string>{"/answers/1/key"});
  }
  SECTION("not JSON") {
    auto m = parse_mapping("{\"format\": ");
    REQUIRE_FALSE(m.is_ok());
    CHECK_THAT(std::string(m.status().message()), Catch::Contains("not valid JSON"));
  }
}

TEST_CASE("every column must be mapped or ignored, and every named column present once") {
  auto m = parse_mapping(kMinimal);
  REQUIRE(m.is_ok());
  CHECK(check_columns(*m, {"Horodateur", "Nom", "Numéro", "Date", "Région"}).is_ok());

  auto extra = check_columns(*m, {"Horodateur", "Nom", "Numéro", "Date", "Région", "Nouvelle question"});
  REQUIRE_FALSE(extra.is_ok());
  CHECK(paths(extra) == std::vector<std::string>{"/ignore"});
  CHECK_THAT(extra.violations()[0].message, Catch::Contains("'Nouvelle question' is neither mapped nor ignored"));

  m->ignore.push_back("Nouvelle question");
  CHECK(check_columns(*m, {"Horodateur", "Nom", "Numéro", "Date", "Région", "Nouvelle question"}).is_ok());

  auto missing = check_columns(*m, {"Horodateur", "Nom", "Date", "Région", "Nouvelle question"});
  REQUIRE_FALSE(missing.is_ok());
  CHECK(paths(missing) == std::vector<std::string>{"/organisation/registration_number/column"});

  auto twice = check_columns(*m, {"Horodateur", "Nom", "Nom", "Numéro", "Date", "Région", "Nouvelle question"});
  REQUIRE_FALSE(twice.is_ok());
  CHECK(paths(twice) == std::vector<std::string>{"/organisation/legal_name/column"});
}
