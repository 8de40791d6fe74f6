// Access control: the users-and-tokens module (given events, when a command, then events or a
// rejection), authentication, the policy per role, and the failed-authentication throttle.
#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include "sijill/access/access.h"
#include "sijill/access/commands.h"
#include "sijill/access/policy.h"
#include "sijill/access/throttle.h"
#include "sijill/processor/processor.h"
#include "temp_dir.h"

using namespace sijill;

namespace {

const time::Instant kNow = time::parse_instant("2026-07-01T10:00:00Z").value();
const domain::Actor kAdminActor{"admin", "admin", ""};

// Decides `command` and evolves its events, as the processor would.
Result<domain::Decision> run(access::AccessModule& m, std::string_view command, boost::json::object data,
                             const domain::Actor& actor = kAdminActor, time::Instant now = kNow) {
  static std::uint64_t position = 0;
  auto d = m.decide(command, data, {actor, now, "seed"});
  if (!d) return d;
  for (const auto& e : d->events) {
    domain::RecordedEvent r{++position, e.stream, 1, e.type, now, actor, &e.data};
    m.evolve(r);
  }
  return d;
}

// Prepares and runs CreateToken; returns the token.
std::string create_token(access::AccessModule& m, boost::json::object data, time::Instant now = kNow) {
  auto extras = access::prepare_create_token(data);
  REQUIRE(extras.is_ok());
  auto d = run(m, "CreateToken", data, kAdminActor, now);
  REQUIRE(d.is_ok());
  return std::string(extras->at("token").as_string());
}

}  // namespace

TEST_CASE("RegisterUser records the user, and a second registration is a conflict") {
  access::AccessModule m;
  auto d = run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"evaluator", "auditor"}}});
  REQUIRE(d.is_ok());
  REQUIRE(d->events.size() == 1);
  CHECK(d->events[0].stream == "user/P-1");
  CHECK(d->events[0].type == "UserRegistered");
  CHECK(d->target_stream == "user/P-1");
  CHECK(m.has_user("P-1"));
  CHECK(run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"evaluator"}}}).status().code() == Code::conflict);
  CHECK(run(m, "RegisterUser", {{"person_id", "system"}, {"roles", {"admin"}}}).status().code() == Code::conflict);
}

TEST_CASE("only admins (and the system) run the access commands") {
  access::AccessModule m;
  domain::Actor officer{"P-2", "programme_officer", ""};
  CHECK(run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"evaluator"}}}, officer).status().code() ==
        Code::permission_denied);
  CHECK(run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"evaluator"}}}, processor::kSystemActor).is_ok());
}

TEST_CASE("CreateToken checks the user, the role and the region") {
  access::AccessModule m;
  REQUIRE(run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"regional_coordinator", "evaluator"}}}).is_ok());
  auto attempt = [&](boost::json::object data) {
    REQUIRE(access::prepare_create_token(data).is_ok());
    return run(m, "CreateToken", data);
  };
  CHECK(attempt({{"user", "P-9"}, {"role", "evaluator"}}).status().code() == Code::not_found);
  CHECK(attempt({{"user", "P-1"}, {"role", "admin"}}).status().rule() == "role-not-held");
  CHECK(attempt({{"user", "P-1"}, {"role", "regional_coordinator"}}).status().rule() == "region-required");
  CHECK(attempt({{"user", "P-1"}, {"role", "regional_coordinator"}, {"region", "Atlantis"}}).status().rule() ==
        "unknown-region");
  CHECK(attempt({{"user", "P-1"}, {"role", "evaluator"}, {"region", "Souss-Massa"}}).status().rule() ==
        "region-not-applicable");
  CHECK(m.token_count() == 0);

  auto d = attempt({{"user", "P-1"}, {"role", "regional_coordinator"}, {"region", "Souss-Massa"}});
  REQUIRE(d.is_ok());
  const auto& e = d->events[0].data;
  CHECK(e.at("region") == "Souss-Massa");
  CHECK(e.at("digest").as_string().size() == 64);
  CHECK(e.at("expires_at") == "2026-09-29T10:00:00.000Z");  // 90 days by default
  CHECK(e.if_contains("token") == nullptr);
}

TEST_CASE("authenticate: a valid token stands for its user, role and region") {
  access::AccessModule m;
  REQUIRE(run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"regional_coordinator"}}}).is_ok());
  auto token = create_token(
      m, {{"user", "P-1"}, {"role", "regional_coordinator"}, {"region", "Souss-Massa"}, {"expires_in_days", 1}});
  CHECK(token.starts_with("sjl_"));
  auto actor = m.authenticate(token, kNow);
  REQUIRE(actor.is_ok());
  CHECK(actor->id == "P-1");
  CHECK(actor->role == "regional_coordinator");
  CHECK(actor->region == "Souss-Massa");

  SECTION("unknown") { CHECK(m.authenticate(token + "x", kNow).status().code() == Code::unauthenticated); }
  SECTION("expired") {
    CHECK(m.authenticate(token, kNow + std::chrono::hours(24)).status().code() == Code::unauthenticated);
    CHECK(m.authenticate(token, kNow + std::chrono::hours(23)).is_ok());
  }
  CHECK(m.authenticate("", kNow).status().code() == Code::unauthenticated);
}

TEST_CASE("RevokeToken makes the token fail authentication, once") {
  access::AccessModule m;
  REQUIRE(run(m, "RegisterUser", {{"person_id", "P-1"}, {"roles", {"auditor"}}}).is_ok());
  boost::json::object data{{"user", "P-1"}, {"role", "auditor"}};
  auto extras = access::prepare_create_token(data);
  REQUIRE(extras.is_ok());
  REQUIRE(run(m, "CreateToken", data).is_ok());
  const std::string token(extras->at("token").as_string());
  const std::string id(extras->at("token_id").as_string());
  REQUIRE(m.authenticate(token, kNow).is_ok());
  REQUIRE(run(m, "RevokeToken", {{"token_id", id}, {"reason", "left the programme"}}).is_ok());
  CHECK(m.token(id)->revoked);
  CHECK(m.authenticate(token, kNow).status().code() == Code::unauthenticated);
  CHECK(run(m, "RevokeToken", {{"token_id", id}}).status().rule() == "token-already-revoked");
}

TEST_CASE("tokens are random, and only their digest is prepared for the log") {
  auto a = access::generate_token();
  auto b = access::generate_token();
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  CHECK(*a != *b);
  CHECK(a->size() == 4 + 43);
  boost::json::object data{{"user", "P-1"}, {"role", "auditor"}};
  auto extras = access::prepare_create_token(data);
  REQUIRE(extras.is_ok());
  const std::string token(extras->at("token").as_string());
  CHECK(data.at("token_digest").as_string() == access::token_digest(token));
  CHECK(boost::json::serialize(data).find(token) == std::string::npos);
}

TEST_CASE("the access commands' schemas compile and refuse what they must") {
  auto specs = access::command_specs();
  REQUIRE(specs.is_ok());
  REQUIRE(specs->size() == 3);
  for (const auto& s : *specs) {
    CHECK(s.schema.has_value());
    CHECK(s.roles.empty());  // admin only
  }
  const auto& create = (*specs)[1];
  CHECK(create.name == "CreateToken");
  auto doc = json::parse(R"({"user":"P-1","role":"auditor","token_digest":"00"})");
  REQUIRE(doc.is_ok());
  auto st = create.schema->validate(*doc);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.violations().at(0).path == "/token_digest");
}

TEST_CASE("personal data is sealed before the module sees it, and never reaches the log in clear") {
  testing::TempDir dir;
  store::StoreOptions o;
  o.dir = dir.path() / "data";
  o.compression = false;
  auto store = store::EventStore::open(o);
  REQUIRE(store.is_ok());
  auto keys = store::KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());
  access::AccessModule m;
  processor::Processor p(**store, {&m});
  REQUIRE(p.start().is_ok());
  auto specs = access::command_specs();
  REQUIRE(specs.is_ok());
  processor::CommandCall call;
  call.name = "RegisterUser";
  call.data = {{"person_id", "P-7"},
               {"roles", {"evaluator"}},
               {"name", "Fatima Zahra Benali"},
               {"email", "fz.benali@example.ma"}};
  call.body = boost::json::serialize(call.data);
  call.actor = kAdminActor;
  REQUIRE(processor::seal_personal_data(*specs->front().personal, call.data, **keys).is_ok());
  REQUIRE(p.run(std::move(call)).is_ok());
  auto records = (*store)->read_log(0, 10);
  REQUIRE(records->size() == 1);
  const auto& bytes = records->front().bytes;
  CHECK(bytes.find("Benali") == std::string::npos);
  CHECK(bytes.find("example.ma") == std::string::npos);
  CHECK(bytes.find("$sealed") != std::string::npos);
  CHECK((*keys)->has_key("person/P-7"));
}

TEST_CASE("the policy per role") {
  access::Policy policy;
  const domain::Actor admin{"a", "admin", ""}, officer{"o", "programme_officer", ""}, auditor{"u", "auditor", ""},
      evaluator{"e", "evaluator", ""}, coordinator{"c", "regional_coordinator", "Souss-Massa"};
  for (const auto& a : {admin, officer, auditor}) {
    CHECK(policy.may_read_log(a));
    CHECK(policy.may_read_funds(a));
    CHECK(policy.may_read_stream(a, "application/APP-1"));
  }
  CHECK_FALSE(policy.may_read_log(evaluator));
  CHECK_FALSE(policy.may_read_log(coordinator));
  CHECK_FALSE(policy.may_read_funds(evaluator));
  CHECK_FALSE(policy.may_read_funds(coordinator));
  CHECK(policy.may_verify(admin));
  CHECK(policy.may_verify(auditor));
  CHECK_FALSE(policy.may_verify(officer));
  CHECK(policy.may_read_metrics(admin));
  CHECK_FALSE(policy.may_read_metrics(auditor));

  // Until the domain answers the hooks, evaluators and coordinators read nothing case-specific.
  CHECK_FALSE(policy.may_read_stream(evaluator, "application/APP-1"));
  CHECK_FALSE(policy.may_read_stream(coordinator, "application/APP-1"));
  policy.set_application_reader(
      [](const domain::Actor& a, std::string_view id) { return a.id == "e" && id == "APP-1"; });
  policy.set_stream_region([](std::string_view stream) -> std::optional<std::string> {
    if (stream == "application/APP-1") return "Souss-Massa";
    if (stream == "application/APP-2") return "Fès-Meknès";
    return std::nullopt;
  });
  CHECK(policy.may_read_stream(evaluator, "application/APP-1"));
  CHECK_FALSE(policy.may_read_stream(evaluator, "application/APP-2"));
  CHECK_FALSE(policy.may_read_stream(evaluator, "user/e"));
  CHECK(policy.can_read_application(evaluator, "APP-1"));
  CHECK(policy.may_read_stream(coordinator, "application/APP-1"));
  CHECK_FALSE(policy.may_read_stream(coordinator, "application/APP-2"));
  CHECK_FALSE(policy.may_read_stream(coordinator, "user/c"));

  processor::CommandSpec score{"SubmitScore", std::nullopt, {"evaluator"}, std::nullopt, nullptr};
  CHECK(policy.may_run(evaluator, score));
  CHECK(policy.may_run(admin, score));
  CHECK_FALSE(policy.may_run(auditor, score));
  CHECK_FALSE(policy.may_run(officer, score));
}

TEST_CASE("the throttle slows one address after a burst of failures, with bounded memory") {
  access::AuthThrottle::Options o;
  o.burst = 3;
  o.refill_per_second = 1;
  o.delay = std::chrono::milliseconds(750);
  o.max_addresses = 100;
  access::AuthThrottle t(o);
  auto now = access::AuthThrottle::Clock::now();
  for (int i = 0; i < 3; ++i) CHECK(t.on_failure("10.0.0.1", now).count() == 0);
  CHECK(t.on_failure("10.0.0.1", now).count() == 750);
  CHECK(t.on_failure("10.0.0.2", now).count() == 0);                            // another address is not slowed
  CHECK(t.on_failure("10.0.0.1", now + std::chrono::seconds(2)).count() == 0);  // refilled
  for (int i = 0; i < 1000; ++i) (void)t.on_failure("192.168.0." + std::to_string(i), now);
  CHECK(t.tracked() <= 100);
}

TEST_CASE("documents: officers and admins upload; readers of a citing application download") {
  access::Policy policy;
  using Access = access::Policy::DocumentAccess;
  const domain::Actor admin{"a", "admin", ""}, officer{"o", "programme_officer", ""}, auditor{"u", "auditor", ""},
      evaluator{"e", "evaluator", ""}, other_evaluator{"f", "evaluator", ""},
      souss{"c", "regional_coordinator", "Souss-Massa"}, fes{"d", "regional_coordinator", "Fès-Meknès"};
  CHECK(policy.may_upload_document(admin));
  CHECK(policy.may_upload_document(officer));
  for (const auto& a : {auditor, evaluator, souss}) CHECK_FALSE(policy.may_upload_document(a));

  const std::string cited(64, 'a'), cited_twice(64, 'b'), uncited(64, 'c');
  // Until the domain says which applications cite what, no document is cited.
  CHECK(policy.may_read_document(admin, cited) == Access::not_cited);
  policy.set_document_citations([&](std::string_view sha) -> std::vector<std::string> {
    if (sha == cited) return {"APP-1"};
    if (sha == cited_twice) return {"APP-1", "APP-2"};
    return {};
  });
  policy.set_application_reader(
      [](const domain::Actor& a, std::string_view id) { return a.id == "f" && id == "APP-2"; });
  policy.set_stream_region([](std::string_view stream) -> std::optional<std::string> {
    if (stream == "application/APP-1") return "Souss-Massa";
    if (stream == "application/APP-2") return "Fès-Meknès";
    return std::nullopt;
  });
  for (const auto& a : {admin, officer, auditor, evaluator, souss}) {
    CHECK(policy.may_read_document(a, uncited) == Access::not_cited);
  }
  for (const auto& a : {admin, officer, auditor, souss}) CHECK(policy.may_read_document(a, cited) == Access::allowed);
  CHECK(policy.may_read_document(evaluator, cited) == Access::denied);
  CHECK(policy.may_read_document(other_evaluator, cited) == Access::denied);
  CHECK(policy.may_read_document(other_evaluator, cited_twice) == Access::allowed);
  CHECK(policy.may_read_document(fes, cited) == Access::denied);
  CHECK(policy.may_read_document(fes, cited_twice) == Access::allowed);
}
