#include "sijill/projections/projector.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include <boost/json.hpp>

#include "event.h"
#include "sijill/projections/views.h"
#include "sijill/store/event_store.h"
#include "sijill/time/instant.h"
#include "sijill/time/zone.h"
#include "sijill/util/files.h"

namespace sijill::projections {

namespace json = boost::json;

std::shared_ptr<const std::string> Snapshot::dashboard_json(const std::string& region) const {
  std::lock_guard lock(mu_);
  auto& slot = dashboards_[region];
  if (!slot) slot = std::make_shared<const std::string>(json::serialize(dashboard(model_, region)));
  return slot;
}

std::filesystem::path checkpoint_dir(const std::filesystem::path& data_dir) {
  return data_dir / "checkpoints" / "read-model";
}

namespace {

// Events handed from the reader thread to the applying one, in batches: large enough that
// handing one over (a lock and a wake-up) costs little per event, and enough of them in flight
// that a batch's memory has left the applying core's cache before the reader reads into it
// again (docs/performance.md measures 64 × 4, 128 × 4, 128 × 8, 128 × 16 and 256 × 4).
constexpr std::size_t kBatch = 128;
constexpr std::size_t kBatchesInFlight = 16;
// Fewer events than this are applied on the calling thread alone.
constexpr std::uint64_t kPipelineFrom = 4096;

// The reader reads the records of a batch itself only while this many batches at least wait
// for the applying thread: else it hands them over as held, and they are read by the applying
// thread, which would otherwise wait (docs/performance.md).
constexpr std::size_t kReadWhenWaiting = 2;

// A batch of events and the buffers their texts point into. Batches go back to the reader
// once applied and are filled again, so that their memory is reused: only the first few are
// allocated (a default one is empty, and costs nothing to make or move).
struct Batch {
  std::vector<Event> events;
  std::vector<std::string> buffers;  // the records' bytes
  std::size_t size = 0;              // events held
  bool read = false;                 // and read
};

Status replay_on_one_thread(const store::EventStore& store, Model& model, std::uint64_t to,
                            const std::function<void(std::uint64_t)>& progress) {
  Status failure;
  try {
    simdjson::ondemand::parser parser;
    std::string buffer;
    Event event;
    auto st = store.scan_log_views(model.position(), to, [&](const store::EventStore::RecordView& record) {
      if (auto read = event.parse(record.position, *record.hash, record.bytes, parser, buffer); !read) {
        failure = read;
        return false;
      }
      model.apply(event);
      if (progress && record.position % 65536 == 0) progress(record.position);
      return true;
    });
    if (!st) return st;
  } catch (const std::exception& ex) {
    return Status::internal(std::string("replaying the log: ") + ex.what());
  }
  return failure;
}

}  // namespace

// Long replays run on two threads: a reader scans the log and holds each record (in an event of
// its batch), while the calling thread applies the events in order. Reading a held record (the
// JSON) is done by whichever thread would otherwise wait: by the reader while the applying
// thread is behind, else by the applying thread (kReadWhenWaiting).
Status replay_into(const store::EventStore& store, Model& model, std::uint64_t to,
                   const std::function<void(std::uint64_t)>& progress) {
  model.set_log(&store);
  if (to == 0) to = store.head().position;
  const auto from = model.position();
  if (to <= from) return Status::ok();
  if (to - from < kPipelineFrom) return replay_on_one_thread(store, model, to, progress);

  std::mutex mu;
  std::condition_variable changed;
  std::deque<Batch> ready;   // held (and maybe read), waiting to be applied
  std::vector<Batch> spent;  // applied, to be filled again
  bool done = false;
  bool abandon = false;
  Status failure;

  // Any exception on either side stops both and is returned as a Status; the reader is always
  // joined (jthread) after `abandon` is set (the guard below, declared after it).
  std::jthread reader([&] {
    try {
      simdjson::ondemand::parser parser;
      Batch batch;
      auto fill = [&] {
        if (batch.events.empty()) {
          batch.events.resize(kBatch);
          batch.buffers.resize(kBatch);
        }
        batch.size = 0;
        batch.read = false;
      };
      fill();
      auto hand_over = [&] {
        bool behind = false;
        {
          std::lock_guard lock(mu);
          behind = ready.size() >= kReadWhenWaiting;
        }
        // A record that does not read stops the scan here; the batch goes over unread, and the
        // applying thread, reading it again, names the first such record in the log's order.
        bool unreadable = false;
        if (behind) {
          batch.read = true;
          for (std::size_t i = 0; i < batch.size && batch.read; ++i) batch.read = batch.events[i].read(parser).is_ok();
          unreadable = !batch.read;
        }
        {
          std::unique_lock lock(mu);
          changed.wait(lock, [&] { return ready.size() < kBatchesInFlight || abandon; });
          if (abandon) return false;
          ready.push_back(std::move(batch));
          batch = {};
          if (!spent.empty()) {
            batch = std::move(spent.back());
            spent.pop_back();
          }
        }
        changed.notify_all();
        fill();
        return !unreadable;
      };
      auto st = store.scan_log_views(
          from, to,
          [&](const store::EventStore::RecordView& record) {
            const auto slot = batch.size;
            batch.events[slot].hold(record.position, *record.hash, record.bytes, batch.buffers[slot]);
            return ++batch.size < kBatch || hand_over();
          },
          store::EventStore::Scan::bulk);
      if (st && batch.size > 0) hand_over();
      {
        std::lock_guard lock(mu);
        if (failure.is_ok()) failure = st;
        done = true;
      }
    } catch (const std::exception& ex) {
      std::lock_guard lock(mu);
      if (failure.is_ok()) failure = Status::internal(std::string("reading the log: ") + ex.what());
      done = true;
    }
    changed.notify_all();
  });
  struct Stop {
    std::mutex& mu;
    std::condition_variable& changed;
    bool& abandon;
    ~Stop() {
      {
        std::lock_guard lock(mu);
        abandon = true;
      }
      changed.notify_all();
    }
  } stop{mu, changed, abandon};

  try {
    simdjson::ondemand::parser parser;
    while (true) {
      Batch batch;
      {
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return !ready.empty() || done; });
        if (ready.empty()) break;  // done, and everything applied
        batch = std::move(ready.front());
        ready.pop_front();
      }
      changed.notify_all();
      // The events were held or read on the other core: their memory is fetched a few events
      // ahead.
      constexpr std::size_t kAhead = 2;
      for (std::size_t i = 0; i < std::min(kAhead, batch.size); ++i) batch.events[i].prefetch();
      Status read_failure;
      for (std::size_t i = 0; i < batch.size; ++i) {
        if (i + kAhead < batch.size) batch.events[i + kAhead].prefetch();
        auto& event = batch.events[i];
        if (!batch.read) {
          if (read_failure = event.read(parser); !read_failure) break;
        }
        model.apply(event);
        if (progress && event.position % 65536 == 0) progress(event.position);
      }
      std::lock_guard lock(mu);
      if (!read_failure) {
        if (failure.is_ok()) failure = read_failure;
        break;
      }
      spent.push_back(std::move(batch));
    }
  } catch (const std::exception& ex) {
    std::lock_guard lock(mu);
    failure = Status::internal(std::string("applying the log: ") + ex.what());
  }
  {
    std::lock_guard lock(mu);
    abandon = true;
  }
  changed.notify_all();
  reader.join();
  std::lock_guard lock(mu);
  return failure;
}

Result<std::uint64_t> parse_log(const store::EventStore& store, std::uint64_t after, std::uint64_t to) {
  simdjson::ondemand::parser parser;
  std::string buffer;
  Event event;
  std::uint64_t parsed = 0;
  Status failure;
  auto st = store.scan_log_views(
      after, to,
      [&](const store::EventStore::RecordView& record) {
        if (auto read = event.parse(record.position, *record.hash, record.bytes, parser, buffer); !read) {
          failure = read;
          return false;
        }
        ++parsed;
        return true;
      },
      store::EventStore::Scan::bulk);
  if (!st) return st;
  if (!failure) return failure;
  return parsed;
}

namespace {

// A checkpoint file: one line of JSON (the header), then the model (Model::write_binary).
struct CheckpointFile {
  std::filesystem::path path;
  std::uint64_t position = 0;
};

std::string file_name(std::uint64_t position) {
  std::string digits = std::to_string(position);
  return std::string(20 - std::min<std::size_t>(20, digits.size()), '0') + digits + ".bin";
}

// The checkpoints in `dir`, newest first.
std::vector<CheckpointFile> list_checkpoints(const std::filesystem::path& dir) {
  std::vector<CheckpointFile> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() != 24 || !name.ends_with(".bin")) continue;
    try {
      out.push_back({entry.path(), std::stoull(name.substr(0, 20))});
    } catch (const std::exception&) {
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.position > b.position; });
  return out;
}

// A file mapped read-only into memory, unmapped when this goes.
class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::unavailable(std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int error = errno;
      ::close(fd);
      return Status::unavailable(std::strerror(error));
    }
    MappedFile out;
    out.size_ = static_cast<std::size_t>(st.st_size);
    if (out.size_ > 0) {
      void* at = ::mmap(nullptr, out.size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (at == MAP_FAILED) {
        const int error = errno;
        ::close(fd);
        return Status::unavailable(std::strerror(error));
      }
      out.data_ = static_cast<const char*>(at);
    }
    ::close(fd);
    return out;
  }
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view bytes() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Reads and checks one checkpoint against the log: its version, its position (at most the head)
// and the log's hash at that position.
Result<Model> read_checkpoint(const store::EventStore& store, const CheckpointFile& file) {
  // The file mapped into memory (read-only): the model is decoded from the page cache without
  // a copy of the file.
  auto mapped = MappedFile::open(file.path);
  if (!mapped) return Status::data_loss("cannot read it: " + std::string(mapped.status().message()));
  const std::string_view content = mapped->bytes();
  const auto eol = content.find('\n');
  if (eol == std::string::npos) return Status::data_loss("it has no header line");
  const std::string_view header(content.data(), eol);
  json::error_code ec;
  auto h = json::parse(header, ec);
  if (ec || !h.is_object()) return Status::data_loss("its header is not JSON");
  const auto& ho = h.get_object();
  if (!ho.contains("model_version") || !ho.at("model_version").is_int64() ||
      ho.at("model_version").get_int64() != kModelVersion) {
    return Status::data_loss("it was written by another version of the read model");
  }
  const auto* position_value = ho.if_contains("position");
  if (!position_value || !position_value->is_int64() || position_value->get_int64() <= 0 || !ho.contains("hash") ||
      !ho.at("hash").is_string())
    return Status::data_loss("its header is incomplete");
  const auto position = static_cast<std::uint64_t>(position_value->get_int64());
  const std::string hash(ho.at("hash").get_string());
  if (position != file.position) return Status::data_loss("its name and its header disagree");
  if (position > store.head().position) return Status::data_loss("it is ahead of the log");
  auto records = store.read_log(position - 1, 1);
  if (!records) return records.status();
  if (records->empty() || store::to_hex(records->front().hash) != hash) {
    return Status::data_loss("its hash is not the log's hash at position " + std::to_string(position));
  }
  auto model = Model::read_binary(content.substr(eol + 1));
  if (!model) return model.status();
  if (model->position() != position || model->hash() != hash)
    return Status::data_loss("its model is of another position");
  model->set_log(&store);
  return model;
}

Status write_checkpoint_file(const std::filesystem::path& dir, const Model& model) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::unavailable("cannot create " + dir.string() + ": " + ec.message());
  json::object header{{"read_model", "programme"},
                      {"model_version", kModelVersion},
                      {"position", model.position()},
                      {"hash", model.hash()}};
  std::ostringstream text;
  text << json::serialize(header) << '\n';
  model.write_binary(text);
  return util::write_file_durably(dir / file_name(model.position()), std::move(text).str());
}

}  // namespace

struct Projector::Impl {
  const store::EventStore& store;
  ProjectorOptions options;

  // The working model: the projector thread's alone once started.
  Model model;
  std::uint64_t last_checkpoint = 0;

  mutable std::mutex mu;
  mutable std::condition_variable published;
  SnapshotPtr snapshot = std::make_shared<const Snapshot>(Model{});
  std::vector<std::function<void(const SnapshotPtr&)>> listeners;

  std::atomic<bool> running{false};
  std::thread thread;

  mutable std::mutex cache_mu;
  mutable std::map<std::uint64_t, std::shared_ptr<const Model>> checkpoint_cache;  // small, by position

  Impl(const store::EventStore& s, ProjectorOptions o) : store(s), options(std::move(o)) {}

  void publish() {
    auto next = std::make_shared<const Snapshot>(model);
    {
      std::lock_guard lock(mu);
      snapshot = next;
    }
    published.notify_all();
    for (const auto& listener : listeners) listener(next);
  }

  void maybe_checkpoint(bool force) {
    if (options.checkpoint_dir.empty() || !options.write_checkpoints || model.position() == 0) return;
    const bool crossed = model.position() / options.checkpoint_every > last_checkpoint / options.checkpoint_every;
    if (!force && !crossed) return;
    if (model.position() == last_checkpoint) return;
    if (write_checkpoint_file(options.checkpoint_dir, model)) {
      last_checkpoint = model.position();
      prune();
    }
  }

  // Keeps the newest `keep_checkpoints` at or before the model's position (the one just written
  // among them). Files ahead of it (of another history, e.g. a log restored from a backup) are
  // left alone and not counted: they are ignored on load.
  void prune() {
    std::size_t kept = 0;
    for (const auto& file : list_checkpoints(options.checkpoint_dir)) {
      if (file.position > model.position()) continue;
      if (kept++ < std::max<std::size_t>(options.keep_checkpoints, 1)) continue;
      std::error_code ec;
      std::filesystem::remove(file.path, ec);
    }
  }

  void follow() {
    while (running.load()) {
      const auto head = store.head().position;
      if (head <= model.position()) {
        store.wait_for(model.position() + 1, options.idle_poll);
        continue;
      }
      if (!replay_into(store, model, head)) {
        // A record that does not read back: the store's own checks will have refused to open a
        // damaged log, so this is transient (e.g. shutting down). Try again shortly.
        std::this_thread::sleep_for(options.idle_poll);
        continue;
      }
      publish();
      maybe_checkpoint(false);
    }
  }
};

Projector::Projector(const store::EventStore& store, ProjectorOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {
  impl_->model.set_log(&store);
}

Projector::~Projector() { stop(); }

Result<LoadReport> Projector::load() {
  const auto started = std::chrono::steady_clock::now();
  LoadReport report;
  auto& m = impl_->model;
  m = Model{};
  if (!impl_->options.checkpoint_dir.empty()) {
    for (const auto& file : list_checkpoints(impl_->options.checkpoint_dir)) {
      auto loaded = read_checkpoint(impl_->store, file);
      if (!loaded) {
        report.ignored.push_back(file.path.filename().string() + ": " + std::string(loaded.status().message()));
        continue;
      }
      m = std::move(*loaded);
      report.checkpoint = file.position;
      impl_->last_checkpoint = file.position;
      break;
    }
  }
  const auto from = m.position();
  if (auto st = replay_into(impl_->store, m, 0); !st) return st;
  report.replayed = m.position() - from;
  impl_->publish();
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

void Projector::start() {
  if (impl_->running.exchange(true)) return;
  impl_->thread = std::thread([this] { impl_->follow(); });
}

void Projector::stop() {
  if (impl_->running.exchange(false)) {
    impl_->thread.join();
    impl_->maybe_checkpoint(true);
  }
}

void Projector::on_publish(std::function<void(const SnapshotPtr&)> listener) {
  impl_->listeners.push_back(std::move(listener));
}

SnapshotPtr Projector::current() const {
  std::lock_guard lock(impl_->mu);
  return impl_->snapshot;
}

bool Projector::wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->published.wait_for(lock, timeout, [&] { return impl_->snapshot->position() >= position; });
}

Result<SnapshotPtr> Projector::as_of(std::uint64_t position) const {
  const auto head = impl_->store.head().position;
  if (position > head) {
    return Status::invalid_argument("as_of is past the log",
                                    {{"/as_of", "position " + std::to_string(position) + " is not in the log (1 to " +
                                                    std::to_string(head) + ")"}});
  }
  if (auto now = current(); now->position() == position) return now;
  if (position == 0) return std::make_shared<const Snapshot>(Model{});
  // The nearest checkpoint at or before the position, else the start.
  Model model;
  if (!impl_->options.checkpoint_dir.empty()) {
    for (const auto& file : list_checkpoints(impl_->options.checkpoint_dir)) {
      if (file.position > position) continue;
      std::shared_ptr<const Model> base;
      {
        std::lock_guard lock(impl_->cache_mu);
        if (auto it = impl_->checkpoint_cache.find(file.position); it != impl_->checkpoint_cache.end())
          base = it->second;
      }
      if (!base) {
        auto loaded = read_checkpoint(impl_->store, file);
        if (!loaded) continue;
        base = std::make_shared<const Model>(std::move(*loaded));
        std::lock_guard lock(impl_->cache_mu);
        if (impl_->checkpoint_cache.size() >= 4) impl_->checkpoint_cache.erase(impl_->checkpoint_cache.begin());
        impl_->checkpoint_cache[file.position] = base;
      }
      model = *base;
      break;
    }
  }
  if (auto st = replay_into(impl_->store, model, position); !st) return st;
  return std::make_shared<const Snapshot>(std::move(model));
}

Status Projector::write_checkpoint() {
  if (impl_->options.checkpoint_dir.empty()) return Status::ok();
  if (auto st = write_checkpoint_file(impl_->options.checkpoint_dir, impl_->model); !st) return st;
  impl_->last_checkpoint = impl_->model.position();
  impl_->prune();
  return Status::ok();
}

Result<std::uint64_t> resolve_as_of(const store::EventStore& store, std::string_view text) {
  const auto head = store.head().position;
  const bool digits = !text.empty() && text.size() <= 19 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    const auto position = std::stoull(std::string(text));
    if (position > head) {
      return Status::invalid_argument(
          "as_of is past the log",
          {{"/as_of", "position " + std::string(text) + " is past the head, " + std::to_string(head)}});
    }
    return position;
  }
  auto instant = time::parse_instant(text);
  if (!instant) {
    auto zone = time::Zone::locate();
    if (!zone) return zone.status();
    instant = time::resolve_local(text, *zone);
    if (!instant) {
      if (instant.status().code() == Code::rule_violation) return instant.status();
      return Status::invalid_argument(
          "as_of is neither a position nor an instant",
          {{"/as_of", "'" + std::string(text) +
                          "' is not a log position, an RFC 3339 instant (2026-07-15T12:00:00Z) or a local time "
                          "in Africa/Casablanca (2026-07-15T13:00 or 15/07/2026 13:00)"}});
    }
  }
  // recorded_at never decreases along the log: the last record at or before the instant.
  const auto wanted = time::format_utc(*instant);
  auto recorded_at = [&](std::uint64_t position) -> Result<std::string> {
    auto records = store.read_log(position - 1, 1);
    if (!records) return records.status();
    if (records->empty()) return Status::data_loss("no record at " + std::to_string(position));
    auto env = store::parse_envelope(records->front().bytes);
    if (!env) return env.status();
    return env->recorded_at;
  };
  std::uint64_t lo = 0, hi = head;  // answer in [lo, hi]: records 1..lo are at or before it
  while (lo < hi) {
    const auto mid = lo + (hi - lo + 1) / 2;
    auto at = recorded_at(mid);
    if (!at) return at.status();
    if (*at <= wanted) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

Result<std::uint64_t> rebuild(const store::EventStore& store, const std::filesystem::path& dir,
                              const std::function<void(std::uint64_t)>& progress) {
  for (const auto& file : list_checkpoints(dir)) {
    std::error_code ec;
    std::filesystem::remove(file.path, ec);
    if (ec) return Status::unavailable("cannot remove " + file.path.string() + ": " + ec.message());
  }
  Model model;
  if (auto st = replay_into(store, model, 0, progress); !st) return st;
  if (model.position() > 0) {
    if (auto st = write_checkpoint_file(dir, model); !st) return st;
  }
  return model.position();
}

}  // namespace sijill::projections
