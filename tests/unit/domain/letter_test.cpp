// The notification letter states the decision, its rationale and the appeal deadline in local
// time, in French and Arabic, with the EU visibility line.
#include <catch2/catch.hpp>

#include "domain_harness.h"
#include "sijill/domain/ami/letter.h"
#include "sijill/domain/ami/module.h"

using namespace sijill;
using namespace sijill::domain;

TEST_CASE("the letter of an ineligible application gives the rationale and the appeal deadline in Moroccan time") {
  ami::AmiModule m;
  testing::DomainHarness h(m);
  const Actor officer{"u-officer", "programme_officer", ""};
  const Actor other{"u-officer2", "programme_officer", ""};
  auto t = [](const char* s) { return *time::parse_instant(s); };
  REQUIRE(h.run("OpenCall", ami::cap_2026_call(), officer, t("2026-05-12T09:00:00Z")).is_ok());
  REQUIRE(h.run("RegisterOrganisation", testing::sample_organisation(), officer, t("2026-05-20T09:00:00Z")).is_ok());
  for (const char* part : {"ReceiveDossier", "ReceiveForm"}) {
    REQUIRE(h.run(part,
                  {{"call_id", "AMI-2026"},
                   {"registration_number", "1/2019"},
                   {"received_at", "2026-06-20T10:00:00Z"},
                   {"documents", boost::json::array{}},
                   {"answers", boost::json::object{}}},
                  officer, t("2026-06-20T11:00:00Z"))
                .is_ok());
  }
  auto no = [](const char* reason) { return boost::json::object{{"met", false}, {"reason", reason}}; };
  auto yes = boost::json::object{{"met", true}, {"evidence", "récépissé"}};
  REQUIRE(h.run("AssessEligibility",
                {{"application_id", "APP-0001"},
                 {"criteria", boost::json::object{{"legally_constituted", yes},
                                                  {"target_region", yes},
                                                  {"community_experience", no("moins d'un an d'activité")},
                                                  {"field_of_work", yes}}},
                 {"rationale", "expérience auprès des communautés insuffisante"}},
                other, t("2026-07-05T10:00:00Z"))
              .is_ok());
  REQUIRE_FALSE(ami::notification_letter(m.state(), "APP-0001").is_ok());
  // Notified on 1 Oct 2026 at 09:30 UTC (Morocco is on UTC+0 for good since 20 Sep 2026): the
  // 15 days to appeal end with the last day, 16/10/2026, at 23:59 local time.
  REQUIRE(h.run("NotifyDecision", {{"application_id", "APP-0001"}, {"notified_at", "2026-10-01T09:30:00Z"}}, other,
                t("2026-10-01T09:31:00Z"))
              .is_ok());
  auto letter = ami::notification_letter(m.state(), "APP-0001");
  REQUIRE(letter.is_ok());
  CHECK_THAT(letter->french, Catch::Contains("Association Tamount"));
  CHECK_THAT(letter->french, Catch::Contains("n'a pas été jugée éligible"));
  CHECK_THAT(letter->french, Catch::Contains("Motif : expérience auprès des communautés insuffisante"));
  CHECK_THAT(letter->french, Catch::Contains("jusqu'au 16/10/2026 23:59"));
  CHECK_THAT(letter->french, Catch::Contains("Cofinancé par l'Union européenne"));
  CHECK_THAT(letter->arabic, Catch::Contains("لم يُعتبر طلبكم مؤهلاً"));
  CHECK_THAT(letter->arabic, Catch::Contains("16/10/2026 23:59"));
  CHECK_THAT(letter->arabic, Catch::Contains("الاتحاد الأوروبي"));
}
