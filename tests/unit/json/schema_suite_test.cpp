// The official JSON Schema Test Suite (draft 2020-12), one test case per keyword file.
//
// Each file under tests/data/json-schema-test-suite/draft2020-12/ is an array of groups
// {"description", "schema", "tests": [{"description", "data", "valid"}]}. A file passes when the
// schema of every group compiles and every test's verdict matches "valid", both with is_valid()
// and with violations() (which must be empty exactly when the data is valid). The few groups that
// need what the validator does not support are skipped by name below, with the reason.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "sijill/json/dom.h"

namespace json = sijill::json;

namespace {

// Every keyword file copied into the repository, each its own TEST_CASE (and so its own CTest
// test). A test case below checks that this list and the folder agree.
#define SIJILL_SUITE_FILES(X)       \
  X("additionalProperties.json")    \
  X("allOf.json")                   \
  X("anchor.json")                  \
  X("anyOf.json")                   \
  X("boolean_schema.json")          \
  X("const.json")                   \
  X("contains.json")                \
  X("content.json")                 \
  X("default.json")                 \
  X("dependentRequired.json")       \
  X("dependentSchemas.json")        \
  X("enum.json")                    \
  X("exclusiveMaximum.json")        \
  X("exclusiveMinimum.json")        \
  X("format.json")                  \
  X("if-then-else.json")            \
  X("infinite-loop-detection.json") \
  X("items.json")                   \
  X("maxContains.json")             \
  X("maxItems.json")                \
  X("maxLength.json")               \
  X("maxProperties.json")           \
  X("maximum.json")                 \
  X("minContains.json")             \
  X("minItems.json")                \
  X("minLength.json")               \
  X("minProperties.json")           \
  X("minimum.json")                 \
  X("multipleOf.json")              \
  X("not.json")                     \
  X("oneOf.json")                   \
  X("pattern.json")                 \
  X("patternProperties.json")       \
  X("prefixItems.json")             \
  X("properties.json")              \
  X("propertyNames.json")           \
  X("ref.json")                     \
  X("required.json")                \
  X("type.json")                    \
  X("uniqueItems.json")

// Groups skipped, by file and group description.
struct Skip {
  std::string_view file;
  std::string_view group;
  std::string_view reason;
};
constexpr Skip kSkipped[] = {
    {"ref.json", "remote ref, containing refs itself",
     "a remote reference (the draft 2020-12 meta-schema at json-schema.org)"},
    {"ref.json", "ref creates new scope when adjacent to keywords", "needs unevaluatedProperties"},
    {"not.json", "collect annotations inside a 'not', even if collection is disabled", "needs unevaluatedProperties"},
};

std::filesystem::path suite_folder() {
  return std::filesystem::path(SIJILL_SOURCE_DIR) / "tests" / "data" / "json-schema-test-suite" / "draft2020-12";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const Skip* skipped(std::string_view file, std::string_view group) {
  for (const Skip& s : kSkipped) {
    if (s.file == file && s.group == group) return &s;
  }
  return nullptr;
}

std::string listing(const std::vector<sijill::Violation>& violations) {
  std::string out;
  for (const auto& v : violations) out += "\n  " + (v.path.empty() ? std::string("/") : v.path) + ": " + v.message;
  return out;
}

void run_suite_file(std::string_view file) {
  const std::filesystem::path path = suite_folder() / std::string(file);
  INFO("suite file " << path.string());
  REQUIRE(std::filesystem::exists(path));
  json::Limits limits;
  limits.max_body_bytes = std::size_t{16} << 20;
  limits.max_depth = 512;
  auto document = json::parse(read_file(path), limits);
  REQUIRE(document.status().to_string() == "ok");

  std::size_t total = 0, passed = 0, skipped_tests = 0, skipped_groups = 0;
  simdjson::dom::array groups;
  REQUIRE(document->root().get(groups) == simdjson::SUCCESS);
  for (simdjson::dom::element group : groups) {
    std::string_view description = group["description"].get_string().value();
    simdjson::dom::array tests = group["tests"].get_array().value();
    total += tests.size();
    if (skipped(file, description)) {
      skipped_tests += tests.size();
      ++skipped_groups;
      continue;
    }
    INFO("group: " << description);
    auto schema = json::Schema::compile(json::to_json(group["schema"].value()));
    CHECK(schema.status().to_string() == "ok");
    if (!schema) continue;
    for (simdjson::dom::element test : tests) {
      std::string_view what = test["description"].get_string().value();
      bool expected = test["valid"].get_bool().value();
      simdjson::dom::element data = test["data"].value();
      bool verdict = schema->is_valid(data);
      auto violations = schema->violations(data);
      INFO("test: " << what << "\ndata: " << json::to_json(data) << "\nviolations:" << listing(violations));
      CHECK(verdict == expected);
      CHECK(violations.empty() == verdict);
      if (verdict == expected && violations.empty() == verdict) ++passed;
    }
  }
  // The numbers quoted in docs/json-schema.md.
  std::cout << "suite " << file << ": " << passed << " of " << (total - skipped_tests) << " passed";
  if (skipped_tests) {
    std::cout << " (" << skipped_tests << " skipped in " << skipped_groups
              << (skipped_groups == 1 ? " group)" : " groups)");
  }
  std::cout << "\n";
  CHECK(passed + skipped_tests == total);
}

}  // namespace

#define SIJILL_SUITE_TEST_CASE(file) \
  TEST_CASE("JSON Schema Test Suite: " file, "[schema-suite]") { run_suite_file(file); }
SIJILL_SUITE_FILES(SIJILL_SUITE_TEST_CASE)

TEST_CASE("every suite file in the repository has its test case, and every skip names a real group") {
  std::set<std::string> listed;
#define SIJILL_SUITE_NAME(file) listed.insert(file);
  SIJILL_SUITE_FILES(SIJILL_SUITE_NAME)
#undef SIJILL_SUITE_NAME
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(suite_folder())) {
    if (entry.path().extension() == ".json") present.insert(entry.path().filename().string());
  }
  CHECK(present == listed);

  for (const Skip& s : kSkipped) {
    INFO(s.file << ": " << s.group);
    auto document =
        json::parse(read_file(suite_folder() / std::string(s.file)), json::Limits{.max_body_bytes = 16 << 20});
    REQUIRE(document);
    bool found = false;
    simdjson::dom::array groups = document->root().get_array().value();
    for (simdjson::dom::element group : groups) {
      found = found || group["description"].get_string().value() == s.group;
    }
    CHECK(found);
  }
}
