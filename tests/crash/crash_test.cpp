// The SIGKILL crash test: a child process (crash_child.cpp) appends under load and is killed
// at a random moment (20-300 ms after its store is open; in one round out of four, 20-80 ms
// after its start, often during RocksDB's recovery), round after round on the same data folder;
// after every kill the parent opens the store and checks that every append the child ever
// acknowledged is there.
//
// Environment:
//   CRASH_ROUNDS  number of rounds (default 25; setting it also lifts the 45 s time budget that
//                 bounds the default run), e.g. CRASH_ROUNDS=1000 for a soak
//   CRASH_SEED    the seed of the kill delays (default 20260702; printed, so a run can be
//                 replayed with the same delays)
//   CRASH_NO_SYNC=1  passed on to the child: the store runs without fsync, and this test still
//                 passes, since SIGKILL leaves the page cache intact (docs/testing-durability.md)
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <unordered_set>

#include "crash_protocol.h"
#include "sijill/store/event_store.h"
#include "temp_dir.h"

extern char** environ;

using namespace sijill;
using namespace sijill::store;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kThreads = 8;
constexpr int kMinKillMs = 20;
constexpr int kMaxKillMs = 300;
constexpr int kMaxEarlyKillMs = 80;  // the kills counted from the start: 20-80 ms

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoull(v, nullptr, 10);
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// An append the child acknowledged.
struct Ack {
  std::string stream;
  std::uint64_t version = 0;
  std::uint64_t position = 0;
  int round = 0;
};

// One run of the child: what it printed and how it ended.
struct ChildRun {
  std::vector<crash::Line> lines;
  std::vector<std::string> malformed;
  bool killed = false;  // we sent SIGKILL
  int wait_status = 0;  // from waitpid
  double killed_after_ms = 0;
};

// Starts the child with its stdout on a pipe, reads the pipe while waiting `kill_after` (so
// that it never fills), sends SIGKILL, then reads what is left until end of file. The delay
// runs from the start of the process when `from_start`, so that the kill may land while the
// store is being opened (RocksDB recovering its WAL); otherwise from the child's "open" line,
// so that it lands among appends however slow the start (sanitizers).
ChildRun run_child(const std::vector<std::string>& args, std::chrono::milliseconds kill_after, bool from_start) {
  ChildRun run;
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const auto started = Clock::now();
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) ::close(fds[0]);
  INFO("starting " << args[0] << ": " << std::strerror(spawned));
  REQUIRE(spawned == 0);
  // Should a REQUIRE below end the test, the child is killed and reaped all the same.
  struct Guard {
    pid_t pid;
    int fd;
    bool done = false;
    ~Guard() {
      if (done) return;
      ::close(fd);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } guard{pid, fds[0]};

  // Until the "open" line arrives, a slow start is given 30 s.
  auto deadline = started + (from_start ? kill_after : std::chrono::milliseconds(30'000));
  std::string pending;
  auto take_lines = [&] {
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      auto text = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      auto line = crash::parse_line(text);
      if (line.kind.empty()) {
        run.malformed.push_back(text);
      } else {
        if (line.kind == "open" && !from_start && !run.killed) deadline = Clock::now() + kill_after;
        run.lines.push_back(std::move(line));
      }
    }
  };
  auto kill_child = [&] {
    if (run.killed) return;
    ::kill(pid, SIGKILL);
    run.killed = true;
    run.killed_after_ms = ms_since(started);
  };
  char buffer[1 << 16];
  for (;;) {
    int timeout_ms = 10'000;  // after the kill: the pipe closes as soon as the child is gone
    if (!run.killed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        kill_child();
        continue;
      }
      timeout_ms = static_cast<int>(left);
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    REQUIRE(ready >= 0);
    if (ready == 0) {
      if (run.killed) FAIL("the child's pipe is still open 10 s after SIGKILL");
      continue;  // the deadline has come
    }
    const auto n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n >= 0);
    if (n == 0) break;  // end of file: the child is gone (killed, or ended on its own)
    pending.append(buffer, static_cast<std::size_t>(n));
    take_lines();
  }
  ::close(fds[0]);
  if (!pending.empty()) run.malformed.push_back(pending + " (no end of line)");
  if (!run.killed) {  // it closed its stdout before we killed it: it failed; make sure it is gone
    ::kill(pid, SIGKILL);
  }
  while (::waitpid(pid, &run.wait_status, 0) < 0 && errno == EINTR) {
  }
  guard.done = true;
  return run;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// Splits "r<round>-t<thread>-<seq>".
bool split_key(const std::string& key, int& round, int& thread, std::uint64_t& seq) {
  return std::sscanf(key.c_str(), "r%d-t%d-%" SCNu64, &round, &thread, &seq) == 3;
}

// What the previous checks established: the log up to `position` held every append
// acknowledged so far, and its record there had `hash`. Since every record's hash covers the
// one before it, the same hash at that position later means the same records up to it.
struct Checked {
  std::uint64_t position = 0;
  Hash hash{};
  std::unordered_set<std::string> keys;  // idempotency keys of the records up to `position`
};

// Checks the reopened store against every acknowledged append: each is at its position with
// its stream, version and key, and this round's are found through their streams; positions
// are gap-free from 1 to the head; no idempotency key is there twice; the chain verifies.
// The records up to `checked.position` are compared again only when `full` (the last round);
// otherwise they are vouched for by the unchanged hash there, so that a long soak stays linear.
std::vector<std::string> check_store(const EventStore& store, const std::map<std::string, Ack>& acked, int round,
                                     Checked& checked, bool full) {
  std::vector<std::string> problems;
  const auto head = store.head().position;
  auto what = [](const std::string& key, const Ack& a) {
    return "append " + key + " (acknowledged in round " + std::to_string(a.round) + " at position " +
           std::to_string(a.position) + ", " + a.stream + " v" + std::to_string(a.version) + ")";
  };
  auto record_at = [&](std::uint64_t position) -> std::optional<Record> {
    auto records = store.read_log(position - 1, 1);
    if (!records || records->size() != 1 || records->front().position != position) return std::nullopt;
    return records->front();
  };
  if (full) checked = Checked{};
  if (checked.position > 0) {
    auto r = record_at(checked.position);
    if (!r || r->hash != checked.hash) {
      problems.push_back("the record at position " + std::to_string(checked.position) +
                         " is not the one a previous round checked");
    }
  }
  const auto from = checked.position;  // the records after it are compared one by one
  std::vector<const std::pair<const std::string, Ack>*> expected_at(head + 1, nullptr);
  for (const auto& entry : acked) {
    const auto& [key, a] = entry;
    if (a.position == 0 || a.position > head) {
      problems.push_back(what(key, a) + " is lost: the log ends at position " + std::to_string(head));
    } else if (a.position > from) {
      expected_at[a.position] = &entry;
    } else if (a.round == round) {  // a retry answered with an older record
      auto r = record_at(a.position);
      auto env = r ? parse_envelope(r->bytes) : Result<Envelope>(Status::data_loss("missing"));
      if (!env || env->stream != a.stream || env->version != a.version || env->idempotency_key != key) {
        problems.push_back(what(key, a) + " is not there");
      }
    }
  }
  std::uint64_t expected = from + 1;
  auto st = store.scan_log(from, ~std::uint64_t{0}, [&](const Record& r) {
    if (r.position != expected) {
      problems.push_back("position " + std::to_string(expected) + " is followed by " + std::to_string(r.position));
    }
    expected = r.position + 1;
    auto env = parse_envelope(r.bytes);
    if (!env) {
      problems.push_back("position " + std::to_string(r.position) + ": " + env.status().to_string());
      return true;
    }
    if (!checked.keys.insert(env->idempotency_key).second) {
      problems.push_back("idempotency key " + env->idempotency_key + " appears twice (again at position " +
                         std::to_string(r.position) + ")");
    }
    if (r.position < expected_at.size() && expected_at[r.position]) {
      const auto& [key, a] = *expected_at[r.position];
      if (env->stream != a.stream || env->version != a.version || env->idempotency_key != key) {
        problems.push_back(what(key, a) + " is another event: " + env->idempotency_key + " (" + env->stream + " v" +
                           std::to_string(env->version) + ")");
      }
      expected_at[r.position] = nullptr;
    }
    return true;
  });
  if (!st) problems.push_back("scanning the log: " + st.to_string());
  for (const auto* entry : expected_at) {
    if (entry) problems.push_back(what(entry->first, entry->second) + " is missing from the log");
  }
  if (expected - 1 != head) {
    problems.push_back("the log ends at " + std::to_string(expected - 1) + " but the head is " + std::to_string(head));
  }
  for (const auto& [key, a] : acked) {
    if (a.round != round) continue;
    auto by_stream = store.read_stream(a.stream, a.version, 1);
    if (!by_stream || by_stream->empty() || by_stream->front().position != a.position) {
      problems.push_back(what(key, a) + " is not found through its stream");
    }
  }
  auto report = verify_chain(store);
  if (!report.ok()) {
    problems.push_back(
        "verify_chain: " + (report.first_bad ? "position " + std::to_string(*report.first_bad) + ": " : std::string()) +
        report.problem);
  }
  if (problems.empty()) {
    checked.position = head;
    checked.hash = store.head().hash;
  }
  return problems;
}

std::string first_lines(const std::vector<std::string>& lines, std::size_t n = 10) {
  std::string out;
  for (std::size_t i = 0; i < lines.size() && i < n; ++i) out += "\n  " + lines[i];
  if (lines.size() > n) out += "\n  ... and " + std::to_string(lines.size() - n) + " more";
  return out;
}

}  // namespace

TEST_CASE("SIGKILL during appends: every acknowledged append survives, round after round") {
  const bool soak = std::getenv("CRASH_ROUNDS") != nullptr;
  const auto rounds = static_cast<int>(env_number("CRASH_ROUNDS", 25));
  const auto seed = env_number("CRASH_SEED", 20260702);
  // The default run is bounded in time whatever the machine's speed (sanitizers, a busy
  // machine); a soak (CRASH_ROUNDS set) runs every round it asked for.
  const auto budget = std::chrono::seconds(45);
  const char* no_sync = std::getenv("CRASH_NO_SYNC");
  std::cout << "[crash] seed " << seed << ", " << rounds << " rounds of " << kThreads << " writers, SIGKILL "
            << kMinKillMs << "-" << kMaxKillMs << " ms after the store is open (one round in four: " << kMinKillMs
            << "-" << kMaxEarlyKillMs << " ms after the start)" << (no_sync ? ", CRASH_NO_SYNC set" : "")
            << "; replay with CRASH_SEED=" << seed << " CRASH_ROUNDS=" << rounds << std::endl;

  sijill::testing::TempDir dir("sijill-crash");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> kill_ms(kMinKillMs, kMaxKillMs);
  std::uniform_int_distribution<int> early_kill_ms(kMinKillMs, kMaxEarlyKillMs);
  std::map<std::string, Ack> acked;  // by idempotency key, every round's
  std::vector<std::string> retry;    // keys the next round retries first
  Checked checked;
  const auto started = Clock::now();
  int done = 0;
  std::size_t early_kills = 0;  // rounds killed before the store was open

  for (int round = 0; round < rounds; ++round) {
    if (!soak && Clock::now() - started > budget) {
      WARN("stopped after " << done << " of " << rounds << " rounds: the " << budget.count() << " s budget is spent");
      break;
    }
    // One round in four is killed soon after the start, often while the store is opening
    // (RocksDB replaying the WAL the previous kill left); the others among appends.
    const bool from_start = round % 4 == 1;
    const auto delay = std::chrono::milliseconds(from_start ? early_kill_ms(rng) : kill_ms(rng));
    INFO("round " << round << " (seed " << seed << "), SIGKILL " << delay.count() << " ms after "
                  << (from_start ? "the start" : "the store is open"));
    std::vector<std::string> args = {SIJILL_CRASH_CHILD, dir.path().string(), std::to_string(round),
                                     std::to_string(kThreads)};
    args.insert(args.end(), retry.begin(), retry.end());
    const auto round_started = Clock::now();
    auto run = run_child(args, delay, from_start);

    INFO("the child " << describe_exit(run.wait_status));
    REQUIRE(run.killed);
    REQUIRE(WIFSIGNALED(run.wait_status));
    REQUIRE(WTERMSIG(run.wait_status) == SIGKILL);
    INFO("malformed lines from the child:" << first_lines(run.malformed));
    REQUIRE(run.malformed.empty());

    // Take in what the child acknowledged, checking its answers to the retried keys.
    std::vector<std::string> answers;
    std::size_t acks = 0, replays = 0;
    bool opened = false;
    std::map<int, std::uint64_t> next_seq;  // per thread: one after its last acknowledged seq
    for (const auto& l : run.lines) {
      if (l.kind == "open") {
        opened = true;
        for (const auto& [key, a] : acked) {
          if (a.position > l.position) {
            answers.push_back("the child opened the store at head " + std::to_string(l.position) + " without " + key);
            break;
          }
        }
        continue;
      }
      const Ack a{l.stream, l.version, l.position, round};
      auto known = acked.find(l.key);
      if (l.kind == "retry") {
        if (known != acked.end()) {  // acknowledged before: must be answered with the first result
          if (!l.replayed || known->second.position != l.position || known->second.stream != l.stream ||
              known->second.version != l.version) {
            answers.push_back("retried " + l.key + " was answered with position " + std::to_string(l.position) +
                              (l.replayed ? " (replayed)" : " (appended again)") + ", first acknowledged at " +
                              std::to_string(known->second.position));
          }
        } else {  // its outcome was unknown: it is acknowledged now, replayed or appended
          acked.emplace(l.key, a);
          replays += l.replayed;
        }
        continue;
      }
      if (known != acked.end()) {
        answers.push_back("key " + l.key + " acknowledged twice");
        continue;
      }
      acked.emplace(l.key, a);
      ++acks;
      int r = 0, t = 0;
      std::uint64_t seq = 0;
      REQUIRE(split_key(l.key, r, t, seq));
      next_seq[t] = std::max(next_seq[t], seq + 1);
    }
    INFO("the child's answers:" << first_lines(answers));
    CHECK(answers.empty());
    early_kills += !opened;

    // The next round retries, per writer, its last acknowledged key (it must be answered with
    // the first result) and the one after it (in flight at the kill: its outcome is unknown).
    if (opened) {
      retry.clear();
      for (int t = 0; t < kThreads; ++t) {
        const auto next = next_seq.count(t) ? next_seq[t] : 0;
        if (next > 0) retry.push_back(crash::make_key(round, t, next - 1));
        retry.push_back(crash::make_key(round, t, next));
      }
    }

    const auto check_started = Clock::now();
    StoreOptions options;
    options.dir = dir.path();
    auto store = EventStore::open(options);
    INFO("opening the store after the kill: " << store.status().to_string());
    REQUIRE(store.is_ok());
    const auto open_ms = ms_since(check_started);
    const bool last = round + 1 == rounds || (!soak && Clock::now() - started > budget);
    const auto problems = check_store(**store, acked, round, checked, last);
    INFO(problems.size() << " problems after round " << round << ":" << first_lines(problems));
    REQUIRE(problems.empty());
    std::cout << "[crash] round " << round << ": killed " << static_cast<int>(run.killed_after_ms)
              << " ms after the start" << (opened ? "" : " (before the store was open)") << ", " << acks << " acks"
              << (replays ? " + " + std::to_string(replays) + " replayed retries" : std::string()) << ", "
              << acked.size() << " acknowledged in all, head " << (*store)->head().position << "; reopened in "
              << static_cast<int>(open_ms) << " ms, checked in " << static_cast<int>(ms_since(check_started) - open_ms)
              << " ms" << (last ? " (every append compared)" : "") << ", round "
              << static_cast<int>(ms_since(round_started)) << " ms" << std::endl;
    ++done;
  }
  std::cout << "[crash] seed " << seed << ": " << done << " rounds, " << acked.size()
            << " appends acknowledged and found after every kill, " << early_kills
            << " rounds killed before the store was open, " << static_cast<int>(ms_since(started) / 1000) << " s"
            << std::endl;
  CHECK(done >= std::min(rounds, 5));
  CHECK(acked.size() > 0);
}
