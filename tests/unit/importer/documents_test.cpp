// The content-addressed document store: <data>/documents/<2 hex>/<sha256>.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "sijill/importer/documents.h"
#include "sijill/processor/command.h"
#include "temp_dir.h"

using namespace sijill;
using namespace sijill::importer;

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
