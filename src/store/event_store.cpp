#include "sijill/store/event_store.h"

#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "internal.h"
#include "sijill/json/pointer.h"
#include "sijill/time/instant.h"
#include "sijill/util/utf8.h"

namespace sijill::store {

namespace {

using detail::Millis;

constexpr std::size_t kMaxStreamBytes = 256;
constexpr std::size_t kMaxNameBytes = 128;  // type, actor, ids
constexpr std::size_t kMaxIdempotencyBytes = 256;

Status io_error(std::string_view what, const rocksdb::Status& s) {
  return Status::unavailable(std::string(what) + ": " + s.ToString());
}

// No control character, and UTF-8: a record is JSON, which is UTF-8 (RFC 8259), and Boost.JSON
// writes strings byte for byte, so a stray byte would make the record unreadable for good.
bool printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return is_valid_utf8(s);
}

// Events carry no floating-point numbers (DESIGN.md): money is cents, scores are half points.
// Their strings and member names are UTF-8.
void find_floats(const boost::json::value& v, std::string& path, std::vector<Violation>& out) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      out.push_back({path, "floating-point numbers are not allowed in events"});
      break;
    case boost::json::kind::string:
      if (!is_valid_utf8(v.get_string())) out.push_back({path, "must be UTF-8"});
      break;
    case boost::json::kind::object:
      for (const auto& [k, child] : v.get_object()) {
        auto len = path.size();
        json::append_pointer_token(path, k);
        if (!is_valid_utf8(k)) out.push_back({path, "member names must be UTF-8"});
        find_floats(child, path, out);
        path.resize(len);
      }
      break;
    case boost::json::kind::array: {
      std::size_t i = 0;
      for (const auto& child : v.get_array()) {
        auto len = path.size();
        json::append_pointer_index(path, i++);
        find_floats(child, path, out);
        path.resize(len);
      }
      break;
    }
    default:
      break;
  }
}

Status check_draft(const EventDraft& d, std::size_t index) {
  std::string at = "/events/" + std::to_string(index);
  std::vector<Violation> v;
  if (d.stream.empty() || d.stream.size() > kMaxStreamBytes || !printable(d.stream) ||
      d.stream.find('/') == std::string::npos || d.stream.front() == '/' || d.stream.back() == '/') {
    v.push_back({at + "/stream", "must be \"<kind>/<id>\", printable, at most 256 bytes"});
  }
  if (d.type.empty() || d.type.size() > kMaxNameBytes ||
      d.type.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) {
    v.push_back({at + "/type", "must be a name of letters and digits"});
  }
  if (d.schema < 1) v.push_back({at + "/schema", "must be at least 1"});
  if (d.actor.id.empty() || d.actor.id.size() > kMaxNameBytes || !printable(d.actor.id)) {
    v.push_back({at + "/actor/id", "must name the user"});
  }
  if (d.actor.role.empty() || d.actor.role.size() > kMaxNameBytes || !printable(d.actor.role)) {
    v.push_back({at + "/actor/role", "must name the role"});
  }
  if (d.id.size() > kMaxNameBytes || !printable(d.id)) v.push_back({at + "/id", "must be a short printable id"});
  if (d.correlation_id && (d.correlation_id->size() > kMaxNameBytes || !printable(*d.correlation_id))) {
    v.push_back({at + "/correlation_id", "must be a short printable id"});
  }
  if (d.causation_id && (d.causation_id->size() > kMaxNameBytes || !printable(*d.causation_id))) {
    v.push_back({at + "/causation_id", "must be a short printable id"});
  }
  std::string path = at + "/data";
  for (const auto& [k, child] : d.data) {  // no copy of the data: walk its members in place
    auto len = path.size();
    json::append_pointer_token(path, k);
    if (!is_valid_utf8(k)) v.push_back({path, "member names must be UTF-8"});
    find_floats(child, path, v);
    path.resize(len);
  }
  if (!v.empty()) return Status::invalid_argument("malformed event", std::move(v));
  return Status::ok();
}

// The last record's time, so that recorded_at never goes back across a restart.
Millis parse_recorded_at(std::string_view text) {
  auto t = time::parse_instant(text);
  return t ? *t : Millis{};
}

std::string damaged(const std::filesystem::path& dir, const std::string& what) {
  return "the data folder " + dir.string() + " is damaged: " + what + ". Run `sijill verify --data " + dir.string() +
         "` to find the first bad record, then restore the folder from a backup";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Record decoding

Result<Record> detail::decode_log(std::string_view key, std::string_view value) {
  if (key.size() != 8 || value.size() < 32 + 2) return Status::data_loss("malformed log entry");
  Record r;
  r.position = get_be64(key);
  std::copy_n(reinterpret_cast<const std::uint8_t*>(value.data()), 32, r.hash.begin());
  r.bytes.assign(value.substr(32));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Batch

struct Batch::State {
  EventStore::Impl* store = nullptr;
  std::uint64_t next_position = 1;
  Hash prev_hash{};
  Millis recorded_at{};
  std::string recorded_at_text;  // recorded_at formatted, reused while the time does not change
  std::vector<Record> records;
  rocksdb::WriteBatch write_batch;
  std::unordered_map<std::string, std::uint64_t> stream_versions;  // staged heads
  struct Staged {
    Hash digest;
    AppendResult result;
  };
  std::unordered_map<std::string, Staged> idempotency;
};

Batch::Batch(std::unique_ptr<State> state) : state_(std::move(state)) {}
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;
Batch::~Batch() = default;

std::uint64_t Batch::next_position() const { return state_->next_position; }
std::size_t Batch::record_count() const { return state_->records.size(); }

std::uint64_t Batch::stream_version(std::string_view stream) const {
  if (auto it = state_->stream_versions.find(std::string(stream)); it != state_->stream_versions.end()) {
    return it->second;
  }
  auto& cache = state_->store->stream_versions;
  if (auto it = cache.find(std::string(stream)); it != cache.end()) return it->second;
  auto v = state_->store->committed_stream_version(stream);
  cache.emplace(stream, v);
  return v;
}

Result<std::optional<AppendResult>> Batch::repeat_of(const IdempotencyKey& k) const {
  const auto& s = *state_;
  const auto& store = *s.store;
  {
    std::lock_guard lock(store.mu);
    if (!store.failure.is_ok()) return store.failure;
  }
  auto bad = [](const std::string& x) { return x.empty() || x.find('\0') != std::string::npos; };
  if (bad(k.user) || bad(k.command) || bad(k.key) || k.key.size() > kMaxIdempotencyBytes) {
    return Status::invalid_argument(
        "idempotency key: user, command and key must be non-empty, without NUL, "
        "the key at most 256 bytes");
  }
  const std::string idem_key = detail::idempotency_key(k);
  auto conflict = [&] {
    return Status::conflict("idempotency key '" + k.key + "' was already used for " + k.command +
                            " with a different body");
  };
  if (auto it = s.idempotency.find(idem_key); it != s.idempotency.end()) {
    if (it->second.digest != k.body_digest) return conflict();
    AppendResult r = it->second.result;
    r.replayed = true;
    return std::optional<AppendResult>(std::move(r));
  }
  std::string value;
  auto st = store.db->Get(rocksdb::ReadOptions(), store.idempotency, idem_key, &value);
  if (st.IsNotFound()) return std::optional<AppendResult>();
  if (!st.ok()) return io_error("reading an idempotency key", st);
  if (value.size() != 48) return Status::data_loss("malformed idempotency entry");
  if (std::memcmp(value.data(), k.body_digest.data(), 32) != 0) return conflict();
  const auto first = detail::get_be64(std::string_view(value).substr(32, 8));
  const auto last = detail::get_be64(std::string_view(value).substr(40, 8));
  AppendResult r;
  r.replayed = true;
  r.position = last;
  for (auto p = first; p <= last; ++p) {
    std::string rec;
    auto gs = store.db->Get(rocksdb::ReadOptions(), store.log, detail::log_key(p), &rec);
    if (!gs.ok()) return io_error("reading the first result of an idempotent repeat", gs);
    auto decoded = detail::decode_log(detail::log_key(p), rec);
    if (!decoded) return decoded.status();
    auto env = parse_envelope(decoded->bytes);
    if (!env) return env.status();
    if (p == first) r.recorded_at = env->recorded_at;
    r.events.push_back({p, env->stream, env->version, env->type});
  }
  return std::optional<AppendResult>(std::move(r));
}

Result<AppendResult> Batch::stage(const AppendRequest& request) {
  auto& s = *state_;
  auto& store = *s.store;
  if (auto h = store.options.read_only ? Status::unavailable("the store is open read-only") : Status::ok(); !h)
    return h;
  {
    std::lock_guard lock(store.mu);
    if (!store.failure.is_ok()) return store.failure;
  }
  if (request.events.empty()) return Status::invalid_argument("an append needs at least one event");
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    if (auto st = check_draft(request.events[i], i); !st) return st;
  }

  // Idempotency first: a repeat must answer as the first time, whatever has happened since.
  std::string idem_key;
  if (request.idempotency) {
    auto repeat = repeat_of(*request.idempotency);
    if (!repeat) return repeat.status();
    if (*repeat) return std::move(**repeat);
    idem_key = detail::idempotency_key(*request.idempotency);
  }

  for (const auto& e : request.expected) {
    auto actual = stream_version(e.stream);
    if (actual != e.version) {
      return Status::version_mismatch("stream " + e.stream + " is at version " + std::to_string(actual) + ", not " +
                                      std::to_string(e.version));
    }
  }

  // Everything holds: stage the records.
  auto now = std::chrono::floor<std::chrono::milliseconds>(store.now());
  const auto previous = s.recorded_at;
  s.recorded_at = std::max({s.recorded_at, store.last_recorded_at, now});
  if (s.recorded_at != previous || s.recorded_at_text.empty()) s.recorded_at_text = time::format_utc(s.recorded_at);
  const std::string& recorded_at = s.recorded_at_text;
  AppendResult result;
  result.recorded_at = recorded_at;
  for (const auto& d : request.events) {
    const auto version = stream_version(d.stream) + 1;
    const auto position = s.next_position;
    boost::json::object o;
    o.reserve(13);
    o["position"] = position;
    o["stream"] = d.stream;
    o["version"] = version;
    o["type"] = d.type;
    o["schema"] = d.schema;
    o["id"] = d.id.empty() ? boost::uuids::to_string(store.uuids()) : d.id;
    o["recorded_at"] = recorded_at;
    o["actor"] = boost::json::object{{"id", d.actor.id}, {"role", d.actor.role}};
    o["correlation_id"] = d.correlation_id ? boost::json::value(*d.correlation_id) : nullptr;
    o["causation_id"] = d.causation_id ? boost::json::value(*d.causation_id) : nullptr;
    o["idempotency_key"] = request.idempotency ? boost::json::value(request.idempotency->key) : nullptr;
    o["data"] = d.data;
    o["prev_hash"] = to_hex(s.prev_hash);

    Record r;
    r.position = position;
    r.bytes = boost::json::serialize(o);
    r.hash = chain_hash(s.prev_hash, r.bytes);
    s.write_batch.Put(store.log, detail::log_key(position), detail::log_value(r));
    std::string pos;
    detail::put_be64(pos, position);
    s.write_batch.Put(store.streams, detail::stream_key(d.stream, version), pos);
    s.stream_versions[d.stream] = version;
    s.prev_hash = r.hash;
    s.next_position = position + 1;
    s.records.push_back(std::move(r));
    result.events.push_back({position, d.stream, version, d.type});
  }
  result.position = result.events.back().position;
  if (request.idempotency) {
    std::string value(reinterpret_cast<const char*>(request.idempotency->body_digest.data()), 32);
    detail::put_be64(value, result.events.front().position);
    detail::put_be64(value, result.position);
    s.write_batch.Put(store.idempotency, idem_key, value);
    s.idempotency[idem_key] = {request.idempotency->body_digest, result};
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// EventStore

EventStore::Impl::~Impl() {
  if (db) {
    // A clean close leaves nothing in the write-ahead log to replay: the next open then takes
    // milliseconds instead of replaying what the memtables held. (A crash skips this; RocksDB
    // replays the log's tail on the next open, as it must.)
    if (!options.read_only && failure.is_ok()) {
      rocksdb::FlushOptions flush;
      flush.wait = true;
      db->Flush(flush, handles).PermitUncheckedError();
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
  }
}

std::chrono::system_clock::time_point EventStore::Impl::now() const {
  return options.clock ? options.clock() : std::chrono::system_clock::now();
}

std::uint64_t EventStore::Impl::committed_stream_version(std::string_view stream) const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), streams));
  std::string prefix(stream);
  prefix.push_back('\0');
  it->SeekForPrev(detail::stream_key(stream, ~std::uint64_t{0}));
  if (!it->Valid() || !it->key().starts_with(prefix) || it->key().size() != prefix.size() + 8) return 0;
  return detail::get_be64(it->key().ToStringView().substr(prefix.size()));
}

Result<Head> EventStore::Impl::read_meta_head() const {
  std::string value;
  auto st = db->Get(rocksdb::ReadOptions(), meta, detail::kHeadKey, &value);
  if (st.IsNotFound()) return Head{};
  if (!st.ok()) return io_error("reading meta", st);
  if (value.size() != 40) return Status::data_loss("meta head is malformed");
  Head h;
  h.position = detail::get_be64(value);
  std::copy_n(reinterpret_cast<const std::uint8_t*>(value.data()) + 8, 32, h.hash.begin());
  return h;
}

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

const StoreOptions& EventStore::options() const { return impl_->options; }

Result<std::unique_ptr<EventStore>> EventStore::open(StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const auto& dir = impl->options.dir;
  const auto db_dir = dir / "log";
  std::error_code ec;
  if (!impl->options.read_only && impl->options.create_if_missing) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::unavailable("cannot create " + dir.string() + ": " + ec.message());
  }
  if (!std::filesystem::exists(db_dir / "CURRENT") && (impl->options.read_only || !impl->options.create_if_missing)) {
    return Status::not_found("no event store in " + dir.string());
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.compression = impl->options.compression ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  db_options.bottommost_compression = db_options.compression;
  db_options.keep_log_file_num = 5;
  // The small column families (meta, idempotency) are written with every batch; without a
  // bound their memtables would pin every write-ahead log file since the last flush, and an
  // open after a crash would replay all of them. Past 64 MiB RocksDB flushes them.
  db_options.max_total_wal_size = 64 << 20;
  if (impl->options.file_system) {
    impl->env = rocksdb::NewCompositeEnv(impl->options.file_system);
    db_options.env = impl->env.get();
  }
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, cf_options},
                                                           {"log", cf_options},
                                                           {"streams", cf_options},
                                                           {"idempotency", cf_options},
                                                           {"meta", cf_options}};
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st = impl->options.read_only
                           ? rocksdb::DB::OpenForReadOnly(db_options, db_dir.string(), families, &impl->handles, &raw)
                           : rocksdb::DB::Open(db_options, db_dir.string(), families, &impl->handles, &raw);
  if (!st.ok()) {
    if (st.IsIOError() && st.ToString().find("lock") != std::string::npos) {
      return Status::unavailable("the data folder " + dir.string() +
                                 " is in use by another process (a running server?): " + st.ToString());
    }
    return io_error("cannot open the event store in " + dir.string(), st);
  }
  impl->db.reset(raw);
  impl->log = impl->handles[1];
  impl->streams = impl->handles[2];
  impl->idempotency = impl->handles[3];
  impl->meta = impl->handles[4];

  // Format version.
  std::string format;
  st = impl->db->Get(rocksdb::ReadOptions(), impl->meta, detail::kFormatKey, &format);
  std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator(rocksdb::ReadOptions(), impl->log));
  it->SeekToLast();
  const bool log_empty = !it->Valid();
  if (st.IsNotFound()) {
    if (!log_empty) return Status::data_loss(damaged(dir, "the log has records but meta has no format version"));
    if (!impl->options.read_only) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      auto ws = impl->db->Put(wo, impl->meta, detail::kFormatKey, std::to_string(kRecordFormat));
      if (!ws.ok()) return io_error("writing the format version", ws);
    }
  } else if (!st.ok()) {
    return io_error("reading meta", st);
  } else if (format != std::to_string(kRecordFormat)) {
    return Status::data_loss("the data folder " + dir.string() + " holds store format " + format +
                             "; this sijill reads format " + std::to_string(kRecordFormat));
  }

  // Meta must agree with the last record, and the chain's tail must link.
  auto meta_head = impl->read_meta_head();
  if (!meta_head) return meta_head.status();
  if (!impl->options.check_tail) {
    if (!log_empty) {
      auto last = detail::decode_log(it->key().ToStringView(), it->value().ToStringView());
      auto env = last ? parse_envelope(last->bytes) : Result<Envelope>(last.status());
      if (env) impl->last_recorded_at = parse_recorded_at(env->recorded_at);
    }
  } else if (log_empty) {
    if (meta_head->position != 0) {
      return Status::data_loss(damaged(
          dir, "meta says the head is at position " + std::to_string(meta_head->position) + " but the log is empty"));
    }
  } else {
    auto last = detail::decode_log(it->key().ToStringView(), it->value().ToStringView());
    if (!last) return Status::data_loss(damaged(dir, std::string(last.status().message())));
    if (last->position != meta_head->position || last->hash != meta_head->hash) {
      return Status::data_loss(damaged(dir, "meta says the head is position " + std::to_string(meta_head->position) +
                                                " but the last record is position " + std::to_string(last->position) +
                                                (last->position == meta_head->position ? " with another hash" : "")));
    }
    auto env = parse_envelope(last->bytes);
    if (!env)
      return Status::data_loss(
          damaged(dir, "record " + std::to_string(last->position) + ": " + std::string(env.status().message())));
    if (env->position != last->position || chain_hash(env->prev_hash, last->bytes) != last->hash) {
      return Status::data_loss(damaged(dir, "record " + std::to_string(last->position) + " does not match its hash"));
    }
    Hash expected_prev = kZeroHash;
    if (last->position > 1) {
      it->Prev();
      if (!it->Valid()) return Status::data_loss(damaged(dir, "the record before the last is missing"));
      auto prev = detail::decode_log(it->key().ToStringView(), it->value().ToStringView());
      if (!prev || prev->position + 1 != last->position) {
        return Status::data_loss(damaged(dir, "the record before the last is missing"));
      }
      auto prev_env = parse_envelope(prev->bytes);
      if (!prev_env || chain_hash(prev_env->prev_hash, prev->bytes) != prev->hash) {
        return Status::data_loss(damaged(dir, "record " + std::to_string(prev->position) + " does not match its hash"));
      }
      expected_prev = prev->hash;
    }
    if (env->prev_hash != expected_prev) {
      return Status::data_loss(
          damaged(dir, "record " + std::to_string(last->position) + " does not link to the record before it"));
    }
    impl->last_recorded_at = parse_recorded_at(env->recorded_at);
  }
  impl->head = *meta_head;
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

Head EventStore::head() const {
  std::lock_guard lock(impl_->mu);
  return impl_->head;
}

Status EventStore::health() const {
  std::lock_guard lock(impl_->mu);
  return impl_->failure;
}

Status EventStore::scan_log(std::uint64_t after, std::uint64_t to, const std::function<bool(const Record&)>& visit,
                            Scan scan) const {
  Record r;
  return scan_log_views(
      after, to,
      [&](const RecordView& v) {
        r.position = v.position;
        r.hash = *v.hash;
        r.bytes.assign(v.bytes);
        return visit(r);
      },
      scan);
}

Status EventStore::scan_log_views(std::uint64_t after, std::uint64_t to,
                                  const std::function<bool(const RecordView&)>& visit, Scan scan) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  ro.fill_cache = scan == Scan::paged;  // see Scan
  std::string upper = detail::log_key(to == ~std::uint64_t{0} ? to : to + 1);
  rocksdb::Slice upper_slice(upper);
  if (to != ~std::uint64_t{0}) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->log));
  Hash hash;
  for (it->Seek(detail::log_key(after + 1)); it->Valid(); it->Next()) {
    const auto key = it->key().ToStringView();
    const auto value = it->value().ToStringView();
    if (key.size() != 8 || value.size() < 32 + 2) return Status::data_loss("malformed log entry");
    RecordView v;
    v.position = detail::get_be64(key);
    if (v.position > to) break;
    std::copy_n(reinterpret_cast<const std::uint8_t*>(value.data()), 32, hash.begin());
    v.hash = &hash;
    v.bytes = value.substr(32);
    if (!visit(v)) break;
  }
  if (!it->status().ok()) return io_error("reading the log", it->status());
  return Status::ok();
}

Result<std::vector<Record>> EventStore::read_log(std::uint64_t after, std::size_t limit, std::uint64_t to) const {
  std::vector<Record> out;
  if (limit == 0) return out;
  auto st = scan_log(after, to, [&](const Record& r) {
    out.push_back(r);
    return out.size() < limit;
  });
  if (!st) return st;
  return out;
}

Result<std::vector<Record>> EventStore::read_stream(std::string_view stream, std::uint64_t from_version,
                                                    std::size_t limit) const {
  std::vector<Record> out;
  std::string prefix(stream);
  prefix.push_back('\0');
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams));
  for (it->Seek(detail::stream_key(stream, std::max<std::uint64_t>(from_version, 1)));
       it->Valid() && out.size() < limit && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8) continue;  // another stream sharing the prefix
    auto key = detail::log_key(detail::get_be64(it->value().ToStringView()));
    std::string value;
    auto st = impl_->db->Get(rocksdb::ReadOptions(), impl_->log, key, &value);
    if (!st.ok()) return Status::data_loss("stream index names a missing record: " + st.ToString());
    auto r = detail::decode_log(key, value);
    if (!r) return r.status();
    out.push_back(std::move(r).value());
  }
  if (!it->status().ok()) return io_error("reading a stream", it->status());
  return out;
}

std::uint64_t EventStore::stream_version(std::string_view stream) const {
  return impl_->committed_stream_version(stream);
}

void EventStore::on_commit(std::function<void(const CommitNotice&)> listener) {
  impl_->listeners.push_back(std::move(listener));
}

bool EventStore::wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->head_changed.wait_for(lock, timeout, [&] {
    return impl_->head.position >= position || !impl_->failure.is_ok();
  }) && impl_->head.position >= position;
}

Status EventStore::sync() {
  auto st = impl_->db->SyncWAL();
  return st.ok() ? Status::ok() : io_error("syncing the log", st);
}

Batch EventStore::begin_batch() {
  auto state = std::make_unique<Batch::State>();
  state->store = impl_.get();
  auto h = head();
  state->next_position = h.position + 1;
  state->prev_hash = h.hash;
  return Batch(std::move(state));
}

Status EventStore::commit(Batch& batch) {
  auto& s = *batch.state_;
  auto& impl = *impl_;
  {
    std::lock_guard lock(impl.mu);
    if (!impl.failure.is_ok()) return impl.failure;
  }
  if (s.records.empty()) return Status::ok();
  Head new_head{s.records.back().position, s.records.back().hash};
  std::string head_value;
  detail::put_be64(head_value, new_head.position);
  head_value.append(reinterpret_cast<const char*>(new_head.hash.data()), new_head.hash.size());
  s.write_batch.Put(impl.meta, detail::kHeadKey, head_value);

  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync;
  auto st = impl.db->Write(wo, &s.write_batch);
  if (!st.ok()) {
    auto failure =
        Status::unavailable("storage failed while writing positions " + std::to_string(s.records.front().position) +
                            " to " + std::to_string(new_head.position) + " (" + st.ToString() +
                            "); the outcome is unknown and the store refuses writes until it is restarted");
    {
      std::lock_guard lock(impl.mu);
      impl.failure = failure;
    }
    impl.head_changed.notify_all();
    impl.stream_versions.clear();  // nobody knows what is on disk
    return failure;
  }
  {
    std::lock_guard lock(impl.mu);
    impl.head = new_head;
  }
  impl.head_changed.notify_all();
  impl.last_recorded_at = s.recorded_at;
  for (auto& [stream, version] : s.stream_versions) impl.stream_versions[stream] = version;
  CommitNotice notice{new_head, std::make_shared<const std::vector<Record>>(std::move(s.records))};
  // The batch is spent; leave it empty and positioned after the new head.
  s.records.clear();
  s.write_batch.Clear();
  s.stream_versions.clear();
  s.idempotency.clear();
  s.next_position = new_head.position + 1;
  s.prev_hash = new_head.hash;
  for (const auto& listener : impl.listeners) listener(notice);
  return Status::ok();
}

}  // namespace sijill::store
