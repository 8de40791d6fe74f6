#include "event.h"

#include <cstring>
#include <utility>

namespace sijill::projections {

namespace {

// `key`, of the same length as `text`, is `text` (a comparison of known size, inlined).
template <std::size_t N>
bool same(std::string_view key, const char (&text)[N]) {
  return std::memcmp(key.data(), text, N - 1) == 0;
}

}  // namespace

// By length, then by text.
std::optional<F> field_of(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (same(key, "of")) return F::of;
      break;
    case 4:
      if (same(key, "late")) return F::late;
      if (same(key, "rank")) return F::rank;
      if (same(key, "zone")) return F::zone;
      break;
    case 5:
      if (same(key, "round")) return F::round;
      if (same(key, "title")) return F::title;
      break;
    case 6:
      if (same(key, "quotas")) return F::quotas;
      if (same(key, "reason")) return F::reason;
      if (same(key, "region")) return F::region;
      if (same(key, "upheld")) return F::upheld;
      break;
    case 7:
      if (same(key, "call_id")) return F::call_id;
      if (same(key, "domains")) return F::domains;
      if (same(key, "grounds")) return F::grounds;
      if (same(key, "regions")) return F::regions;
      break;
    case 8:
      if (same(key, "conflict")) return F::conflict;
      if (same(key, "eligible")) return F::eligible;
      if (same(key, "province")) return F::province;
      break;
    case 9:
      if (same(key, "documents")) return F::documents;
      if (same(key, "rationale")) return F::rationale;
      if (same(key, "statement")) return F::statement;
      break;
    case 10:
      if (same(key, "legal_form")) return F::legal_form;
      if (same(key, "legal_name")) return F::legal_name;
      if (same(key, "next_round")) return F::next_round;
      break;
    case 11:
      if (same(key, "notified_at")) return F::notified_at;
      if (same(key, "received_at")) return F::received_at;
      break;
    case 12:
      if (same(key, "deadline_utc")) return F::deadline_utc;
      if (same(key, "evaluator_id")) return F::evaluator_id;
      if (same(key, "place_region")) return F::place_region;
      if (same(key, "registration")) return F::registration;
      break;
    case 13:
      if (same(key, "rules_version")) return F::rules_version;
      break;
    case 14:
      if (same(key, "deadline_local")) return F::deadline_local;
      break;
    case 15:
      if (same(key, "appeal_deadline")) return F::appeal_deadline;
      if (same(key, "organisation_id")) return F::organisation_id;
      break;
    case 17:
      if (same(key, "corrects_position")) return F::corrects_position;
      if (same(key, "final_half_points")) return F::final_half_points;
      if (same(key, "missing_documents")) return F::missing_documents;
      if (same(key, "total_half_points")) return F::total_half_points;
      break;
    case 19:
      if (same(key, "registration_number")) return F::registration_number;
      break;
    case 21:
      if (same(key, "relevance_half_points")) return F::relevance_half_points;
      break;
    case 27:
      if (same(key, "divergence_threshold_points")) return F::divergence_threshold_points;
      break;
  }
  return std::nullopt;
}

namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

// A member that is absent, or of another type than asked, reads as missing; any other error
// means the record is not JSON.
bool missing(error_code e) { return e == simdjson::NO_SUCH_FIELD || e == simdjson::INCORRECT_TYPE; }

// Where a record's strings are read to: views into the record's copy when they hold no escape,
// which is nearly always, else unescaped into the space after it. That space is as large as the
// record: a string unescaped is never longer than its JSON text.
class Texts {
 public:
  explicit Texts(char* space) : next_(space) {}

  // The string `v` holds; INCORRECT_TYPE when it is not a string.
  error_code read(od::value v, std::string_view& out) {
    std::string_view token = v.raw_json_token();
    // The token is the string's JSON text, followed by any blanks before the next token.
    while (!token.empty() &&
           (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r')) {
      token.remove_suffix(1);
    }
    if (token.size() < 2 || token.front() != '"') return simdjson::INCORRECT_TYPE;
    const auto inner = token.substr(1, token.size() - 2);
    if (inner.find('\\') == std::string_view::npos) {
      out = inner;
      return simdjson::SUCCESS;
    }
    std::string_view unescaped;  // in the parser's memory, until the next record
    if (const auto e = v.get_string().get(unescaped)) return e;
    std::memcpy(next_, unescaped.data(), unescaped.size());
    out = {next_, unescaped.size()};
    next_ += unescaped.size();
    return simdjson::SUCCESS;
  }

  // Reads member `name` of `o` into `out` if it is a string (else leaves it empty).
  error_code member(od::object& o, std::string_view name, std::string_view& out) {
    od::value v;
    if (const auto e = o.find_field_unordered(name).get(v)) return missing(e) ? simdjson::SUCCESS : e;
    const auto e = read(v, out);
    return missing(e) ? simdjson::SUCCESS : e;
  }

 private:
  char* next_;
};

// A member's value, whatever its type.
error_code read_member(od::value v, Texts& texts, Member& m) {
  m = {Member::Kind::other, false, 0, {}};
  od::json_type type;
  if (const auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::string:
      m.kind = Member::Kind::string;
      return texts.read(v, m.text);
    case od::json_type::number: {
      // Neither attempt consumes the number when it fails.
      if (!v.get_int64().get(m.integer)) {
        m.kind = Member::Kind::integer;
      } else if (std::uint64_t u = 0; !v.get_uint64().get(u)) {
        m.kind = Member::Kind::integer;
        m.integer = static_cast<std::int64_t>(u);
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean:
      m.kind = Member::Kind::boolean;
      return v.get_bool().get(m.boolean);
    case od::json_type::object: {
      od::object o;
      if (const auto e = v.get_object().get(o)) return e;
      m.kind = Member::Kind::json;
      return o.raw_json().get(m.text);
    }
    case od::json_type::array: {
      od::array a;
      if (const auto e = v.get_array().get(a)) return e;
      m.kind = Member::Kind::json;
      return a.raw_json().get(m.text);
    }
    case od::json_type::null:
      return simdjson::SUCCESS;
  }
  return simdjson::SUCCESS;
}

// A member's name as written, without unescaping it when it has no escape (names never do).
error_code name_of(od::field& field, const char* end, std::string_view& out) {
  const char* raw = field.key().raw();
  const auto* quote = static_cast<const char*>(std::memchr(raw, '"', static_cast<std::size_t>(end - raw)));
  if (quote == nullptr) return simdjson::TAPE_ERROR;
  out = {raw, static_cast<std::size_t>(quote - raw)};
  if (out.find('\\') == std::string_view::npos) return simdjson::SUCCESS;
  return field.unescaped_key().get(out);
}

}  // namespace

void Event::hold(std::uint64_t at, const store::Hash& digest, std::string_view bytes, std::string& buffer) {
  const std::size_t n = bytes.size();
  if (buffer.size() < 2 * n + simdjson::SIMDJSON_PADDING) buffer.resize(2 * n + simdjson::SIMDJSON_PADDING);
  std::memcpy(buffer.data(), bytes.data(), n);
  position = at;
  hash = digest;
  record_ = buffer.data();
  record_bytes_ = n;
}

Status Event::read(od::parser& parser) {
  const std::size_t n = record_bytes_;
  Texts texts(record_ + n + simdjson::SIMDJSON_PADDING);
  stream = type = recorded_at = actor_id = actor_role = {};
  at_.fill(0);
  count_ = 0;

  auto envelope = [&]() -> error_code {
    od::document doc;
    od::object o;
    if (const auto e = parser.iterate(record_, n, 2 * n + simdjson::SIMDJSON_PADDING).get(doc)) return e;
    if (const auto e = doc.get_object().get(o)) return e;
    // Looked up in the order they are written (docs/chain-format.md), which on-demand parsing
    // rewards; any order reads the same.
    if (const auto e = texts.member(o, "stream", stream)) return e;
    if (const auto e = texts.member(o, "type", type)) return e;
    if (const auto e = texts.member(o, "recorded_at", recorded_at)) return e;
    od::object actor;
    if (const auto e = o.find_field_unordered("actor").get_object().get(actor); !e) {
      if (const auto e2 = texts.member(actor, "id", actor_id)) return e2;
      if (const auto e2 = texts.member(actor, "role", actor_role)) return e2;
    } else if (!missing(e)) {
      return e;
    }
    od::object data;
    if (const auto e = o.find_field_unordered("data").get_object().get(data)) return missing(e) ? simdjson::SUCCESS : e;
    const char* end = record_ + n;
    for (auto item : data) {
      od::field field;
      if (const auto e = std::move(item).get(field)) return e;
      std::string_view name;
      if (const auto e = name_of(field, end, name)) return e;
      const auto f = field_of(name);
      if (!f) continue;  // skipped, unparsed, by the next step of the loop
      auto& slot = at_[static_cast<std::size_t>(*f)];
      if (slot != 0) continue;  // the first of duplicates counts
      if (const auto e = read_member(field.value(), texts, members_[count_])) return e;
      slot = ++count_;
    }
    return simdjson::SUCCESS;
  };
  if (envelope() != simdjson::SUCCESS) {
    return Status::data_loss("record " + std::to_string(position) + " is not JSON");
  }
  return Status::ok();
}

void Event::prefetch() const {
  constexpr std::size_t kLine = 64;
  const auto* self = reinterpret_cast<const char*>(this);
  const auto* end = reinterpret_cast<const char*>(members_.data() + count_);
  for (const char* at = self; at < end; at += kLine) __builtin_prefetch(at);
  for (std::size_t at = 0; at < record_bytes_; at += kLine) __builtin_prefetch(record_ + at);
}

}  // namespace sijill::projections
