#include "sijill/store/record.h"

#include <openssl/evp.h>
#include <simdjson.h>
#include <sodium.h>

#include <stdexcept>

namespace sijill::store {

namespace {

const EVP_MD* sha256_md() {
  // Fetched once: OpenSSL 3's implicit fetch on every digest costs more than the hash itself.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string to_hex(const Hash& h) {
  char buf[65];
  sodium_bin2hex(buf, sizeof buf, h.data(), h.size());
  return std::string(buf, 64);
}

std::optional<Hash> hash_from_hex(std::string_view hex) {
  // Lower-case only, so that a hash has one spelling.
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  Hash h{};
  for (std::size_t i = 0; i < h.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return h;
}

Hash chain_hash(const Hash& prev, std::string_view bytes) {
  thread_local DigestContext d;
  Hash out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex(d.ctx, sha256_md(), nullptr) != 1 || EVP_DigestUpdate(d.ctx, prev.data(), prev.size()) != 1 ||
      EVP_DigestUpdate(d.ctx, bytes.data(), bytes.size()) != 1 || EVP_DigestFinal_ex(d.ctx, out.data(), &len) != 1 ||
      len != out.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

Hash sha256(std::string_view bytes) {
  thread_local DigestContext d;
  Hash out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex(d.ctx, sha256_md(), nullptr) != 1 || EVP_DigestUpdate(d.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(d.ctx, out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

std::string Record::wire() const {
  std::string out;
  out.reserve(bytes.size() + kWireHashSuffix);
  out.append(bytes, 0, bytes.empty() ? 0 : bytes.size() - 1);
  out += ",\"hash\":\"";
  out += to_hex(hash);
  out += "\"}";
  return out;
}

Result<Envelope> parse_envelope(std::string_view record_bytes) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(record_bytes);
  auto fail = [](std::string what) {
    return Status::data_loss("record is not in format " + std::to_string(kRecordFormat) + ": " + what);
  };
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return fail("not JSON");
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return fail("not an object");
  Envelope e;
  std::string_view sv;
  // Fields are read in the order they are written (docs/chain-format.md), which on-demand
  // parsing rewards; find_field_unordered keeps it correct for any order.
  if (obj.find_field_unordered("position").get_uint64().get(e.position)) return fail("no position");
  if (obj.find_field_unordered("stream").get_string().get(sv)) return fail("no stream");
  e.stream = sv;
  if (obj.find_field_unordered("version").get_uint64().get(e.version)) return fail("no version");
  if (obj.find_field_unordered("type").get_string().get(sv)) return fail("no type");
  e.type = sv;
  if (obj.find_field_unordered("recorded_at").get_string().get(sv)) return fail("no recorded_at");
  e.recorded_at = sv;
  auto key = obj.find_field_unordered("idempotency_key");
  if (!key.error() && !key.is_null()) {
    if (key.get_string().get(sv)) return fail("idempotency_key is not a string");
    e.idempotency_key = sv;
  }
  if (obj.find_field_unordered("prev_hash").get_string().get(sv)) return fail("no prev_hash");
  auto prev = hash_from_hex(sv);
  if (!prev) return fail("prev_hash is not 64 lower-case hex digits");
  e.prev_hash = *prev;
  return e;
}

}  // namespace sijill::store
