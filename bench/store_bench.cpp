// store_bench: how fast the event store appends durably, reads its log and verifies its chain,
// next to the references that say what "fast" means on the machine at hand: raw RocksDB (the
// physical limit) and PostgreSQL 15 with a classic events table (the peer a user would
// otherwise pick). Targets are ratios measured in the same run, because the machine's speed
// drifts from minute to minute; docs/performance.md keeps a table and explains the method.
//
//   store_bench [--events N] [--seconds S] [--threads 1,8,64] [--skip-pg] [--only a,b]
//
// Scenarios, in the order they run (--only names one or several):
//
//   append_store    durable appends through GroupCommitter::append (fsync before the ack):
//                   each writer thread appends one event (about 400 bytes of data) at a time
//                   to its own stream, with its expected version, and waits for the ack.
//   append_rocksdb  the physical limit: as many threads, each doing a synced WriteBatch
//                   (sync = true) that holds one record of the same size as the store's plus a
//                   small stream index key, on a plain RocksDB (RocksDB groups concurrent
//                   writers into one WAL write and sync itself).
//   append_pg       the peer: a PostgreSQL 15 server started for the run (default durability:
//                   fsync on, synchronous_commit on), as many client connections (libpq), one
//                   INSERT ... RETURNING position per append in its own transaction, the
//                   version computed by the client for its own stream.
//   scan_raw        the read reference: a raw RocksDB iterator over the store's log, copying
//                   each record into a padded buffer and parsing its envelope with simdjson.
//   scan_store      EventStore::scan_log over the same log, parse_envelope on each record.
//   verify          verify_chain over the same log (reads on one thread, hashes on another).
//
// Every scenario runs in --rounds rounds (default 3), interleaved: at each concurrency level,
// round 1 of append_store, append_rocksdb, append_pg, then round 2, ... (each round --seconds /
// --rounds long); the read scenarios likewise over one log of --events events. So the runs a
// ratio compares are seconds apart, and each ratio is the median of its per-round ratios. The
// table shows totals over the rounds for appends and the median round for reads.
//
// Everything lives in a temporary folder under $TMPDIR (default /tmp), removed at the end (also
// on Ctrl-C). It must be on the disk being measured: on tmpfs an fsync costs nothing.

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "raw_log.h"
#include "sijill/store/event_store.h"
#include "sijill/store/group_commit.h"
#include "sijill/store/record.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using sijill::bench::check;
using sijill::bench::RawDb;
using sijill::bench::scan_and_parse;
using sijill::store::AppendRequest;
using sijill::store::EventDraft;
using sijill::store::EventStore;
using sijill::store::GroupCommitter;
using sijill::store::StoreOptions;

constexpr const char* kAppendStore = "append_store";
constexpr const char* kAppendRocksdb = "append_rocksdb";
constexpr const char* kAppendPg = "append_pg";
constexpr const char* kScanRaw = "scan_raw";
constexpr const char* kScanStore = "scan_store";
constexpr const char* kVerify = "verify";
const std::vector<std::string> kScenarios = {kAppendStore, kAppendRocksdb, kAppendPg, kScanRaw, kScanStore, kVerify};

constexpr std::size_t kDataBytes = 400;     // the serialised size of each event's data
constexpr std::size_t kFillStreams = 1000;  // streams the read log's events are spread over
constexpr std::size_t kFillBatch = 1000;    // events per commit while filling the read log

// Targets (docs/performance.md).
constexpr double kTargetVsRocksdb = 0.5;
constexpr double kTargetVsPg = 5.0;
constexpr double kTargetVerify = 0.8;
constexpr double kTargetRebuild = 0.8;  // a projection rebuild cannot beat scan_store

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);
void on_interrupt(int) { g_interrupted.store(true); }

bool interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

// CPU seconds this process has used so far, all threads, user and system.
double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Options {
  std::uint64_t events = 1'000'000;
  double seconds = 5.0;
  std::vector<int> threads = {1, 8, 64};
  int rounds = 3;
  bool skip_pg = false;
  std::vector<std::string> only;
  std::string pg_bin = "/usr/lib/postgresql/15/bin";
  std::string pg_user = "postgres";
  bool keep = false;

  bool runs(const std::string& scenario) const {
    if (scenario == kAppendPg && skip_pg) return false;
    return only.empty() || std::find(only.begin(), only.end(), scenario) != only.end();
  }
};

// ---------------------------------------------------------------------------------------------
// The temporary folder

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sijill-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed: " + std::string(strerror(errno)));
    path_ = pattern;
  }
  ~TempDir() {
    if (keep_) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void keep() { keep_ = true; }
  bool on_tmpfs() const {
    constexpr decltype(statfs::f_type) kTmpfsMagic = 0x01021994;
    struct statfs info {};
    return ::statfs(path_.c_str(), &info) == 0 && info.f_type == kTmpfsMagic;
  }

 private:
  fs::path path_;
  bool keep_ = false;
};

// ---------------------------------------------------------------------------------------------
// The events every scenario writes

// An evaluator's score with a comment: a plausible event whose data serialises to `bytes`.
boost::json::object event_data(std::size_t bytes) {
  boost::json::object data{{"application", "APP-004217"},
                           {"criterion", "community_impact"},
                           {"score", 7},
                           {"max_score", 10},
                           {"evaluator", "u-17"},
                           {"comment", ""}};
  const auto base = boost::json::serialize(data).size();
  const std::string words = "The applicant shows a credible plan with local partners and a clear budget. ";
  std::string comment;
  while (comment.size() + base < bytes) comment += words;
  comment.resize(bytes > base ? bytes - base : 0);
  data["comment"] = comment;
  return data;
}

EventDraft event_draft(std::string stream, const boost::json::object& data) {
  EventDraft d;
  d.stream = std::move(stream);
  d.type = "ScoreSubmitted";
  d.data = data;
  d.actor = {"u-17", "evaluator"};
  return d;
}

// Each run's writers append to streams of their own, so that every run starts at version 1.
std::string writer_stream(int run, int index) { return fmt::format("evaluation/r{}-w{}", run, index); }

// ---------------------------------------------------------------------------------------------
// Running N writers for S seconds

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

struct WriterRun {
  int threads = 0;
  std::uint64_t events = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;   // one per append, sorted
  std::uint64_t syncs = 0;            // fsyncs (or WAL syncs) the run cost; 0 when unknown
  std::optional<double> sync_ms;      // the average time of one synced write or sync call
  std::optional<double> cpu_seconds;  // this process's CPU time; unset when the work is elsewhere
  double rate() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
  double p50_ms() const { return percentile(latencies_ms, 0.50); }
  double p99_ms() const { return percentile(latencies_ms, 0.99); }
};

// The rounds of one scenario at one concurrency as if they were one run.
WriterRun combine(const std::vector<WriterRun>& rounds) {
  WriterRun total;
  double sync_ms_sum = 0;
  std::uint64_t timed_syncs = 0;
  total.cpu_seconds = 0.0;
  for (const auto& r : rounds) {
    total.threads = r.threads;
    total.events += r.events;
    total.seconds += r.seconds;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    total.syncs += r.syncs;
    if (r.sync_ms) {
      sync_ms_sum += *r.sync_ms * static_cast<double>(r.syncs);
      timed_syncs += r.syncs;
    }
    if (r.cpu_seconds && total.cpu_seconds) {
      *total.cpu_seconds += *r.cpu_seconds;
    } else {
      total.cpu_seconds.reset();
    }
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  if (timed_syncs > 0) total.sync_ms = sync_ms_sum / static_cast<double>(timed_syncs);
  return total;
}

// Starts `threads` threads; each builds its writer with make_writer(index) (a callable that
// appends one event durably, or throws), then all append in a loop for `seconds`.
template <class MakeWriter>
WriterRun run_writers(int threads, double seconds, MakeWriter make_writer) {
  std::latch ready(threads);
  std::latch start_gate(1);
  Clock::time_point start;
  Clock::time_point deadline;
  std::atomic<bool> failed{false};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::vector<Clock::time_point> finished(static_cast<std::size_t>(threads));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      const auto slot = static_cast<std::size_t>(i);
      bool counted = false;
      try {
        auto write = make_writer(i);
        ready.count_down();
        counted = true;
        start_gate.wait();
        auto& mine = latencies[slot];
        mine.reserve(1 << 14);
        while (!failed.load(std::memory_order_relaxed) && !interrupted()) {
          const auto t0 = Clock::now();
          if (t0 >= deadline) break;
          write();
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        }
        finished[slot] = Clock::now();
      } catch (...) {
        errors[slot] = std::current_exception();
        failed = true;
        finished[slot] = Clock::now();
        if (!counted) ready.count_down();
      }
    });
  }
  ready.wait();
  const auto cpu_before = process_cpu_seconds();
  start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  start_gate.count_down();
  for (auto& t : pool) t.join();
  const auto cpu_after = process_cpu_seconds();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  WriterRun run;
  run.threads = threads;
  for (auto& v : latencies) run.latencies_ms.insert(run.latencies_ms.end(), v.begin(), v.end());
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  run.events = run.latencies_ms.size();
  run.seconds = std::chrono::duration<double>(*std::max_element(finished.begin(), finished.end()) - start).count();
  run.cpu_seconds = cpu_after - cpu_before;
  return run;
}

// ---------------------------------------------------------------------------------------------
// append_store

// A thread's time on a CPU and waiting for one (runnable, not running), from the kernel's
// scheduler statistics (/proc/.../schedstat); nullopt where the kernel does not keep them.
struct ThreadTimes {
  std::uint64_t on_cpu_ns = 0;
  std::uint64_t runnable_ns = 0;
};
std::optional<ThreadTimes> thread_times(const std::string& schedstat_path) {
  std::ifstream in(schedstat_path);
  ThreadTimes t;
  if (in >> t.on_cpu_ns >> t.runnable_ns) return t;
  return std::nullopt;
}

// Where the writer thread's time goes, per batch: from the begin hook to the end hook it stages
// the batch and commits it (write + fsync, which the committer's stats time); from the end hook
// to the next begin hook it answers the batch's callers and waits for work. Across the whole
// cycle, the kernel says how long the thread ran and how long it was runnable but had no CPU.
struct BatchCycle {
  std::uint64_t batches = 0;
  double stage_ms = 0;     // staging (deciding, serialising, hashing): busy time minus the commit
  double commit_ms = 0;    // EventStore::commit: the WriteBatch write and its fsync
  double answer_ms = 0;    // answering the callers, then waiting for the next jobs
  double on_cpu_ms = 0;    // the writer thread on a CPU
  double runnable_ms = 0;  // the writer thread ready to run, waiting for a CPU

  void add(const BatchCycle& other) {
    const auto n = static_cast<double>(batches + other.batches);
    if (n == 0) return;
    auto mix = [&](double mine, double theirs) {
      return (mine * static_cast<double>(batches) + theirs * static_cast<double>(other.batches)) / n;
    };
    stage_ms = mix(stage_ms, other.stage_ms);
    commit_ms = mix(commit_ms, other.commit_ms);
    answer_ms = mix(answer_ms, other.answer_ms);
    on_cpu_ms = mix(on_cpu_ms, other.on_cpu_ms);
    runnable_ms = mix(runnable_ms, other.runnable_ms);
    batches += other.batches;
  }
};

class StoreAppends {
 public:
  explicit StoreAppends(const fs::path& dir) {
    StoreOptions options;
    options.dir = dir;
    auto opened = EventStore::open(options);
    if (!opened) throw std::runtime_error("opening the store: " + opened.status().to_string());
    store_ = std::move(opened).value();
    GroupCommitter::Hooks hooks;
    hooks.begin = [this] { on_batch_begin(); };
    hooks.end = [this](const sijill::Status&) { on_batch_end(); };
    committer_ = std::make_unique<GroupCommitter>(*store_, GroupCommitter::Options(), std::move(hooks));
  }

  const BatchCycle& last_cycle() const { return last_cycle_; }

  WriterRun run(int threads, double seconds, const boost::json::object& data) {
    const int run_id = ++runs_;
    restart_cycle_.store(true);
    const auto before = committer_->stats();
    auto result = run_writers(threads, seconds, [&](int index) {
      return [this, stream = writer_stream(run_id, index), draft = event_draft(writer_stream(run_id, index), data),
              version = std::uint64_t{0}]() mutable {
        AppendRequest request;
        request.events.push_back(draft);
        request.expected.push_back({stream, version});
        auto appended = committer_->append(std::move(request)).get();
        if (!appended) throw std::runtime_error("append failed: " + appended.status().to_string());
        ++version;
      };
    });
    result.syncs = committer_->stats().batches - before.batches;
    const auto n = static_cast<double>(std::max<std::uint64_t>(cycles_.load(), 1));
    last_cycle_.batches = cycles_.load();
    last_cycle_.commit_ms = static_cast<double>(commit_us_.load()) / 1e3 / n;
    last_cycle_.stage_ms = static_cast<double>(busy_ns_.load()) / 1e6 / n - last_cycle_.commit_ms;
    last_cycle_.answer_ms = static_cast<double>(cycle_ns_.load() - busy_ns_.load()) / 1e6 / n;
    last_cycle_.on_cpu_ms = last_cycle_.runnable_ms = -1;
    if (const auto tid = writer_tid_.load(); tid != 0 && writer_times_at_start_) {
      if (auto now = thread_times(fmt::format("/proc/self/task/{}/schedstat", tid))) {
        last_cycle_.on_cpu_ms = static_cast<double>(now->on_cpu_ns - writer_times_at_start_->on_cpu_ns) / 1e6 / n;
        last_cycle_.runnable_ms = static_cast<double>(now->runnable_ns - writer_times_at_start_->runnable_ns) / 1e6 / n;
      }
    }
    if (last_cycle_.batches > 0) result.sync_ms = last_cycle_.commit_ms;
    return result;
  }

 private:
  // On the writer thread. A cycle is counted when the next one begins, with the commit time
  // the committer's stats then hold for it.
  void on_batch_begin() {
    const auto now = Clock::now();
    if (restart_cycle_.exchange(false)) {
      writer_tid_ = ::gettid();
      writer_times_at_start_ = thread_times("/proc/thread-self/schedstat");
      cycles_ = 0;
      cycle_ns_ = 0;
      busy_ns_ = 0;
      commit_us_ = 0;
    } else if (batch_began_ != Clock::time_point{}) {
      ++cycles_;
      cycle_ns_ += static_cast<std::uint64_t>(std::chrono::nanoseconds(now - batch_began_).count());
      busy_ns_ += last_busy_ns_;
      commit_us_ += committer_->stats().last_commit_micros;
    }
    batch_began_ = now;
  }
  void on_batch_end() {
    last_busy_ns_ = static_cast<std::uint64_t>(std::chrono::nanoseconds(Clock::now() - batch_began_).count());
  }

  std::unique_ptr<EventStore> store_;
  std::unique_ptr<GroupCommitter> committer_;
  int runs_ = 0;
  std::atomic<bool> restart_cycle_{false};
  std::atomic<pid_t> writer_tid_{0};
  std::optional<ThreadTimes> writer_times_at_start_;  // written by the writer thread at a run's first batch
  Clock::time_point batch_began_{};
  std::uint64_t last_busy_ns_ = 0;
  std::atomic<std::uint64_t> cycles_{0}, cycle_ns_{0}, busy_ns_{0}, commit_us_{0};
  BatchCycle last_cycle_;
};

// One record as the store writes it, to give the raw reference records of the same size.
std::string sample_log_value(const fs::path& dir, const boost::json::object& data, int threads, int runs) {
  StoreOptions options;
  options.dir = dir;
  auto store = EventStore::open(options);
  if (!store) throw std::runtime_error("opening the sample store: " + store.status().to_string());
  auto batch = (*store)->begin_batch();
  AppendRequest request;
  request.events.push_back(event_draft(writer_stream(runs, threads - 1), data));
  if (auto staged = batch.stage(request); !staged) throw std::runtime_error(staged.status().to_string());
  if (auto st = (*store)->commit(batch); !st) throw std::runtime_error(st.to_string());
  auto records = (*store)->read_log(0, 1);
  if (!records || records->empty()) throw std::runtime_error("the sample record did not read back");
  const auto& r = records->front();
  return std::string(reinterpret_cast<const char*>(r.hash.data()), r.hash.size()) + r.bytes;
}

// ---------------------------------------------------------------------------------------------
// Raw RocksDB

std::string big_endian(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}


class RocksdbAppends {
 public:
  RocksdbAppends(const fs::path& dir, std::string record)
      : statistics_(rocksdb::CreateDBStatistics()),
        db_(dir, false, {"log", "streams"}, statistics_),
        log_(db_.family("log")),
        streams_(db_.family("streams")),
        record_(std::move(record)) {}

  WriterRun run(int threads, double seconds) {
    check(statistics_->Reset(), "resetting statistics");
    const int run_id = ++runs_;
    auto result = run_writers(threads, seconds, [&](int index) {
      return [this, stream = writer_stream(run_id, index), version = std::uint64_t{0},
              batch = rocksdb::WriteBatch()]() mutable {
        const auto position = next_position_.fetch_add(1);
        const auto position_key = big_endian(position);
        std::string index_key = stream;
        index_key.push_back('\0');
        index_key += big_endian(++version);
        batch.Clear();
        check(batch.Put(log_, position_key, record_), "staging");
        check(batch.Put(streams_, index_key, position_key), "staging");
        rocksdb::WriteOptions synced;
        synced.sync = true;
        check(db_.db().Write(synced, &batch), "synced write");
      };
    });
    result.syncs = statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED);
    rocksdb::HistogramData sync_micros;
    statistics_->histogramData(rocksdb::WAL_FILE_SYNC_MICROS, &sync_micros);
    if (sync_micros.count > 0) result.sync_ms = sync_micros.average / 1e3;
    return result;
  }

 private:
  std::shared_ptr<rocksdb::Statistics> statistics_;
  RawDb db_;
  rocksdb::ColumnFamilyHandle* log_;
  rocksdb::ColumnFamilyHandle* streams_;
  std::string record_;
  std::atomic<std::uint64_t> next_position_{1};
  int runs_ = 0;
};

// ---------------------------------------------------------------------------------------------
// PostgreSQL

struct PgConnClose {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnClose>;
struct PgResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultClear>;

PgConn pg_connect(const std::string& conninfo) {
  PgConn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("connecting to PostgreSQL: " + std::string(PQerrorMessage(conn.get())));
  }
  return conn;
}

PgResult pg_check(PGconn* conn, PGresult* raw, const std::string& what) {
  PgResult result(raw);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(what + ": " + std::string(PQerrorMessage(conn)));
  }
  return result;
}

std::string pg_value(PGconn* conn, const std::string& sql) {
  auto result = pg_check(conn, PQexec(conn, sql.c_str()), sql);
  return PQntuples(result.get()) > 0 ? PQgetvalue(result.get(), 0, 0) : "";
}

// Who runs the server. PostgreSQL refuses to run as root (initdb and postgres both check), so
// a bench started as root runs them as an unprivileged system user.
struct ServerUser {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

ServerUser server_user(const std::string& wanted) {
  ServerUser user;
  if (::geteuid() != 0) return user;
  for (const auto& candidate : {wanted, std::string("nobody")}) {
    if (const passwd* pw = ::getpwnam(candidate.c_str()); pw != nullptr && pw->pw_uid != 0) {
      user.switch_user = true;
      user.uid = pw->pw_uid;
      user.gid = pw->pw_gid;
      user.name = candidate;
      return user;
    }
  }
  throw std::runtime_error("running as root, and neither '" + wanted +
                           "' nor 'nobody' is an unprivileged user to run PostgreSQL as (--pg-user)");
}

// Runs a program to completion as `user`, its output appended to `log`; returns its exit code.
int run_program(const std::vector<std::string>& argv, const ServerUser& user, const fs::path& cwd,
                const fs::path& log) {
  // Everything the child needs is prepared before fork(): between fork and exec a
  // multi-threaded process may only make async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "HOME=" + cwd.string()};
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("cannot open " + log.string());
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    if (user.switch_user) {
      if (::setgroups(1, &user.gid) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0) ::_exit(126);
    }
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
  ::close(out);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A PostgreSQL server of its own in <root>: initdb, start on a Unix socket in <root> (no TCP
// port, so nothing can clash with another server), stop in the destructor.
class PgServer {
 public:
  PgServer(const fs::path& root, const Options& options, int max_connections)
      : root_(root),
        data_(root / "data"),
        log_(root / "server.log"),
        bin_(options.pg_bin),
        user_(server_user(options.pg_user)) {
    for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
      if (!fs::exists(bin_ / tool)) {
        throw std::runtime_error(
            (bin_ / tool).string() +
            " is missing: run `tools/setup --bench`, pass --pg-bin, or leave the peer out with --skip-pg");
      }
    }
    fs::create_directories(root_);
    if (user_.switch_user) {
      // The server's user must reach its folder: let others traverse (not list) the parents
      // created here, and give it the folder itself.
      fs::permissions(root_.parent_path(), fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
      if (::chown(root_.c_str(), user_.uid, user_.gid) != 0) throw std::runtime_error("chown " + root_.string());
    }
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace);
    // --no-sync only skips flushing the fresh cluster's files once; the server below runs
    // with PostgreSQL's default durability (fsync = on, synchronous_commit = on).
    run_or_throw({(bin_ / "initdb").string(), "-D", data_.string(), "-U", "bench", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions"},
                 "initdb");
    const auto conf = data_ / "postgresql.conf";
    {
      std::FILE* f = std::fopen(conf.c_str(), "a");
      if (f == nullptr) throw std::runtime_error("cannot append to " + conf.string());
      fmt::print(f,
                 "\n# store_bench\nlisten_addresses = ''\nunix_socket_directories = '{}'\nport = {}\n"
                 "max_connections = {}\ntrack_wal_io_timing = on\n",
                 root_.string(), kPort, max_connections + 5);
      std::fclose(f);
    }
    run_or_throw({(bin_ / "pg_ctl").string(), "-D", data_.string(), "-l", log_.string(), "-w", "-t", "60", "start"},
                 "pg_ctl start");
    running_ = true;
  }
  ~PgServer() {
    if (running_) {
      try {
        run_program({(bin_ / "pg_ctl").string(), "-D", data_.string(), "-m", "fast", "-w", "stop"}, user_, root_,
                    root_ / "pg_ctl.log");
      } catch (const std::exception&) {
        // Nothing more to do: the folder goes with the temporary folder.
      }
    }
  }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  std::string conninfo() const {
    return fmt::format("host={} port={} dbname=postgres user=bench", root_.string(), kPort);
  }
  const ServerUser& user() const { return user_; }

 private:
  static constexpr int kPort = 5432;  // names the socket file only: listen_addresses is empty

  void run_or_throw(const std::vector<std::string>& argv, const std::string& what) {
    const auto log = root_ / "pg_ctl.log";
    if (int code = run_program(argv, user_, root_, log); code != 0) {
      throw std::runtime_error(
          fmt::format("{} failed (exit {}); see {} and {}", what, code, log.string(), log_.string()));
    }
  }

  fs::path root_;
  fs::path data_;
  fs::path log_;
  fs::path bin_;
  ServerUser user_;
  bool running_ = false;
};

class PgAppends {
 public:
  PgAppends(const fs::path& root, const Options& options, int max_connections, const boost::json::object& data)
      : server_(root, options, max_connections), data_(boost::json::serialize(data)) {
    auto conn = pg_connect(server_.conninfo());
    pg_check(conn.get(),
             PQexec(conn.get(),
                    "CREATE TABLE events ("
                    " position bigserial PRIMARY KEY,"
                    " stream_id text NOT NULL,"
                    " version int NOT NULL,"
                    " type text NOT NULL,"
                    " data jsonb NOT NULL,"
                    " recorded_at timestamptz NOT NULL DEFAULT now(),"
                    " UNIQUE (stream_id, version))"),
             "creating the events table");
    settings_ = fmt::format("PostgreSQL {} as user '{}': fsync={} synchronous_commit={} wal_sync_method={}",
                            pg_value(conn.get(), "SHOW server_version"),
                            server_.user().switch_user ? server_.user().name : "(the current user)",
                            pg_value(conn.get(), "SHOW fsync"), pg_value(conn.get(), "SHOW synchronous_commit"),
                            pg_value(conn.get(), "SHOW wal_sync_method"));
  }

  const std::string& settings() const { return settings_; }

  WriterRun run(int threads, double seconds) {
    auto admin = pg_connect(server_.conninfo());
    const auto before = wal_syncs(admin.get());
    const int run_id = ++runs_;
    auto result = run_writers(threads, seconds, [&](int index) {
      auto conn = pg_connect(server_.conninfo());
      pg_check(conn.get(),
               PQprepare(conn.get(), "append",
                         "INSERT INTO events (stream_id, version, type, data) VALUES ($1, $2, $3, $4)"
                         " RETURNING position",
                         4, nullptr),
               "preparing the insert");
      return [this, conn = std::move(conn), stream = writer_stream(run_id, index), version = 0]() mutable {
        const auto version_text = std::to_string(++version);
        const char* params[] = {stream.c_str(), version_text.c_str(), "ScoreSubmitted", data_.c_str()};
        pg_check(conn.get(), PQexecPrepared(conn.get(), "append", 4, params, nullptr, nullptr, 0), "insert");
      };
    });
    // Backends report their WAL statistics when they exit, a moment after the client leaves.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto after = wal_syncs(admin.get());
    result.syncs = after.count - before.count;
    if (result.syncs > 0) result.sync_ms = (after.total_ms - before.total_ms) / static_cast<double>(result.syncs);
    result.cpu_seconds.reset();  // the server's CPU time is another process's
    return result;
  }

 private:
  struct WalSyncs {
    std::uint64_t count = 0;
    double total_ms = 0;
  };
  static WalSyncs wal_syncs(PGconn* conn) {
    pg_value(conn, "SELECT pg_stat_clear_snapshot()");
    return {std::stoull(pg_value(conn, "SELECT wal_sync FROM pg_stat_wal")),
            std::stod(pg_value(conn, "SELECT wal_sync_time FROM pg_stat_wal"))};
  }

  PgServer server_;
  std::string data_;
  std::string settings_;
  int runs_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The read log

struct ReadRun {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

// Runs `read` (which fills in events and bytes) and adds its wall and CPU time.
template <class Read>
ReadRun timed(Read read) {
  const auto cpu_before = process_cpu_seconds();
  const auto started = Clock::now();
  ReadRun run = read();
  run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  run.cpu_seconds = process_cpu_seconds() - cpu_before;
  return run;
}

struct Fill {
  double append_seconds = 0;   // staging and committing
  double compact_seconds = 0;  // flushing and compacting
};

// Fills a store with `events` events through the store's own batches, then flushes and
// compacts its log, as a store that has been running a while would have it.
Fill fill_log(const fs::path& dir, std::uint64_t events, const boost::json::object& data) {
  Fill fill;
  auto started = Clock::now();
  {
    StoreOptions options;
    options.dir = dir;
    auto store = EventStore::open(options);
    if (!store) throw std::runtime_error("opening the read store: " + store.status().to_string());
    std::vector<EventDraft> drafts;
    for (std::size_t s = 0; s < kFillStreams; ++s)
      drafts.push_back(event_draft(fmt::format("evaluation/APP-{:06}", s), data));
    std::uint64_t written = 0;
    while (written < events && !interrupted()) {
      auto batch = (*store)->begin_batch();
      for (std::size_t i = 0; i < kFillBatch && written < events; ++i, ++written) {
        AppendRequest request;
        request.events.push_back(drafts[written % kFillStreams]);
        if (auto staged = batch.stage(request); !staged) throw std::runtime_error(staged.status().to_string());
      }
      if (auto st = (*store)->commit(batch); !st) throw std::runtime_error(st.to_string());
    }
  }
  fill.append_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  started = Clock::now();
  {
    RawDb raw(dir / "log", false, {});
    rocksdb::FlushOptions flush;
    check(raw.db().Flush(flush, raw.family("log")), "flushing the log");
    check(raw.db().Flush(flush, raw.family("streams")), "flushing the stream index");
    check(raw.db().Flush(flush, raw.family("meta")), "flushing meta");
    rocksdb::CompactRangeOptions compact;
    check(raw.db().CompactRange(compact, raw.family("log"), nullptr, nullptr), "compacting the log");
  }
  fill.compact_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return fill;
}

// The reference: iterate the log column family, copy each record into a padded buffer, parse
// the envelope fields parse_envelope reads, with simdjson's on-demand API, keeping views only.
ReadRun scan_raw(RawDb& raw) {
  ReadRun run;
  const auto scanned = scan_and_parse(raw);
  run.events = scanned.events;
  run.bytes = scanned.bytes;
  return run;
}

ReadRun scan_store(const EventStore& store) {
  ReadRun run;
  std::uint64_t checksum = 0;
  std::string problem;
  auto st = store.scan_log(0, ~std::uint64_t{0}, [&](const sijill::store::Record& r) {
    auto envelope = sijill::store::parse_envelope(r.bytes);
    if (!envelope) {
      problem = envelope.status().to_string();
      return false;
    }
    checksum += envelope->position + envelope->version + envelope->stream.size() + envelope->type.size();
    ++run.events;
    run.bytes += r.bytes.size() + r.hash.size();
    return true;
  });
  if (!st) throw std::runtime_error("scan_log: " + st.to_string());
  if (!problem.empty()) throw std::runtime_error(problem);
  if (checksum == 0) throw std::runtime_error("nothing was parsed");
  return run;
}

ReadRun verify(const EventStore& store, std::uint64_t bytes_per_event) {
  ReadRun run;
  auto report = sijill::store::verify_chain(store);
  if (!report.ok()) throw std::runtime_error("verify_chain: " + report.problem);
  run.events = report.count;
  run.bytes = report.count * bytes_per_event;
  return run;
}

// ---------------------------------------------------------------------------------------------
// Output

std::string load_average() {
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) != 3) return "unknown";
  return fmt::format("{:.2f} {:.2f} {:.2f}", load[0], load[1], load[2]);
}

void print_table_header() {
  fmt::print("\n{:<16} {:>7} {:>9} {:>8} {:>11} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "scenario", "threads",
             "events", "seconds", "events/s", "MB/s", "cpu us/ev", "syncs", "ev/sync", "sync ms", "p50 ms", "p99 ms");
  fmt::print("{:-<16} {:->7} {:->9} {:->8} {:->11} {:->8} {:->9} {:->8} {:->8} {:->8} {:->8} {:->8}\n", "", "", "", "",
             "", "", "", "", "", "", "", "");
}

void print_append_row(const std::string& scenario, const WriterRun& r) {
  const auto per_sync = r.syncs > 0
                            ? fmt::format("{:.1f}", static_cast<double>(r.events) / static_cast<double>(r.syncs))
                            : std::string("-");
  const auto cpu = r.cpu_seconds && r.events > 0
                       ? fmt::format("{:.1f}", *r.cpu_seconds * 1e6 / static_cast<double>(r.events))
                       : std::string("-");
  const auto sync = r.sync_ms ? fmt::format("{:.2f}", *r.sync_ms) : std::string("-");
  fmt::print("{:<16} {:>7} {:>9} {:>8.2f} {:>11.0f} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8.2f} {:>8.2f}\n", scenario,
             r.threads, r.events, r.seconds, r.rate(), "-", cpu, r.syncs, per_sync, sync, r.p50_ms(), r.p99_ms());
  std::fflush(stdout);
}

void print_read_row(const std::string& scenario, int threads, const ReadRun& r) {
  fmt::print("{:<16} {:>7} {:>9} {:>8.2f} {:>11.0f} {:>8.0f} {:>9.2f} {:>8} {:>8} {:>8} {:>8} {:>8}\n", scenario,
             threads, r.events, r.seconds, r.rate(), static_cast<double>(r.bytes) / r.seconds / 1e6,
             r.cpu_seconds * 1e6 / static_cast<double>(r.events), "-", "-", "-", "-", "-");
  std::fflush(stdout);
}

struct Ratio {
  std::string what;
  std::optional<double> value;
  double target = 0;
  bool is_target = true;  // false: shown for information
};

void print_ratios(const std::vector<Ratio>& ratios) {
  fmt::print("\n{:<58} {:>8} {:>8}  {}\n", "ratio (median of the per-round ratios)", "measured", "target", "result");
  fmt::print("{:-<58} {:->8} {:->8}  {:-<6}\n", "", "", "", "");
  for (const auto& r : ratios) {
    const auto measured = r.value ? fmt::format("{:.2f}", *r.value) : std::string("n/a");
    std::string result = !r.value               ? "not measured"
                         : !r.is_target         ? "(information)"
                         : *r.value >= r.target ? "holds"
                                                : "MISSED";
    if (r.is_target || r.value) {
      fmt::print("{:<58} {:>8} {:>8}  {}\n", r.what, measured, fmt::format(">= {}", r.target), result);
    }
  }
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

ReadRun median_run(std::vector<ReadRun> runs) {
  std::sort(runs.begin(), runs.end(), [](const ReadRun& a, const ReadRun& b) { return a.rate() < b.rate(); });
  return runs[runs.size() / 2];
}

// ---------------------------------------------------------------------------------------------

int run(const Options& options) {
  TempDir temp;
  if (options.keep) temp.keep();
  const auto data = event_data(kDataBytes);
  const auto max_threads = *std::max_element(options.threads.begin(), options.threads.end());
  const int append_runs = static_cast<int>(options.threads.size()) * options.rounds;
  const auto record = sample_log_value(temp.path() / "sample", data, max_threads, append_runs);

  fmt::print("store_bench: {} cores, load average {} (at start)\n", std::thread::hardware_concurrency(),
             load_average());
  fmt::print("events: {} bytes of data, {} bytes stored per event in the log (hash + record)\n",
             boost::json::serialize(data).size(), record.size());
  fmt::print("appends: {:.1f} s per scenario and concurrency, in {} rounds; writers {}; read log: {} events\n",
             options.seconds, options.rounds, fmt::join(options.threads, ", "), options.events);
  fmt::print("folder: {} (removed at the end)\n", temp.path().string());
  if (temp.on_tmpfs()) {
    fmt::print("WARNING: the folder is on tmpfs, where fsync costs nothing: set TMPDIR to a folder on the disk\n");
  }

  // Appends, interleaved by concurrency.
  std::map<std::string, std::map<int, std::vector<WriterRun>>> appends;  // scenario -> threads -> rounds
  std::map<int, BatchCycle> cycles;
  const bool any_append = options.runs(kAppendStore) || options.runs(kAppendRocksdb) || options.runs(kAppendPg);
  std::unique_ptr<StoreAppends> store_appends;
  std::unique_ptr<RocksdbAppends> rocksdb_appends;
  std::unique_ptr<PgAppends> pg_appends;
  if (options.runs(kAppendStore)) store_appends = std::make_unique<StoreAppends>(temp.path() / "append-store");
  if (options.runs(kAppendRocksdb))
    rocksdb_appends = std::make_unique<RocksdbAppends>(temp.path() / "append-rocksdb", record);
  if (options.runs(kAppendPg)) {
    pg_appends = std::make_unique<PgAppends>(temp.path() / "pg", options, max_threads, data);
    fmt::print("{}\n", pg_appends->settings());
  }
  if (any_append) {
    print_table_header();
    const double slice = options.seconds / options.rounds;
    for (int threads : options.threads) {
      for (int round = 0; round < options.rounds && !interrupted(); ++round) {
        if (store_appends) {
          appends[kAppendStore][threads].push_back(store_appends->run(threads, slice, data));
          cycles[threads].add(store_appends->last_cycle());
        }
        if (rocksdb_appends && !interrupted()) {
          appends[kAppendRocksdb][threads].push_back(rocksdb_appends->run(threads, slice));
        }
        if (pg_appends && !interrupted()) appends[kAppendPg][threads].push_back(pg_appends->run(threads, slice));
      }
      for (const auto* scenario : {kAppendStore, kAppendRocksdb, kAppendPg}) {
        if (auto it = appends[scenario].find(threads); it != appends[scenario].end() && !it->second.empty()) {
          print_append_row(scenario, combine(it->second));
        }
      }
      if (interrupted()) break;
    }
  }
  if (!cycles.empty()) {
    fmt::print("\nappend_store, the writer thread per batch (averages):\n");
    fmt::print("{:>7} {:>9} {:>9} {:>9} {:>15} {:>15} {:>10} {:>14}\n", "threads", "batches", "ev/batch", "stage ms",
               "write+fsync ms", "answer+wait ms", "on-CPU ms", "no-CPU ms");
    auto known = [](double ms) { return ms < 0 ? std::string("-") : fmt::format("{:.3f}", ms); };
    for (const auto& [threads, c] : cycles) {
      const auto run = combine(appends[kAppendStore][threads]);
      fmt::print("{:>7} {:>9} {:>9.1f} {:>9.3f} {:>15.3f} {:>15.3f} {:>10} {:>14}\n", threads, c.batches,
                 run.syncs > 0 ? static_cast<double>(run.events) / static_cast<double>(run.syncs) : 0.0, c.stage_ms,
                 c.commit_ms, c.answer_ms, known(c.on_cpu_ms), known(c.runnable_ms));
    }
  }
  store_appends.reset();
  rocksdb_appends.reset();
  pg_appends.reset();

  // Reads, interleaved by round.
  std::map<std::string, std::vector<ReadRun>> reads;
  const bool any_read = options.runs(kScanRaw) || options.runs(kScanStore) || options.runs(kVerify);
  if (any_read && !interrupted()) {
    const auto dir = temp.path() / "read-store";
    fmt::print("\nfilling the read log: {} events in batches of {} over {} streams ... ", options.events, kFillBatch,
               kFillStreams);
    std::fflush(stdout);
    const auto fill = fill_log(dir, options.events, data);
    fmt::print("{:.1f} s ({:.0f} events/s), then {:.1f} s to flush and compact\n", fill.append_seconds,
               static_cast<double>(options.events) / fill.append_seconds, fill.compact_seconds);
    RawDb raw(dir / "log", true, {});
    StoreOptions store_options;
    store_options.dir = dir;
    store_options.read_only = true;
    auto store = EventStore::open(store_options);
    if (!store) throw std::runtime_error("opening the read store: " + store.status().to_string());
    // One untimed pass, so that every timed pass reads from a warm page cache.
    if (!interrupted()) (void)scan_raw(raw);
    for (int round = 0; round < options.rounds && !interrupted(); ++round) {
      if (options.runs(kScanRaw)) reads[kScanRaw].push_back(timed([&] { return scan_raw(raw); }));
      if (options.runs(kScanStore)) reads[kScanStore].push_back(timed([&] { return scan_store(**store); }));
      if (options.runs(kVerify)) reads[kVerify].push_back(timed([&] { return verify(**store, record.size()); }));
    }
    if (!any_append)
      print_table_header();
    else
      fmt::print("\n");
    for (const auto* scenario : {kScanRaw, kScanStore, kVerify}) {
      if (!reads[scenario].empty()) print_read_row(scenario, scenario == kVerify ? 2 : 1, median_run(reads[scenario]));
    }
  }

  // Ratios: per round, then the median, since a round's scenarios run seconds apart while the
  // machine's speed drifts over minutes.
  auto append_ratio = [&](const char* a, const char* b) -> std::optional<double> {
    const auto& ra = appends[a][max_threads];
    const auto& rb = appends[b][max_threads];
    if (ra.empty() || ra.size() != rb.size()) return std::nullopt;
    std::vector<double> per_round;
    for (std::size_t i = 0; i < ra.size(); ++i) {
      if (rb[i].rate() > 0) per_round.push_back(ra[i].rate() / rb[i].rate());
    }
    if (per_round.empty()) return std::nullopt;
    return median(per_round);
  };
  auto read_ratio = [&](const char* a, const char* b, bool by_cpu = false) -> std::optional<double> {
    const auto& ra = reads[a];
    const auto& rb = reads[b];
    if (ra.empty() || ra.size() != rb.size()) return std::nullopt;
    std::vector<double> per_round;
    for (std::size_t i = 0; i < ra.size(); ++i) {
      per_round.push_back(by_cpu ? rb[i].cpu_seconds / ra[i].cpu_seconds : ra[i].rate() / rb[i].rate());
    }
    return median(per_round);
  };
  print_ratios({
      {fmt::format("appends, {} writers: append_store / append_rocksdb", max_threads),
       append_ratio(kAppendStore, kAppendRocksdb), kTargetVsRocksdb},
      {fmt::format("appends, {} writers: append_store / append_pg", max_threads), append_ratio(kAppendStore, kAppendPg),
       kTargetVsPg},
      {"verify / scan_raw, events/s", read_ratio(kVerify, kScanRaw), kTargetVerify},
      {"verify / scan_raw, by CPU time per event", read_ratio(kVerify, kScanRaw, true), kTargetVerify, false},
      {"scan_store / scan_raw, events/s (bounds a rebuild)", read_ratio(kScanStore, kScanRaw), kTargetRebuild, false},
      {"scan_store / scan_raw, by CPU time per event", read_ratio(kScanStore, kScanRaw, true), kTargetRebuild, false},
  });
  fmt::print("\nload average {} (at end)\n", load_average());
  if (interrupted()) {
    fmt::print("interrupted\n");
    return 130;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "store_bench: durable appends, log scans and chain verification of the event store, "
      "next to raw RocksDB and PostgreSQL 15. See docs/performance.md."};
  app.add_option("--events", options.events, "events in the log the read scenarios scan")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  app.add_option("--seconds", options.seconds, "seconds per append run")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--threads", options.threads, "concurrent writers per append run (the targets use the largest)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--rounds", options.rounds, "interleaved rounds of every scenario (ratios are medians over rounds)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_flag("--skip-pg", options.skip_pg, "leave out the PostgreSQL peer");
  app.add_option("--only", options.only, "run only these scenarios (comma-separated)")
      ->delimiter(',')
      ->check(CLI::IsMember(kScenarios));
  app.add_option("--pg-bin", options.pg_bin, "folder of initdb, pg_ctl and postgres")->capture_default_str();
  app.add_option("--pg-user", options.pg_user, "user to run PostgreSQL as when started as root")->capture_default_str();
  app.add_flag("--keep", options.keep, "keep the temporary folder (to look at the server log)");
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  try {
    return run(options);
  } catch (const std::exception& e) {
    fmt::print(stderr, "store_bench: {}\n", e.what());
    return 1;
  }
}
