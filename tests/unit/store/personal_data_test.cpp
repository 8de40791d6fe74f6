// Personal data is sealed before it enters the log; destroying a person's key erases them from
// every read while the chain still verifies, and leaves neither plaintext nor key under the
// data folder.
#include <catch2/catch.hpp>

#include <sodium.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <iterator>

#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "store_fixtures.h"
#include "temp_dir.h"

using namespace sijill;
using namespace sijill::store;
using sijill::testing::TempDir;

namespace {

// Every file under `dir` whose bytes contain `needle`.
std::vector<std::string> files_containing(const std::filesystem::path& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) hits.push_back(entry.path().string());
  }
  return hits;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::unique_ptr<EventStore> open_uncompressed(const TempDir& dir) {
  StoreOptions o;
  o.dir = dir.path();
  o.compression = false;  // so that a byte search of the files proves what is (not) there
  auto s = EventStore::open(o);
  REQUIRE(s.is_ok());
  return std::move(s).value();
}

void append(EventStore& store, AppendRequest r) {
  auto batch = store.begin_batch();
  REQUIRE(batch.stage(r).is_ok());
  REQUIRE(store.commit(batch).is_ok());
}

}  // namespace

TEST_CASE("a forgotten person reads as erased, the chain verifies, and nothing of them is left on disk") {
  TempDir dir;
  const boost::json::value contact = {
      {"name", "Fatima-Zahra Marker-Idrissi"}, {"email", "fz.marker-7391@example.ma"}, {"phone", "+212 600 739 100"}};
  const boost::json::value other = {{"name", "Youssef Other-Person"}};
  auto keys = KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());
  auto store = open_uncompressed(dir);

  auto sealed = (*keys)->seal("person/P-0001", contact);
  REQUIRE(sealed.is_ok());
  auto sealed_other = (*keys)->seal("person/P-0002", other);
  REQUIRE(sealed_other.is_ok());
  append(*store, sijill::testing::one("organisation/CSO-0001", "ContactPersonRegistered",
                                      {{"person", "person/P-0001"}, {"contact", *sealed}}));
  append(*store, sijill::testing::one("organisation/CSO-0002", "ContactPersonRegistered",
                                      {{"person", "person/P-0002"}, {"contact", *sealed_other}}));
  // Decisions name people by id only.
  append(*store, sijill::testing::one("application/APP-0001", "EvaluatorAssigned", {{"evaluator", "person/P-0001"}}));

  // The record holds ciphertext; a reader with the key sees the plaintext.
  auto records = store->read_log(0, 10);
  REQUIRE(records.is_ok());
  auto data = boost::json::parse((*records)[0].bytes).as_object()["data"];
  CHECK(data.as_object()["contact"].as_object().contains("$sealed"));
  CHECK((*keys)->reveal(data).as_object()["contact"] == contact);

  // Keep the key's bytes to look for them later.
  const std::string key_file = slurp(dir.path() / "keys");
  auto line_at = key_file.find("person/P-0001\t");
  REQUIRE(line_at != std::string::npos);
  const std::string key_b64 = key_file.substr(line_at + 14, key_file.find('\n', line_at) - line_at - 14);
  std::string key_raw(32, '\0');
  {
    std::size_t len = 0;
    REQUIRE(sodium_base642bin(reinterpret_cast<unsigned char*>(key_raw.data()), key_raw.size(), key_b64.data(),
                              key_b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
    REQUIRE(len == 32);
  }

  REQUIRE((*keys)->forget("person/P-0001").is_ok());
  CHECK_FALSE((*keys)->has_key("person/P-0001"));

  // Reopen both, so that RocksDB writes its tables from the WAL and the key file is re-read.
  store.reset();
  store = open_uncompressed(dir);
  keys = KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());

  auto report = verify_chain(*store);
  CHECK(report.ok());
  CHECK(report.count == 3);

  records = store->read_log(0, 10);
  REQUIRE(records.is_ok());
  auto revealed = (*keys)->reveal(boost::json::parse((*records)[0].bytes));
  CHECK(revealed.as_object()["data"].as_object()["contact"] ==
        boost::json::parse(R"({"$erased":{"subject":"person/P-0001"}})"));
  // Another person is untouched.
  auto second = (*keys)->reveal(boost::json::parse((*records)[1].bytes));
  CHECK(second.as_object()["data"].as_object()["contact"] == other);

  bool has_tables = false;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "log")) {
    has_tables = has_tables || e.path().extension() == ".sst";
  }
  CHECK(has_tables);
  for (const std::string& needle :
       {std::string("Marker-Idrissi"), std::string("fz.marker-7391"), std::string("739 100"), key_b64, key_raw}) {
    INFO("looking for " << (needle == key_raw ? std::string("the raw key") : needle));
    CHECK(files_containing(dir.path(), needle).empty());
  }
  // ...while the other person's key is still there, so the search does find what exists.
  CHECK_FALSE(files_containing(dir.path(), "person/P-0002\t").empty());
}

TEST_CASE("a sealed value is bound to its subject and to its bytes") {
  TempDir dir;
  auto keys = KeyStore::open(dir.path() / "keys");
  REQUIRE(keys.is_ok());
  auto sealed = (*keys)->seal("person/P-1", boost::json::value("Amina"));
  REQUIRE(sealed.is_ok());
  REQUIRE((*keys)->ensure_key("person/P-2").is_ok());

  SECTION("moved to another person, it does not open") {
    auto moved = *sealed;
    moved.as_object()["$sealed"].as_object()["subject"] = "person/P-2";
    CHECK((*keys)->reveal(moved) == boost::json::parse(R"({"$unreadable":{"subject":"person/P-2"}})"));
  }
  SECTION("a changed ciphertext does not open") {
    auto changed = *sealed;
    auto& ct = changed.as_object()["$sealed"].as_object()["ciphertext"].as_string();
    ct[0] = ct[0] == 'A' ? 'B' : 'A';
    CHECK((*keys)->reveal(changed) == boost::json::parse(R"({"$unreadable":{"subject":"person/P-1"}})"));
  }
  SECTION("nested inside arrays and objects, it opens in place") {
    boost::json::value doc = {{"people", boost::json::array{*sealed, 3}}};
    CHECK((*keys)->reveal(doc) == boost::json::parse(R"({"people":["Amina",3]})"));
  }
  CHECK((*keys)->seal("no-slash", 1).status().code() == Code::invalid_argument);
  CHECK((*keys)->forget("person/unknown").is_ok());
}

TEST_CASE("the key file is private to its owner and refuses to load when damaged") {
  TempDir dir;
  {
    auto keys = KeyStore::open(dir.path() / "keys");
    REQUIRE(keys.is_ok());
    REQUIRE((*keys)->ensure_key("person/P-1").is_ok());
  }
  auto perms = std::filesystem::status(dir.path() / "keys").permissions();
  CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  {
    std::ofstream out(dir.path() / "keys", std::ios::app);
    out << "person/P-2\tnot base64!\n";
  }
  auto damaged = KeyStore::open(dir.path() / "keys");
  CHECK(damaged.status().code() == Code::data_loss);
  CHECK_THAT(std::string(damaged.status().message()), Catch::Contains(":3: malformed key line"));
}
