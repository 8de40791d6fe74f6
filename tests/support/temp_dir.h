// A fresh folder under the system's temporary directory, removed when the test ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

namespace sijill::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name = "sijill-test") {
    std::random_device rd;
    path_ =
        std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sijill::testing
