// rebuild_bench: how fast the read models are rebuilt from the log, and how fast the server
// gets back to serving with a large log, next to a raw RocksDB scan-and-parse of the same log
// measured in the same run (bench/raw_log.h). See docs/performance.md.
//
// The log is realistic: the demo programme (a whole AMI: 350 applications, evaluations,
// selection, appeals), decided by the AMI's rules once and then written again and again under
// renamed ids (another call, other applications) until it holds --events events.
//
//   scan_raw        RocksDB iterator over the log + simdjson on-demand parse of the envelope
//   rebuild         projections::replay_into from position 0 into an empty read model
//   checkpoint      writing the read model's checkpoint at the head; reading it back (load)
//   start-up        what `sijill serve` does before it listens: the read models from their
//                   checkpoint, the access index and the command processor's state from the log
//   publishing      what the projector does after each step: a snapshot (a copy of the model,
//                   its case files shared), and dropping it
//   capturing       what a periodic checkpoint of the processor's state costs the writer thread
//                   (commands wait), and writing it (on a thread of its own)
//
// Usage: rebuild_bench [--events N] [--runs R] [--dir DIR]
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "raw_log.h"
#include "sijill/demo/demo.h"
#include "sijill/domain/ami/module.h"
#include "sijill/evidence/audit.h"
#include "sijill/processor/processor.h"
#include "sijill/processor/state_checkpoint.h"
#include "sijill/programme/programme.h"
#include "sijill/projections/projector.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace sijill;

struct StoryEvent {
  std::string stream;
  std::string type;
  std::string data;  // serialised
  domain::Actor actor;
  time::Instant at;
};

// The demo programme's events, decided by the AMI module (as the server would).
std::vector<std::vector<StoryEvent>> demo_commands(store::KeyStore& keys) {
  domain::ami::AmiModule module;
  std::vector<std::vector<StoryEvent>> out;
  std::uint64_t position = 0;
  std::map<std::string, std::uint64_t> versions;
  std::uint64_t n = 0;
  auto summary = demo::run(2026, [&](const demo::Step& s) -> Result<std::vector<demo::ProducedEvent>> {
    auto data = s.data;
    if (s.command == "RegisterContactPerson") {
      auto sealed = keys.seal("person/" + std::string(data.at("person_id").as_string()), data.at("contact"));
      if (!sealed) return sealed.status();
      data["contact"] = *sealed;
    }
    domain::CommandContext ctx{s.actor, s.at, "cmd-" + std::to_string(++n)};
    auto decision = module.decide(s.command, data, ctx);
    if (!decision) return decision.status();
    std::vector<StoryEvent> events;
    std::vector<demo::ProducedEvent> produced;
    for (auto& e : decision->events) {
      domain::RecordedEvent r;
      r.position = ++position;
      r.stream = e.stream;
      r.version = ++versions[e.stream];
      r.type = e.type;
      r.recorded_at = s.at;
      r.actor = s.actor;
      r.data = &e.data;
      module.evolve(r);
      events.push_back({e.stream, e.type, boost::json::serialize(e.data), s.actor, s.at});
      produced.push_back({e.type, e.data});
    }
    out.push_back(std::move(events));
    return produced;
  });
  if (!summary) throw std::runtime_error("the demo did not run: " + summary.status().to_string());
  return out;
}

std::string renamed(std::string text, const std::string& copy) {
  if (copy.empty()) return text;
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"APP-", "APP-" + copy + "-"},
                                 {"OSC-", "OSC-" + copy + "-"},
                                 {"AMI-2026", "AMI-2026-" + copy},
                                 {"person/P-", "person/P-" + copy + "-"},
                                 {"\"P-", "\"P-" + copy + "-"}}) {
    std::string result;
    std::size_t at = 0;
    for (auto hit = text.find(from); hit != std::string::npos; hit = text.find(from, at)) {
      result.append(text, at, hit - at);
      result += to;
      at = hit + from.size();
    }
    result.append(text, at);
    text = std::move(result);
  }
  return text;
}

// Writes copies of the demo until the log holds `target` events; returns the head.
std::uint64_t fill(const fs::path& dir, std::uint64_t target) {
  store::StoreOptions o;
  o.dir = dir;
  o.sync = false;
  time::Instant now{};
  o.clock = [&now] { return std::chrono::system_clock::time_point(now); };
  auto opened = store::EventStore::open(o);
  if (!opened) throw std::runtime_error(opened.status().to_string());
  auto& store = **opened;
  auto keys = store::KeyStore::open(dir / "keys");
  if (!keys) throw std::runtime_error(keys.status().to_string());
  const auto commands = demo_commands(**keys);
  for (int copy = 0; store.head().position < target; ++copy) {
    const std::string suffix = copy == 0 ? "" : fmt::format("{:03}", copy);
    auto batch = store.begin_batch();
    for (const auto& command : commands) {
      if (store.head().position + batch.record_count() >= target) break;
      store::AppendRequest request;
      for (const auto& e : command) {
        store::EventDraft d;
        d.stream = renamed(e.stream, suffix);
        d.type = e.type;
        d.data = boost::json::parse(renamed(e.data, suffix)).as_object();
        d.actor = {e.actor.id, e.actor.role};
        request.events.push_back(std::move(d));
      }
      now = command.front().at;
      if (auto st = batch.stage(request); !st) throw std::runtime_error(st.status().to_string());
      if (batch.record_count() >= 2000) {
        if (auto st = store.commit(batch); !st) throw std::runtime_error(st.to_string());
        batch = store.begin_batch();
      }
    }
    if (!batch.empty()) {
      if (auto st = store.commit(batch); !st) throw std::runtime_error(st.to_string());
    }
  }
  if (auto st = store.sync(); !st) throw std::runtime_error(st.to_string());
  return store.head().position;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Read model rebuild and start-up, next to a raw RocksDB scan-and-parse of the same log");
  std::uint64_t events = 1'000'000;
  int runs = 3;
  std::string dir_arg;
  app.add_option("--events", events, "Events in the log (default 1,000,000)");
  app.add_option("--runs", runs, "Runs of each read measurement (the median is shown)");
  app.add_option("--dir", dir_arg, "Data folder to fill (default: a temporary folder, removed at the end)");
  CLI11_PARSE(app, argc, argv);

  const fs::path dir =
      dir_arg.empty() ? fs::temp_directory_path() / fmt::format("sijill-rebuild-{}", ::getpid()) : fs::path(dir_arg);
  try {
    auto started = Clock::now();
    if (!fs::exists(dir / "log" / "CURRENT")) fill(dir, events);
    fmt::print("log: {} (filled in {:.1f} s)\n", dir.string(), seconds_since(started));

    {
      // One scan first, not timed: every run then reads a log the page cache holds (the first
      // read of a log from disk is two to three times slower, and would flatter the ratio).
      sijill::bench::RawDb raw(dir / "log", true, {});
      sijill::bench::scan_and_parse(raw);
    }
    std::vector<double> raw_rates, parse_rates, rebuild_rates, publish_ms, drop_ms;
    std::uint64_t head = 0;
    for (int r = 0; r < runs; ++r) {
      {
        sijill::bench::RawDb raw(dir / "log", true, {});
        auto t = Clock::now();
        auto scanned = sijill::bench::scan_and_parse(raw);
        raw_rates.push_back(static_cast<double>(scanned.events) / seconds_since(t));
      }
      store::StoreOptions o;
      o.dir = dir;
      o.read_only = true;
      auto store = store::EventStore::open(o);
      if (!store) throw std::runtime_error(store.status().to_string());
      head = (*store)->head().position;
      {
        auto t = Clock::now();
        auto parsed = projections::parse_log(**store, 0, head);
        if (!parsed) throw std::runtime_error(parsed.status().to_string());
        const auto n = *parsed;
        parse_rates.push_back(static_cast<double>(n) / seconds_since(t));
      }
      projections::Model model;
      auto t = Clock::now();
      if (auto st = projections::replay_into(**store, model, 0); !st) throw std::runtime_error(st.to_string());
      rebuild_rates.push_back(static_cast<double>(model.position()) / seconds_since(t));
      fmt::print(stderr, "run {}: scan_raw {:.0f}, scan + parse {:.0f}, rebuild {:.0f} events/s\n", r + 1,
                 raw_rates.back(), parse_rates.back(), rebuild_rates.back());
      // What the projector does after each step it applies: publish a snapshot (a copy of the
      // model, whose case files are shared), and later drop it.
      t = Clock::now();
      auto snapshot = std::make_shared<const projections::Model>(model);
      publish_ms.push_back(seconds_since(t) * 1000);
      t = Clock::now();
      snapshot.reset();
      drop_ms.push_back(seconds_since(t) * 1000);
    }

    // What `sijill rebuild` does: every checkpoint dropped and written again at the head.
    store::StoreOptions o;
    o.dir = dir;
    auto t = Clock::now();
    auto opened = store::EventStore::open(o);
    if (!opened) throw std::runtime_error(opened.status().to_string());
    auto& store = **opened;
    const double open_s = seconds_since(t);
    const auto checkpoints = projections::checkpoint_dir(dir);
    t = Clock::now();
    auto rebuilt = projections::rebuild(store, checkpoints);
    if (!rebuilt) throw std::runtime_error(rebuilt.status().to_string());
    const double rebuild_and_write_s = seconds_since(t);
    const auto state_dir = processor::state_checkpoint_dir(dir);
    t = Clock::now();
    double state_replay_s = 0, capture_ms = 0, capture_write_ms = 0;
    {
      if (auto st = processor::remove_state_checkpoints(state_dir); !st) throw std::runtime_error(st.to_string());
      auto programme = programme::Programme::create();
      if (!programme) throw std::runtime_error(programme.status().to_string());
      evidence::AuditModule audit;
      auto modules = (*programme)->modules();
      modules.push_back(&audit);
      if (auto st = processor::replay(store, modules); !st) throw std::runtime_error(st.to_string());
      access::Policy policy;
      if (auto st = (*programme)->attach(store, policy); !st) throw std::runtime_error(st.to_string());
      state_replay_s = seconds_since(t);
      // A periodic checkpoint while serving: the writer thread pauses for the capture; the
      // file is written on another thread.
      auto at = Clock::now();
      auto capture = processor::capture_state(store, programme::checkpoint_parts(**programme, modules));
      if (!capture) throw std::runtime_error(capture.status().to_string());
      capture_ms = seconds_since(at) * 1000;
      at = Clock::now();
      auto written = processor::write_state_capture(state_dir, *capture);
      if (!written) throw std::runtime_error(written.status().to_string());
      capture_write_ms = seconds_since(at) * 1000;
    }
    const double state_rebuild_s = seconds_since(t);
    auto bytes_in = [](const fs::path& folder) {
      std::uintmax_t n = 0;
      for (const auto& f : fs::directory_iterator(folder)) n += fs::file_size(f.path());
      return n;
    };
    const auto checkpoint_bytes = bytes_in(checkpoints);
    const auto state_bytes = bytes_in(state_dir);

    // Start-up, as `sijill serve` does it before it listens (the store is already open; its
    // open is timed above): the read models on a thread of their own, the processor's state
    // and the access index on this one.
    const auto starting = Clock::now();
    projections::ProjectorOptions po;
    po.checkpoint_dir = checkpoints;
    po.write_checkpoints = false;
    projections::Projector projector(store, po);
    Result<projections::LoadReport> loaded = Status::unavailable("not loaded");
    double load_s = 0;
    std::jthread loader([&] {
      auto at = Clock::now();
      loaded = projector.load();
      load_s = seconds_since(at);
    });
    auto programme = programme::Programme::create();
    if (!programme) throw std::runtime_error(programme.status().to_string());
    evidence::AuditModule audit;
    auto modules = (*programme)->modules();
    modules.push_back(&audit);
    auto state = processor::load_state_checkpoint(store, state_dir, programme::checkpoint_parts(**programme, modules));
    if (state.spoiled || state.position == 0) throw std::runtime_error("the processor state checkpoint did not load");
    access::Policy policy;
    if (auto st = (*programme)->attach(store, policy, state.position); !st) throw std::runtime_error(st.to_string());
    if (auto st = processor::replay(store, modules, std::numeric_limits<std::uint64_t>::max(), state.position); !st)
      throw std::runtime_error(st.to_string());
    const double state_s = seconds_since(starting);
    loader.join();
    if (!loaded) throw std::runtime_error(loaded.status().to_string());
    for (const auto& ignored : loaded->ignored) fmt::print(stderr, "read model checkpoint ignored: {}\n", ignored);
    for (const auto& ignored : state.ignored) fmt::print(stderr, "processor state checkpoint ignored: {}\n", ignored);
    const double startup = open_s + seconds_since(starting);

    // This machine is shared and its speed drifts: each run's rebuild is compared with the scan
    // made just before it, and the median of those ratios is the figure.
    const double raw = median(raw_rates), rebuild = median(rebuild_rates);
    std::vector<double> ratios;
    for (std::size_t i = 0; i < raw_rates.size(); ++i) ratios.push_back(rebuild_rates[i] / raw_rates[i]);
    const double ratio = median(ratios);
    fmt::print("\n{} events; {} runs of each read (median; the ratio is the median of each run's)\n\n", head, runs);
    fmt::print(
        "| measure | result | reference | ratio | target | holds |\n| --- | ---: | ---: | ---: | ---: | --- |\n");
    fmt::print("| rebuild of the read models, events/s | {:.0f} | scan_raw {:.0f} | {:.2f} | 0.80 | {} |\n", rebuild,
               raw, ratio, ratio >= 0.8 ? "yes" : "no");
    fmt::print("| of which: scan + parse into events, events/s | {:.0f} | | | | |\n", median(parse_rates));
    fmt::print("| start-up to serving, s | {:.2f} | | | 2.00 | {} |\n", startup, startup <= 2.0 ? "yes" : "no");
    fmt::print("| publishing a snapshot of the model (a copy), ms | {:.1f} | | | | |\n", median(publish_ms));
    fmt::print("| dropping it, ms | {:.1f} | | | | |\n", median(drop_ms));
    fmt::print("| capturing the processor's state for a checkpoint (commands wait), ms | {:.1f} | | | | |\n",
               capture_ms);
    fmt::print("| writing that checkpoint (another thread), ms | {:.1f} | | | | |\n", capture_write_ms);
    fmt::print(
        "\nstart-up parts: open the store {:.2f} s; then at the same time: the read models from their checkpoint "
        "{:.2f} s ({} MiB, {} events replayed after it), and the processor's state and access index from theirs "
        "{:.2f} s ({} MiB)\n",
        open_s, load_s, checkpoint_bytes >> 20, loaded->replayed, state_s, state_bytes >> 20);
    fmt::print(
        "sijill rebuild: read models {:.2f} s (replay and checkpoint); processor's state and access index {:.2f} s "
        "(of which the replay of the whole log {:.2f} s)\n",
        rebuild_and_write_s, state_rebuild_s, state_replay_s);
  } catch (const std::exception& e) {
    fmt::print(stderr, "rebuild_bench: {}\n", e.what());
    if (dir_arg.empty()) fs::remove_all(dir);
    return 1;
  }
  if (dir_arg.empty()) fs::remove_all(dir);
  return 0;
}
