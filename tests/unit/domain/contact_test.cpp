// The rules accept a contact person's personal data only sealed, and sealed for that person:
// the server seals it before deciding, and the rules check that it did.
#include <catch2/catch.hpp>

#include "domain_harness.h"
#include "sijill/domain/ami/module.h"

using namespace sijill;
using namespace sijill::domain;

TEST_CASE("a contact person's data in clear, or sealed for someone else, is refused at /contact") {
  ami::AmiModule m;
  testing::DomainHarness h(m);
  const Actor officer{"u-officer", "programme_officer", ""};
  const auto t = *time::parse_instant("2026-05-20T09:00:00Z");
  REQUIRE(h.run("RegisterOrganisation", testing::sample_organisation(), officer, t).is_ok());
  auto attempt = [&](boost::json::value contact) {
    return h.run(
        "RegisterContactPerson",
        {{"person_id", "P-1"}, {"organisation_id", "OSC-1"}, {"role", "présidente"}, {"contact", std::move(contact)}},
        officer, t);
  };
  auto in_clear = attempt(boost::json::object{{"name", "Fatima Zahra"}});
  REQUIRE(in_clear.status().code() == Code::invalid_argument);
  CHECK(in_clear.status().violations().at(0).path == "/contact");

  auto sealed_for = [](const char* subject) {
    return boost::json::object{
        {"$sealed", boost::json::object{{"v", 1}, {"subject", subject}, {"nonce", "n"}, {"ciphertext", "c"}}}};
  };
  auto other = attempt(sealed_for("person/P-2"));
  REQUIRE(other.status().code() == Code::invalid_argument);
  CHECK(other.status().violations().at(0).message == "must be sealed under person/P-1");

  auto ok = attempt(sealed_for("person/P-1"));
  REQUIRE(ok.is_ok());
  CHECK(ok->at(0).type == "ContactPersonRegistered");
  CHECK(h.log().size() == 2);  // the refusals appended nothing
}
