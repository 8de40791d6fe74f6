// The crash test's child: appends under load until it is killed.
//
//   crash_child <data folder> <round> <threads> [key to retry]...
//
// Opens the store in the folder, retries the given keys one by one (each answer is a "retry"
// line), then runs <threads> writers through one GroupCommitter, each appending requests with
// keys r<round>-t<thread>-0, -1, ... and writing an "ack" line (crash_protocol.h) to stdout as
// soon as an append's future has resolved ok, never before. It runs until SIGKILL; it gives up
// on its own after a minute, in case the parent is gone. Any failure is written to stderr and
// ends the process with a non-zero status, which the parent reports.
//
// CRASH_NO_SYNC=1 in the environment opens the store with StoreOptions::sync = false: the
// crash test then still passes, which is why fsync is tested with the fault-injection file
// system instead (docs/testing-durability.md).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "crash_protocol.h"
#include "sijill/store/group_commit.h"

using namespace sijill;

namespace {

// One line, one write(2): atomic on a pipe (the lines are far below PIPE_BUF).
void emit(const std::string& line) {
  const auto n = ::write(STDOUT_FILENO, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) std::_Exit(10);  // the parent is gone
}

[[noreturn]] void die(const std::string& message, int code) {
  std::fprintf(stderr, "crash_child: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) die("usage: crash_child <data folder> <round> <threads> [key to retry]...", 2);
  const std::string dir = argv[1];
  const int round = std::atoi(argv[2]);
  const int threads = std::atoi(argv[3]);

  store::StoreOptions options;
  options.dir = dir;
  const char* no_sync = std::getenv("CRASH_NO_SYNC");
  options.sync = !(no_sync && std::strcmp(no_sync, "1") == 0);
  auto opened = store::EventStore::open(options);
  if (!opened) die("opening the store: " + opened.status().to_string(), 3);
  auto& st = **opened;
  emit("open " + std::to_string(st.head().position) + "\n");

  store::GroupCommitter committer(st);
  for (int i = 4; i < argc; ++i) {
    const std::string key = argv[i];
    auto r = committer.append(crash::request_for(key)).get();
    if (!r) die("retrying " + key + ": " + r.status().to_string(), 4);
    const auto& e = r->events.at(0);
    emit("retry " + key + " " + e.stream + " " + std::to_string(e.version) + " " + std::to_string(e.position) + " " +
         (r->replayed ? "1" : "0") + "\n");
  }

  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      for (std::uint64_t seq = 0; std::chrono::steady_clock::now() < give_up; ++seq) {
        const auto key = crash::make_key(round, t, seq);
        auto r = committer.append(crash::request_for(key)).get();
        if (!r) die("appending " + key + ": " + r.status().to_string(), 5);
        const auto& e = r->events.at(0);
        emit("ack " + key + " " + e.stream + " " + std::to_string(e.version) + " " + std::to_string(e.position) + "\n");
      }
    });
  }
  for (auto& w : writers) w.join();
  return 0;
}
