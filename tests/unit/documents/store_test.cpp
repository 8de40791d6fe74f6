// The content-addressed document store: <data>/documents/<2 hex>/<sha256>.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "sijill/documents/store.h"
#include "sijill/processor/command.h"
#include "temp_dir.h"

using namespace sijill;
using namespace sijill::documents;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("a document is stored under its SHA-256, once") {
  sijill::testing::TempDir dir("sijill-documents");
  DocumentStore docs(dir.path());
  const std::string bytes = "lettre de manifestation d'intérêt – رسالة إبداء الاهتمام\n";
  std::istringstream in(bytes);
  auto stored = docs.put(in);
  REQUIRE(stored.is_ok());
  const auto expected = store::to_hex(processor::sha256(bytes));
  CHECK(stored->sha256 == expected);
  CHECK(stored->size == bytes.size());
  CHECK_FALSE(stored->already_stored);
  CHECK(stored->path == dir.path() / "documents" / expected.substr(0, 2) / expected);
  CHECK(slurp(stored->path) == bytes);
  CHECK(docs.contains(expected));
  CHECK_FALSE(docs.contains(std::string(64, '0')));
  CHECK_FALSE(docs.contains("not a digest"));

  std::istringstream again(bytes);
  auto second = docs.put(again);
  REQUIRE(second.is_ok());
  CHECK(second->already_stored);
  CHECK(second->sha256 == expected);

  // No temporary file is left behind.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "documents")) {
    if (e.is_regular_file()) {
      ++files;
      CHECK(e.path().filename().string().find(".incoming") == std::string::npos);
    }
  }
  CHECK(files == 1);
}

TEST_CASE("an empty file and a file by path") {
  sijill::testing::TempDir dir("sijill-documents");
  DocumentStore docs(dir.path());
  std::istringstream empty("");
  auto e = docs.put(empty);
  REQUIRE(e.is_ok());
  CHECK(e->sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // SHA-256 of nothing

  const auto file = dir.path() / "dossier juridique.pdf";
  std::ofstream(file, std::ios::binary) << "%PDF-1.4 dossier juridique";
  auto f = docs.put_file(file);
  REQUIRE(f.is_ok());
  CHECK(f->sha256 == store::to_hex(processor::sha256("%PDF-1.4 dossier juridique")));
  CHECK(docs.put_file(dir.path() / "missing.pdf").status().code() == Code::not_found);
}

namespace {

// Every regular file under <dir>/documents, relative to it.
std::vector<std::string> files_under(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir / "documents", ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "documents")) {
    if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), dir / "documents").string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("an upload written in chunks is named by the SHA-256 of all its bytes") {
  sijill::testing::TempDir dir("sijill-documents");
  DocumentStore docs(dir.path());
  auto upload = docs.begin();
  REQUIRE(upload.is_ok());
  CHECK(files_under(dir.path()).size() == 1);  // the temporary file
  std::string all;
  for (int i = 0; i < 100; ++i) {
    const std::string chunk = "chunk " + std::to_string(i) + " | ";
    all += chunk;
    REQUIRE(upload->write(chunk.data(), chunk.size()).is_ok());
  }
  CHECK(upload->size() == all.size());
  auto stored = upload->commit();
  REQUIRE(stored.is_ok());
  const auto digest = store::to_hex(processor::sha256(all));
  CHECK(stored->sha256 == digest);
  CHECK(slurp(stored->path) == all);
  CHECK(files_under(dir.path()) == std::vector<std::string>{digest.substr(0, 2) + "/" + digest});
  CHECK(is_digest(digest));
  CHECK_FALSE(is_digest(digest.substr(1)));
  CHECK_FALSE(is_digest(std::string(64, 'A')));
}

TEST_CASE("an upload over its limit keeps nothing, and neither does an abandoned one") {
  sijill::testing::TempDir dir("sijill-documents");
  DocumentStore docs(dir.path());
  {
    auto upload = docs.begin(10);
    REQUIRE(upload.is_ok());
    REQUIRE(upload->write("0123456789", 10).is_ok());  // exactly the limit
    auto over = upload->write("x", 1);
    CHECK(over.code() == Code::too_large);
    CHECK(files_under(dir.path()).empty());  // removed at once
    CHECK_FALSE(upload->write("y", 1).is_ok());
    CHECK_FALSE(upload->commit().is_ok());
  }
  {
    auto upload = docs.begin();
    REQUIRE(upload.is_ok());
    REQUIRE(upload->write("half a file", 11).is_ok());
    CHECK(files_under(dir.path()).size() == 1);
  }  // destroyed without commit()
  CHECK(files_under(dir.path()).empty());
  {
    auto upload = docs.begin(10);
    REQUIRE(upload.is_ok());
    REQUIRE(upload->write("0123456789", 10).is_ok());
    REQUIRE(upload->commit().is_ok());
  }
  CHECK(files_under(dir.path()).size() == 1);
}

TEST_CASE("put refuses a stream over 50 MiB and keeps nothing") {
  sijill::testing::TempDir dir("sijill-documents");
  DocumentStore docs(dir.path());
  std::istringstream in(std::string(kMaxDocumentBytes + 1, 'a'));
  auto stored = docs.put(in);
  CHECK(stored.status().code() == Code::too_large);
  CHECK(files_under(dir.path()).empty());
}
