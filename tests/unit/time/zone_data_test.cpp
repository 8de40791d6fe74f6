#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sijill/time/zone_data.h"

extern char** environ;

namespace fs = std::filesystem;
using sijill::Code;
using sijill::Status;
using sijill::time::check_zone_data;

namespace {

// A fresh folder under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sijill-zoneinfo-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Compiles zic(8) source into zoneinfo files under `out`.
void zic(const fs::path& source, const fs::path& out) {
  INFO("compiling " << source << " with zic (Debian package libc-bin)");
  REQUIRE(std::string(SIJILL_ZIC) != "");
  std::vector<std::string> args{SIJILL_ZIC, "-b", "fat", "-d", out.string(), source.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file);
  out << text;
  REQUIRE(out.good());
}

const fs::path kStaleSource = fs::path(SIJILL_SOURCE_DIR) / "tests/data/zoneinfo-stale/africa-casablanca-stale.zi";

}  // namespace

TEST_CASE("the zone data the date library uses is current") {
  Status s = check_zone_data();
  INFO(s.to_string());
  CHECK(s.is_ok());
}

TEST_CASE("the system zoneinfo folder, read through the C library, is current") {
  Status s = check_zone_data(fs::path(sijill::time::kSystemZoneinfo));
  INFO(s.to_string());
  CHECK(s.is_ok());
}

TEST_CASE("a copy of the current zone file passes in another folder") {
  TempDir dir;
  fs::create_directories(dir.path() / "Africa");
  fs::copy_file(fs::path(sijill::time::kSystemZoneinfo) / "Africa/Casablanca", dir.path() / "Africa/Casablanca");
  Status s = check_zone_data(dir.path());
  INFO(s.to_string());
  CHECK(s.is_ok());
}

TEST_CASE("stale zone data fails the check with a message that says what to do") {
  TempDir dir;
  zic(kStaleSource, dir.path());
  REQUIRE(fs::is_regular_file(dir.path() / "Africa/Casablanca"));
  Status s = check_zone_data(dir.path());
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.code() == Code::rule_violation);
  CHECK(s.rule() == "stale-zone-data");
  std::string m(s.message());
  INFO(m);
  CHECK_THAT(m, Catch::Contains("stale"));
  CHECK_THAT(m, Catch::Contains(dir.path().string()));
  CHECK_THAT(m, Catch::Contains("Africa/Casablanca at +01:00 on 2026-10-01T12:00:00.000Z"));
  CHECK_THAT(m, Catch::Contains("UTC+0 for good since 20 Sep 2026"));
  CHECK_THAT(m, Catch::Contains("install a current tzdata (2026c or later): apt-get install tzdata"));
  CHECK_THAT(m, Catch::Contains("tools/setup"));
}

TEST_CASE("a folder without Africa/Casablanca is not taken for UTC") {
  // The C library falls back to UTC for a missing file: the check must not pass on that.
  TempDir dir;
  Status s = check_zone_data(dir.path());
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.code() == Code::not_found);
  CHECK_THAT(std::string(s.message()), Catch::Contains("no zone data for Africa/Casablanca"));
  CHECK_THAT(std::string(s.message()), Catch::Contains("apt-get install tzdata"));
}

TEST_CASE("zone data that does not behave like Morocco's is refused") {
  SECTION("a zone always at UTC+0 under Morocco's name") {
    TempDir dir;
    write(dir.path() / "utc.zi", "Zone\tAfrica/Casablanca\t0:00\t-\t+00\n");
    zic(dir.path() / "utc.zi", dir.path());
    Status s = check_zone_data(dir.path());
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.code() == Code::data_loss);
    CHECK_THAT(std::string(s.message()), Catch::Contains("does not behave like Morocco's"));
  }
  SECTION("a file that is not zone data") {
    TempDir dir;
    write(dir.path() / "Africa/Casablanca", "not a TZif file\n");
    Status s = check_zone_data(dir.path());
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.code() == Code::data_loss);
  }
}

TEST_CASE("checking a folder leaves TZ as it was") {
  TempDir dir;
  zic(kStaleSource, dir.path());
  const char* before = std::getenv("TZ");
  const std::string saved = before ? before : "";

  ::setenv("TZ", "Europe/Paris", 1);
  CHECK_FALSE(check_zone_data(dir.path()).is_ok());
  REQUIRE(std::getenv("TZ") != nullptr);
  CHECK(std::string(std::getenv("TZ")) == "Europe/Paris");

  ::unsetenv("TZ");
  CHECK_FALSE(check_zone_data(dir.path()).is_ok());
  CHECK(std::getenv("TZ") == nullptr);

  if (before) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
}
