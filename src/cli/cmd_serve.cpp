// sijill serve --data DIR: open the data folder and serve it over HTTP and WebSocket until
// SIGTERM or SIGINT (docs/operations.md).
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/json/parse.hpp>
#include "commands.h"

#include "sijill/access/access.h"
#include "sijill/access/policy.h"
#include "sijill/demo/demo.h"
#include "sijill/evidence/audit.h"
#include "sijill/processor/processor.h"
#include "sijill/processor/state_checkpoint.h"
#include "sijill/programme/programme.h"
#include "sijill/projections/projector.h"
#include "sijill/server/hub.h"
#include "sijill/server/metrics.h"
#include "sijill/server/server.h"
#include "sijill/store/event_store.h"
#include "sijill/store/key_store.h"
#include "sijill/time/zone_data.h"

namespace sijill::cli {

namespace {

// Writes the processor state's periodic checkpoints on a thread of its own: the processor's
// writer thread only captures the state (Processor::set_checkpoint_hook) and goes back to the
// commands. A capture that arrives while another is being written waits; a newer one replaces
// it (only the newest matters).
class StateCheckpointWriter {
 public:
  explicit StateCheckpointWriter(std::filesystem::path dir) : dir_(std::move(dir)), thread_([this] { run(); }) {}
  ~StateCheckpointWriter() { stop(); }
  StateCheckpointWriter(const StateCheckpointWriter&) = delete;
  StateCheckpointWriter& operator=(const StateCheckpointWriter&) = delete;

  void post(processor::StateCapture capture) {
    {
      std::lock_guard lock(mu_);
      pending_ = std::move(capture);
    }
    wake_.notify_one();
  }

  // Writes what is waiting, then returns once the thread has ended. Idempotent.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    for (;;) {
      std::optional<processor::StateCapture> capture;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return pending_.has_value() || stopping_; });
        if (!pending_) return;
        capture = std::move(pending_);
        pending_.reset();
      }
      const auto started = std::chrono::steady_clock::now();
      auto written = processor::write_state_capture(dir_, *capture);
      if (written) {
        spdlog::info(
            "processor state checkpoint written at position {} (periodic, {} ms)", *written,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
      } else {
        spdlog::warn("cannot write a processor state checkpoint: {}", written.status().to_string());
      }
    }
  }

  std::filesystem::path dir_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::optional<processor::StateCapture> pending_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members above exist
};

// "ADDR:PORT", "[v6]:PORT".
bool parse_listen(const std::string& text, std::string& address, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  try {
    std::size_t used = 0;
    auto p = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !address.empty();
}

// Writes `token` to `path`, readable by the owner only.
Status write_secret(const std::string& path, const std::string& token) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::unavailable("cannot write " + path + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  const std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::unavailable("cannot write " + path);
  return Status::ok();
}

// The first admin: on a folder where no token was ever issued, register the user "admin"
// (unless it exists) and issue it a token, shown once.
Status bootstrap_admin(processor::Processor& processor, access::AccessModule& access,
                       const std::vector<processor::CommandSpec>& specs, store::KeyStore& keys,
                       const std::string& token_file) {
  if (access.token_count() > 0) return Status::ok();
  if (!access.has_user("admin")) {
    boost::json::object user{{"person_id", "admin"}, {"roles", boost::json::array{"admin"}}};
    auto r = run_local_command(processor, specs, keys, "RegisterUser", user);
    if (!r) return r.status();
  }
  boost::json::object body{{"user", "admin"}, {"role", "admin"}};
  auto r = run_local_command(processor, specs, keys, "CreateToken", body);
  if (!r) return r.status();
  const auto& token = r->extras.at("token").as_string();
  const std::string token_id(r->extras.at("token_id").as_string());
  if (!token_file.empty()) {
    if (auto st = write_secret(token_file, std::string(token)); !st) return st;
    spdlog::info("first admin token {} written to {}", token_id, token_file);
  } else {
    std::cout << "first admin token (shown once; keep it safe): " << std::string_view(token) << std::endl;
    spdlog::info("first admin token {} issued", token_id);
  }
  return Status::ok();
}

// The demo's users: officers who record and decide, evaluators. Registered so that tokens can
// be issued to them (`sijill token create --user u-officer-2 --role programme_officer`).
Status register_demo_users(processor::Processor& processor, const std::vector<processor::CommandSpec>& specs,
                           store::KeyStore& keys) {
  auto add = [&](const std::string& id, const char* role) -> Status {
    auto r = run_local_command(processor, specs, keys, "RegisterUser",
                               {{"person_id", id}, {"roles", boost::json::array{role}}});
    return r ? Status::ok() : r.status();
  };
  for (int i = 1; i <= 3; ++i) {
    if (auto st = add("u-officer-" + std::to_string(i), "programme_officer"); !st) return st;
  }
  for (int i = 1; i <= 12; ++i) {
    if (auto st = add((i < 10 ? "u-ev0" : "u-ev") + std::to_string(i), "evaluator"); !st) return st;
  }
  if (auto st = add("u-auditor", "auditor"); !st) return st;
  return add("u-coordinator-souss", "regional_coordinator");
}

// Fills an empty data folder with the demo programme (sijill/demo/demo.h), through the command
// processor and the same checks as the API. The store is opened without an fsync per batch
// while it is generated, then its log is synced once: nothing is acknowledged to anyone before.
Status fill_with_demo(const std::filesystem::path& dir) {
  store::StoreOptions o;
  o.dir = dir;
  o.sync = false;
  auto opened = store::EventStore::open(o);
  if (!opened) return opened.status();
  auto keys = store::KeyStore::open(dir / "keys");
  if (!keys) return keys.status();
  auto& store = **opened;
  auto programme = programme::Programme::create();
  if (!programme) return programme.status();
  processor::Processor processor(store, (*programme)->modules());
  if (auto st = processor.start(); !st) return st;
  const auto& specs = (*programme)->command_specs();
  if (auto st = register_demo_users(processor, specs, **keys); !st) return st;
  auto summary = demo::run(2026, [&](const demo::Step& step) -> Result<std::vector<demo::ProducedEvent>> {
    auto r = run_local_command(processor, specs, **keys, step.command, step.data, step.actor);
    if (!r) return r.status();
    std::vector<demo::ProducedEvent> out;
    const auto& events = r->outcome.events;
    if (events.empty()) return out;
    auto records = store.read_log(events.front().position - 1, events.size());
    if (!records) return records.status();
    for (const auto& rec : *records) {
      auto v = boost::json::parse(rec.bytes);
      out.push_back({std::string(v.at("type").as_string()), v.at("data").as_object()});
    }
    return out;
  });
  processor.stop();
  if (!summary) return summary.status();
  if (auto st = store.sync(); !st) return st;
  spdlog::info(
      "demo programme generated: {} organisations, {} applications, {} selected, {} on waiting lists ({} commands)",
      summary->organisations, summary->applications, summary->selected, summary->waiting, summary->commands);
  return Status::ok();
}

// What the command processor decides against: the programme (its modules and its access
// index) and the module recording evidence exports, loaded together from a checkpoint of the
// processor's state or fed the whole log.
struct ProcessorState {
  std::unique_ptr<programme::Programme> programme;
  std::unique_ptr<evidence::AuditModule> audit = std::make_unique<evidence::AuditModule>();

  // In the processor's order: the programme's modules, then the audit module.
  std::vector<domain::Module*> modules() {
    auto m = programme->modules();
    m.push_back(audit.get());
    return m;
  }
  std::vector<processor::StatePart> parts() { return programme::checkpoint_parts(*programme, modules()); }

  static Result<ProcessorState> fresh() {
    auto created = programme::Programme::create();
    if (!created) return created.status();
    ProcessorState state;
    state.programme = std::move(created).value();
    return state;
  }
};

}  // namespace

Command add_serve(CLI::App& app) {
  struct Args {
    std::string data;
    std::string zoneinfo;
    std::string listen = "127.0.0.1:8080";
    std::size_t io_threads = 2;
    std::string admin_token_file;
    bool demo = false;
    std::string tls_cert;
    std::string tls_key;
    std::size_t ring_events = server::Hub::Options().max_events;
    std::size_t send_queue_bytes = server::ServerOptions().ws_send_queue_bytes;
    std::size_t message_events = server::ServerOptions().ws_message_events;
    std::size_t header_timeout_ms = static_cast<std::size_t>(server::ServerOptions().header_timeout.count());
    std::size_t ws_idle_timeout_ms = static_cast<std::size_t>(server::ServerOptions().ws_idle_timeout.count());
    std::uint64_t checkpoint_every = projections::ProjectorOptions().checkpoint_every;
  };
  auto args = std::make_shared<Args>();
  auto* sub = app.add_subcommand("serve", "Open the data folder (creating it when empty) and serve it");
  sub->add_option("--data", args->data, "The data folder")->required();
  sub->add_option("--listen", args->listen, "ADDR:PORT to listen on (default 127.0.0.1:8080; port 0: any free port)");
  sub->add_option("--io-threads", args->io_threads, "Threads serving connections (default 2)")
      ->check(CLI::Range(1, 64));
  sub->add_flag("--demo", args->demo,
                "On an empty data folder, first generate the demo programme (a full CAP+ call: 350 applications, 150 "
                "selected)");
  sub->add_option("--admin-token-file", args->admin_token_file,
                  "On a folder with no token yet, write the first admin token here (mode 0600) instead of printing it");
  sub->add_option("--tls-cert", args->tls_cert,
                  "PEM certificate chain: serve HTTPS and WSS (every connection is TLS; with --tls-key)");
  sub->add_option("--tls-key", args->tls_key, "PEM private key of --tls-cert (unencrypted)");
  sub->add_option("--zoneinfo", args->zoneinfo,
                  "Check the time zone data of this zoneinfo folder instead of the system's (for tests)");
  sub->add_option("--ws-ring-events", args->ring_events, "Recent events the WebSocket hub keeps in memory")
      ->group("Tuning");
  sub->add_option("--ws-send-queue-bytes", args->send_queue_bytes, "Bytes queued per WebSocket connection at most")
      ->group("Tuning");
  sub->add_option("--ws-message-events", args->message_events, "Events per WebSocket message at most")->group("Tuning");
  sub->add_option("--header-timeout-ms", args->header_timeout_ms,
                  "Milliseconds a connection has to send a request's headers (also the keep-alive idle limit)")
      ->group("Tuning");
  sub->add_option("--ws-idle-timeout-ms", args->ws_idle_timeout_ms,
                  "Milliseconds a WebSocket may stay silent (the server pings it at half) before it is closed")
      ->group("Tuning");
  sub->add_option("--checkpoint-every", args->checkpoint_every,
                  "Events between two checkpoints of the read models, and of the processor's state (default 100000)")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->group("Tuning");
  return {
      sub, [args] {
        // Local times are an hour wrong after 20 Sep 2026 on stale zone data: refuse to start.
        auto zone = time::check_zone_data(
            args->zoneinfo.empty() ? std::nullopt : std::optional<std::filesystem::path>(args->zoneinfo));
        if (!zone) {
          spdlog::error("{}", zone.message());
          return kExitUsage;
        }
        server::ServerOptions options;
        if (!parse_listen(args->listen, options.address, options.port)) {
          spdlog::error("--listen must be ADDR:PORT, not '{}'", args->listen);
          return kExitUsage;
        }
        options.io_threads = args->io_threads;
        options.tls_cert = args->tls_cert;
        options.tls_key = args->tls_key;
        if (auto tls = server::Server::check_tls(options); !tls) {  // before the data folder is touched
          spdlog::error("{}", tls.message());
          return kExitUsage;
        }
        options.ws_send_queue_bytes = args->send_queue_bytes;
        options.ws_message_events = std::max<std::size_t>(args->message_events, 1);
        options.header_timeout = std::chrono::milliseconds(std::max<std::size_t>(args->header_timeout_ms, 1));
        options.ws_idle_timeout = std::chrono::milliseconds(std::max<std::size_t>(args->ws_idle_timeout_ms, 2));

        // Block the stop signals before any thread starts, so that only sigwait sees them.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);

        store::StoreOptions o;
        o.dir = args->data;
        const bool empty = !std::filesystem::exists(o.dir / "log" / "CURRENT");
        if (args->demo && empty) {
          spdlog::info("generating the demo programme into {}", args->data);
          if (auto st = fill_with_demo(o.dir); !st) {
            spdlog::error("cannot generate the demo programme: {}", st.to_string());
            return kExitFailed;
          }
        } else if (args->demo) {
          spdlog::info("{} is not empty: --demo leaves it as it is", args->data);
        }
        const auto opening = std::chrono::steady_clock::now();
        auto opened = store::EventStore::open(o);
        if (!opened) {
          spdlog::error("cannot open the event store: {}", opened.status().message());
          return kExitUsage;
        }
        auto keys = store::KeyStore::open(o.dir / "keys");
        if (!keys) {
          spdlog::error("cannot open the key file: {}", keys.status().message());
          return kExitUsage;
        }
        auto& store = **opened;
        auto head = store.head();
        spdlog::info("data folder {} open: head at position {} ({})", args->data, head.position,
                     store::to_hex(head.hash));

        // The read models: from the newest checkpoint, then the log's tail; then they follow
        // every commit on a thread of their own. They load on a second thread while this one
        // loads the processor's state: the two take about as long as each other.
        projections::ProjectorOptions projector_options;
        projector_options.checkpoint_dir = projections::checkpoint_dir(o.dir);
        projector_options.checkpoint_every = args->checkpoint_every;
        projections::Projector projector(store, projector_options);
        Result<projections::LoadReport> loaded = Status::unavailable("the read models are not loaded");
        std::jthread loader([&] {
          try {
            loaded = projector.load();
          } catch (const std::exception& ex) {
            loaded = Status::internal(std::string("loading the read models: ") + ex.what());
          }
        });
        // The processor's state: from the newest usable checkpoint, then the log's tail.
        const auto state_started = std::chrono::steady_clock::now();
        auto state = ProcessorState::fresh();
        if (!state) {
          spdlog::error("{}", state.status().to_string());
          return kExitFailed;
        }
        const auto state_dir = processor::state_checkpoint_dir(o.dir);
        const auto state_loaded = processor::load_state_checkpoint(store, state_dir, state->parts());
        for (const auto& ignored : state_loaded.ignored) {
          spdlog::warn("processor state checkpoint ignored: {}", ignored);
        }
        if (state_loaded.spoiled) {  // half-loaded: start again from fresh modules and the whole log
          state = ProcessorState::fresh();
          if (!state) {
            spdlog::error("{}", state.status().to_string());
            return kExitFailed;
          }
        }
        const std::uint64_t state_position = state_loaded.position;
        auto& programme = state->programme;
        auto& access = programme->access();
        access::Policy policy;
        if (auto st = programme->attach(store, policy, state_position); !st) {
          spdlog::error("cannot load the log: {}", st.to_string());
          return kExitFailed;
        }
        auto state_took = std::chrono::steady_clock::now() - state_started;
        // The read models, loaded meanwhile on a thread of their own (joined here).
        loader.join();
        if (!loaded) {
          spdlog::error("cannot load the read models: {}", loaded.status().to_string());
          return kExitFailed;
        }
        for (const auto& ignored : loaded->ignored) spdlog::warn("read model checkpoint ignored: {}", ignored);
        spdlog::info("read models at position {} (checkpoint {}, {} events replayed, {} ms)",
                     projector.current()->position(), loaded->checkpoint, loaded->replayed, loaded->took.count());
        projector.start();
        server::Metrics metrics;
        server::Hub::Options hub_options;
        hub_options.max_events = std::max<std::size_t>(args->ring_events, 1);
        server::Hub hub(store, hub_options);                               // before any write: it follows every commit
        hub.watch_read_models(projector, std::chrono::milliseconds(250));  // dashboards, 4 a second at most
        // Exports through GET /v1/audit/export are recorded by the server (RecordAuditExport):
        // the audit module is among the processor's modules.
        StateCheckpointWriter state_writer(state_dir);  // outlives the processor, which posts to it
        processor::Processor processor(store, state->modules());
        processor.set_batch_observer(
            [&metrics](std::size_t calls, std::size_t records, std::chrono::microseconds commit) {
              metrics.observe_batch(calls, records, commit);
            });
        // Periodic checkpoints of the processor's state: captured on its writer thread between
        // two batches, when the head passes a multiple of --checkpoint-every, written here.
        processor.set_checkpoint_hook(args->checkpoint_every, [&] {
          auto capture = processor::capture_state(store, state->parts());
          if (capture) {
            state_writer.post(std::move(*capture));
          } else {
            spdlog::warn("cannot capture the processor's state: {}", capture.status().to_string());
          }
        });
        const auto processor_started = std::chrono::steady_clock::now();
        if (auto st = processor.start(state_position); !st) {
          spdlog::error("cannot load the log: {}", st.to_string());
          return kExitFailed;
        }
        state_took += std::chrono::steady_clock::now() - processor_started;
        const auto state_head = store.head().position;
        spdlog::info("processor state at position {} (checkpoint {}, {} events replayed, {} ms)", state_head,
                     state_position, state_head - state_position,
                     std::chrono::duration_cast<std::chrono::milliseconds>(state_took).count());
        const auto& specs = programme->command_specs();
        if (auto st = bootstrap_admin(processor, access, specs, **keys, args->admin_token_file); !st) {
          spdlog::error("cannot create the first admin token: {}", st.to_string());
          return kExitFailed;
        }

        server::Services services;
        services.store = &store;
        services.projections = &projector;
        services.keys = keys->get();
        services.processor = &processor;
        services.commands = specs;
        services.access = &access;
        services.policy = &policy;
        services.hub = &hub;
        services.metrics = &metrics;
        documents::DocumentStore documents(o.dir);
        services.documents = &documents;
        auto server = server::Server::start(options, std::move(services));
        if (!server) {
          spdlog::error("{}", server.status().message());
          processor.stop();
          return kExitUsage;
        }
        spdlog::info(
            "listening on {}://{}:{} ({} ms after opening the data folder)",
            options.tls_cert.empty() ? "http" : "https", options.address, (*server)->port(),
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - opening).count());

        int sig = 0;
        sigwait(&stop, &sig);
        spdlog::info("stopping on {}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        (*server)->stop();
        processor.stop();
        state_writer.stop();  // a periodic checkpoint being written: before the last one
        // A checkpoint of the processor's state at the head: the next start replays nothing.
        // Not after a failed commit (the modules may hold events the log does not).
        if (processor.stats().failed || !store.health()) {
          spdlog::warn("no processor state checkpoint written: storage failed");
        } else if (store.head().position != state_position) {
          auto written = processor::write_state_checkpoint(store, state_dir, state->parts());
          if (written) {
            spdlog::info("processor state checkpoint written at position {}", *written);
          } else {
            spdlog::warn("cannot write a processor state checkpoint: {}", written.status().to_string());
          }
        }
        projector.stop();  // a checkpoint at the head: the next start replays nothing
        spdlog::info("stopped: head at position {}", store.head().position);
        return kExitOk;
      }};
}

}  // namespace sijill::cli
