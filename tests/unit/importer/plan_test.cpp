// A row of the AMI form turned into its commands: ids, idempotency keys, bodies, and the
// refusals of bad rows by column.
#include <boost/json/serialize.hpp>

#include "sijill/importer/plan.h"
#include "support.h"

using namespace sijill;
using namespace sijill::importer;

namespace {

Planner sample_planner() {
  auto p = Planner::create(test::sample_mapping(), test::sample_table().header, "AMI-2026");
  INFO(p.status().to_string());
  REQUIRE(p.is_ok());
  return std::move(p).value();
}

// The sample record at `line`, with column `column` set to `value`.
CsvRecord edited(std::size_t line, const std::string& column, const std::string& value) {
  auto table = test::sample_table();
  auto record = test::record_at(table, line);
  for (std::size_t i = 0; i < table.header.size(); ++i) {
    if (table.header[i] == column) record.fields[i] = value;
  }
  return record;
}

std::string json(const boost::json::value& v) { return boost::json::serialize(v); }

}  // namespace

TEST_CASE("ids are derived from the registration number (documented in docs/import.md)") {
  // printf '735/2020' | sha256sum -> 9aaf85ee...; printf 'contact-person:735/2020' | sha256sum -> 8e901168...
  CHECK(organisation_id_for("735/2020") == "OSC-9aaf85ee");
  CHECK(person_id_for("735/2020") == "PER-8e901168");
  CHECK(organisation_id_for("735/2020") != organisation_id_for("735/2021"));
}

TEST_CASE("idempotency keys: the same row and command give the same key, any change another") {
  const std::vector<std::string> header{"Horodateur", "Nom"};
  const std::vector<std::string> row{"14/05/2026 18:56:39", "Association Al Amal"};
  const auto k = idempotency_key_for("google-forms", "AMI-2026", "ReceiveForm", header, row);
  CHECK(k.size() == 7 + 40);
  CHECK(k.starts_with("import-"));
  CHECK(k == idempotency_key_for("google-forms", "AMI-2026", "ReceiveForm", header, row));
  CHECK(k != idempotency_key_for("google-forms", "AMI-2026", "RegisterOrganisation", header, row));
  CHECK(k != idempotency_key_for("google-forms", "AMI-2027", "ReceiveForm", header, row));
  CHECK(k != idempotency_key_for("google-forms", "AMI-2026", "ReceiveForm", header,
                                 {"14/05/2026 18:56:40", "Association Al Amal"}));
  CHECK(k.find("Al Amal") == std::string::npos);
}

TEST_CASE("a good row of the sample becomes RegisterOrganisation, RegisterContactPerson and ReceiveForm") {
  const auto planner = sample_planner();
  auto table = test::sample_table();
  const auto plan = planner.plan(test::record_at(table, 2));
  INFO(plan.errors.size());
  REQUIRE(plan.ok());
  CHECK(plan.line == 2);
  CHECK(plan.registration_number == "735/2020");
  CHECK(plan.organisation_id == "OSC-9aaf85ee");
  CHECK(plan.person_id == "PER-8e901168");
  CHECK(time::format_utc(plan.received_at) == "2026-05-14T17:56:39.000Z");  // UTC+1 in May 2026

  CHECK(plan.register_organisation.name == "RegisterOrganisation");
  CHECK(
      json(plan.register_organisation.body) ==
      R"({"organisation_id":"OSC-9aaf85ee","legal_name":"Association Al Amal pour l'Inclusion des Personnes en Situation de Handicap - Azilal",)"
      R"("legal_form":"Association","registration":{"authority":"Non indiquée dans le formulaire en ligne","number":"735/2020","date":"2015-01-17"},)"
      R"("region":"Béni Mellal-Khénifra","province":"Azilal","domains":["Développement local"]})");
  CHECK(plan.register_organisation.column_of("/registration/number") == "Numéro du récépissé de dépôt");
  CHECK(plan.register_organisation.column_of("/registration/authority").empty());  // a fixed value

  REQUIRE(plan.register_contact_person);
  const auto& person = *plan.register_contact_person;
  CHECK(
      json(person.body) ==
      R"j({"person_id":"PER-8e901168","organisation_id":"OSC-9aaf85ee","role":"représentant(e) de l'organisation (formulaire AMI)",)j"
      R"j("contact":{"name":"Rachid Ouzzine","email":"contact13@yahoo.fr","phone":"+212 657 76 53 62"}})j");
  CHECK(person.column_of("/contact/email") == "Adresse e-mail");

  const auto& form = plan.receive_form;
  CHECK(form.body.at("call_id").as_string() == "AMI-2026");
  CHECK(form.body.at("registration_number").as_string() == "735/2020");
  CHECK(form.body.at("received_at").as_string() == "2026-05-14T18:56:39+01:00");
  const auto& answers = form.body.at("answers").as_object();
  CHECK(answers.at("experience_communautes_annees").as_int64() == 25);
  CHECK(json(answers.at("domaines_intervention")) == R"(["Développement local"])");
  CHECK(answers.at("motivation").as_string() ==
        "Mise en réseau, formation; accompagnement: oui, nous sommes prêts à changer nos pratiques.");
  CHECK(answers.at("documents_complementaires").as_string() ==
        "https://drive.google.com/open?id=aJlgMSdX5sTazVLmZ_bK4OPh1dR8_H97S");
  // Personal data stays out of the form's answers.
  CHECK(json(form.body).find("contact13@yahoo.fr") == std::string::npos);
  CHECK(json(form.body).find("Rachid Ouzzine") == std::string::npos);

  // Three commands, three keys.
  CHECK(form.idempotency_key != plan.register_organisation.idempotency_key);
  CHECK(form.idempotency_key != person.idempotency_key);
}

TEST_CASE("the sample's edge cases, as planned") {
  const auto planner = sample_planner();
  auto table = test::sample_table();

  SECTION("seconds before the deadline (30/06/2026 20:00 local is 19:00Z)") {
    auto plan = planner.plan(test::record_at(table, 42));
    REQUIRE(plan.ok());
    CHECK(time::format_utc(plan.received_at) == "2026-06-30T18:59:48.000Z");
  }
  SECTION("just after it") {
    auto plan = planner.plan(test::record_at(table, 46));
    REQUIRE(plan.ok());
    CHECK(time::format_utc(plan.received_at) == "2026-06-30T19:00:31.000Z");
  }
  SECTION("the CSO that submitted twice: the same ids and organisation, other keys") {
    auto first = planner.plan(test::record_at(table, 8));
    auto second = planner.plan(test::record_at(table, 47));
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first.organisation_id == second.organisation_id);
    CHECK(first.person_id == second.person_id);
    CHECK(json(first.register_organisation.body) == json(second.register_organisation.body));
    CHECK(first.receive_form.idempotency_key != second.receive_form.idempotency_key);
  }
  SECTION("the required answer left empty refuses the row by its column") {
    auto plan = planner.plan(test::record_at(table, 50));
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.line == 50);
    REQUIRE(!plan.errors.empty());
    CHECK(plan.errors[0].column == "Nom de l'organisation");
    CHECK(plan.errors[0].path == "/legal_name");
    CHECK(plan.errors[0].message == "a required answer is empty");
  }
  SECTION("an empty optional answer is null") {
    auto plan = planner.plan(test::record_at(table, 5));
    REQUIRE(plan.ok());
    CHECK(plan.receive_form.body.at("answers").as_object().at("documents_complementaires").is_null());
  }
}

TEST_CASE("bad cells refuse the row, each with its column and pointer") {
  const auto planner = sample_planner();
  auto first_error = [&](const CsvRecord& r) {
    auto plan = planner.plan(r);
    REQUIRE_FALSE(plan.ok());
    return plan.errors.front();
  };
  SECTION("a time that does not parse") {
    auto e = first_error(edited(2, "Horodateur", "2026-05-14 18:56"));
    CHECK(e.column == "Horodateur");
    CHECK(e.path == "/received_at");
    CHECK_THAT(e.message, Catch::Contains("is not a time written DD/MM/YYYY HH:MM:SS"));
  }
  SECTION("a time that is not on the calendar") {
    auto e = first_error(edited(2, "Horodateur", "31/06/2026 10:00:00"));
    CHECK(e.path == "/received_at");
  }
  SECTION("a local time that happens twice (clocks went back on 20/09/2026)") {
    auto e = first_error(edited(2, "Horodateur", "20/09/2026 01:30:00"));
    CHECK(e.path == "/received_at");
    CHECK_THAT(e.message, Catch::Contains("ambiguous-local-time"));
  }
  SECTION("an unknown region") {
    auto e = first_error(edited(2, "Région d'intervention", "Région de l'Oriental"));
    CHECK(e.column == "Région d'intervention");
    CHECK(e.path == "/region");
    CHECK_THAT(e.message, Catch::Contains("unknown region"));
  }
  SECTION("a registration date that is not a date") {
    auto e = first_error(edited(2, "Date de constitution", "30/02/2015"));
    CHECK(e.column == "Date de constitution");
    CHECK(e.path == "/registration/date");
  }
  SECTION("a number that is not a whole number") {
    auto e = first_error(edited(2, "Expérience auprès des communautés locales (années)", "vingt-cinq"));
    CHECK(e.path == "/answers/experience_communautes_annees");
  }
  SECTION("an e-mail address that is not one") {
    auto e = first_error(edited(2, "Adresse e-mail", "contact13 at yahoo.fr"));
    CHECK(e.column == "Adresse e-mail");
    CHECK(e.path == "/contact/email");
  }
  SECTION("a row with a missing field") {
    auto r = edited(2, "Horodateur", "14/05/2026 18:56:39");
    r.fields.pop_back();
    auto e = first_error(r);
    CHECK_THAT(e.message, Catch::Contains("16 fields; the header has 17"));
  }
}

TEST_CASE("region spellings are mapped under values; cells are trimmed") {
  auto mapping = test::sample_mapping();
  mapping.organisation.region.values["Oriental"] = "L'Oriental";
  auto planner = Planner::create(mapping, test::sample_table().header, "AMI-2026");
  REQUIRE(planner.is_ok());
  auto plan = planner->plan(edited(5, "Région d'intervention", "  Oriental "));
  REQUIRE(plan.ok());
  CHECK(plan.register_organisation.body.at("region").as_string() == "L'Oriental");
}

TEST_CASE("a planner refuses a mapping that does not fit the header, and an unknown zone") {
  auto header = test::sample_table().header;
  header.push_back("Question ajoutée");
  CHECK(Planner::create(test::sample_mapping(), header, "AMI-2026").status().code() == Code::invalid_argument);
  auto mapping = test::sample_mapping();
  mapping.zone = "Africa/Atlantis";
  CHECK_FALSE(Planner::create(mapping, test::sample_table().header, "AMI-2026").is_ok());
}
