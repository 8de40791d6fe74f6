#include "sijill/store/key_store.h"

#include "sijill/util/files.h"

#include <sodium.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace sijill::store {

namespace {

using Key = std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_KEYBYTES>;
constexpr char kHeader[] = "sijill-keys 1";

std::string to_base64(const unsigned char* data, std::size_t len) {
  std::string out(sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, len, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool from_base64(std::string_view text, std::string& out) {
  out.resize(text.size());
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  out.resize(len);
  return true;
}

Status valid_subject(std::string_view subject) {
  if (subject.empty() || subject.size() > 256 || subject.find_first_of("\t\n\r") != std::string_view::npos ||
      subject.find('/') == std::string_view::npos) {
    return Status::invalid_argument("a key subject is \"<kind>/<id>\" without tabs or line breaks");
  }
  return Status::ok();
}

}  // namespace

struct KeyStore::Impl {
  std::filesystem::path path;
  mutable std::mutex mu;  // guards keys and the file
  std::map<std::string, Key, std::less<>> keys;

  ~Impl() {
    for (auto& [_, k] : keys) sodium_memzero(k.data(), k.size());
  }

  // Writes every key to a temporary file, fsyncs it, renames it over the key file and fsyncs
  // the folder. Called with mu held.
  Status persist() const {
    std::string text = std::string(kHeader) + "\n";
    for (const auto& [subject, key] : keys) text += subject + "\t" + to_base64(key.data(), key.size()) + "\n";
    auto st = util::write_file_durably(path, text, 0600);
    sodium_memzero(text.data(), text.size());
    return st;
  }
};

KeyStore::KeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyStore::~KeyStore() = default;

Result<std::unique_ptr<KeyStore>> KeyStore::open(std::filesystem::path path) {
  if (sodium_init() < 0) return Status::internal("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>();
  impl->path = std::move(path);
  std::ifstream in(impl->path);
  if (!in) {
    if (std::filesystem::exists(impl->path)) return Status::unavailable("cannot read " + impl->path.string());
    std::lock_guard lock(impl->mu);
    if (auto st = impl->persist(); !st) return st;
    return std::unique_ptr<KeyStore>(new KeyStore(std::move(impl)));
  }
  std::string line;
  if (!std::getline(in, line) || line != kHeader) {
    return Status::data_loss(impl->path.string() + " is not a sijill key file (first line must be '" + kHeader + "')");
  }
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto tab = line.find('\t');
    std::string raw;
    if (tab == std::string::npos || !from_base64(std::string_view(line).substr(tab + 1), raw) ||
        raw.size() != Key{}.size()) {
      sodium_memzero(line.data(), line.size());
      return Status::data_loss(impl->path.string() + ":" + std::to_string(number) + ": malformed key line");
    }
    Key key;
    std::memcpy(key.data(), raw.data(), key.size());
    sodium_memzero(raw.data(), raw.size());
    sodium_memzero(line.data() + tab, line.size() - tab);
    impl->keys[line.substr(0, tab)] = key;
  }
  return std::unique_ptr<KeyStore>(new KeyStore(std::move(impl)));
}

Status KeyStore::ensure_key(std::string_view subject) {
  if (auto st = valid_subject(subject); !st) return st;
  std::lock_guard lock(impl_->mu);
  if (impl_->keys.find(subject) != impl_->keys.end()) return Status::ok();
  Key key;
  crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
  impl_->keys.emplace(std::string(subject), key);
  sodium_memzero(key.data(), key.size());
  auto st = impl_->persist();
  if (!st) impl_->keys.erase(std::string(subject));  // not durable: do not use it
  return st;
}

Status KeyStore::forget(std::string_view subject) {
  if (auto st = valid_subject(subject); !st) return st;
  std::lock_guard lock(impl_->mu);
  auto it = impl_->keys.find(subject);
  if (it == impl_->keys.end()) return Status::ok();
  sodium_memzero(it->second.data(), it->second.size());
  impl_->keys.erase(it);
  return impl_->persist();
}

bool KeyStore::has_key(std::string_view subject) const {
  std::lock_guard lock(impl_->mu);
  return impl_->keys.find(subject) != impl_->keys.end();
}

Result<boost::json::value> KeyStore::seal(std::string_view subject, const boost::json::value& plaintext) {
  if (auto st = ensure_key(subject); !st) return st;
  const std::string message = boost::json::serialize(plaintext);
  std::array<unsigned char, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce;
  randombytes_buf(nonce.data(), nonce.size());
  std::string cipher(message.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long cipher_len = 0;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->keys.find(subject);
    if (it == impl_->keys.end())
      return Status::unavailable("the key of " + std::string(subject) + " was just forgotten");
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(cipher.data()), &cipher_len,
                                               reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                               reinterpret_cast<const unsigned char*>(subject.data()), subject.size(),
                                               nullptr, nonce.data(), it->second.data());
  }
  boost::json::object sealed;
  sealed["v"] = 1;
  sealed["subject"] = subject;
  sealed["nonce"] = to_base64(nonce.data(), nonce.size());
  sealed["ciphertext"] = to_base64(reinterpret_cast<const unsigned char*>(cipher.data()), cipher_len);
  return boost::json::value(boost::json::object{{"$sealed", std::move(sealed)}});
}

boost::json::value KeyStore::reveal(const boost::json::value& value) const {
  if (value.is_array()) {
    boost::json::array out;
    for (const auto& v : value.get_array()) out.push_back(reveal(v));
    return out;
  }
  if (!value.is_object()) return value;
  const auto& obj = value.get_object();
  const auto* sealed = obj.size() == 1 ? obj.if_contains("$sealed") : nullptr;
  if (sealed == nullptr || !sealed->is_object()) {
    boost::json::object out;
    for (const auto& [k, v] : obj) out[k] = reveal(v);
    return out;
  }
  const auto& s = sealed->get_object();
  const auto* subject = s.if_contains("subject");
  const auto* nonce = s.if_contains("nonce");
  const auto* ciphertext = s.if_contains("ciphertext");
  std::string subj = subject && subject->is_string() ? std::string(subject->get_string()) : std::string();
  auto marker = [&](const char* what) {
    return boost::json::value(boost::json::object{{what, boost::json::object{{"subject", subj}}}});
  };
  std::string n, c;
  if (!nonce || !ciphertext || !nonce->is_string() || !ciphertext->is_string() ||
      !from_base64(nonce->get_string(), n) || !from_base64(ciphertext->get_string(), c) ||
      n.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      c.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return marker("$unreadable");
  }
  std::string plain(c.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plain_len = 0;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->keys.find(subj);
    if (it == impl_->keys.end()) return marker("$erased");
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr,
                                                   reinterpret_cast<const unsigned char*>(c.data()), c.size(),
                                                   reinterpret_cast<const unsigned char*>(subj.data()), subj.size(),
                                                   reinterpret_cast<const unsigned char*>(n.data()),
                                                   it->second.data()) != 0) {
      return marker("$unreadable");
    }
  }
  plain.resize(plain_len);
  boost::system::error_code ec;
  auto parsed = boost::json::parse(plain, ec);
  sodium_memzero(plain.data(), plain.size());
  return ec ? marker("$unreadable") : parsed;
}

}  // namespace sijill::store
