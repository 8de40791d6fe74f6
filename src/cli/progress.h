// Progress on a terminal for long work (verify, rebuild, import, export): count, rate, time
// left when the total is known. Silent when standard error is not a terminal or with --quiet.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sijill::cli {

class Progress {
 public:
  Progress(std::string what, std::uint64_t total, bool quiet)
      : what_(std::move(what)), total_(total), enabled_(!quiet && ::isatty(STDERR_FILENO) == 1) {}

  void update(std::uint64_t done) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    if (total_ > 0 && rate > 0) {
      std::fprintf(stderr, "\r%s %llu/%llu (%.0f/s, %.0f s left)   ", what_.c_str(),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate,
                   static_cast<double>(total_ - std::min(done, total_)) / rate);
    } else {
      std::fprintf(stderr, "\r%s %llu (%.0f/s)   ", what_.c_str(), static_cast<unsigned long long>(done), rate);
    }
    shown_ = true;
  }
  // Clears the progress line so that the summary starts on a clean line.
  void finish() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::string what_;
  std::uint64_t total_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace sijill::cli
