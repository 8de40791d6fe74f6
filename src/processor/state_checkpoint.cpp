#include "sijill/processor/state_checkpoint.h"

#include <algorithm>
#include <fstream>
#include <future>
#include <istream>
#include <limits>
#include <sstream>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/vector.hpp>

#include "sijill/processor/command.h"
#include "sijill/store/record.h"
#include "sijill/util/files.h"
#include "sijill/util/versioned_bytes.h"

namespace sijill::processor {

namespace {

using Sections = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kSuffix = ".bin";
constexpr std::size_t kDigits = 20;
constexpr std::size_t kMaxHeaderLine = 512;

std::string file_name(std::uint64_t position) {
  std::string digits = std::to_string(position);
  return std::string(kDigits - std::min(kDigits, digits.size()), '0') + digits + std::string(kSuffix);
}

std::string encode_sections(const Sections& sections) {
  std::ostringstream out(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(sections);
  }
  return std::move(out).str();
}

Result<Sections> decode_sections(std::string_view bytes) {
  Sections sections;
  try {
    util::MemoryBuffer buffer(bytes);
    std::istream in(&buffer);
    cereal::PortableBinaryInputArchive ar(in);
    ar(sections);
    if (buffer.left() != 0) return Status::data_loss("its sections have trailing bytes");
  } catch (const std::exception& e) {
    return Status::data_loss(std::string("its sections cannot be read: ") + e.what());
  }
  return sections;
}

Result<std::string> read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::data_loss("cannot read it");
  std::string bytes(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return Status::data_loss("cannot read it");
  return bytes;
}

// Reads a decimal number made of digits only.
std::optional<std::uint64_t> decimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto end = std::min(line.find(' ', i), line.size());
    out.push_back(line.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

std::string names_of(const std::vector<StatePart>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

}  // namespace

std::filesystem::path state_checkpoint_dir(const std::filesystem::path& data_dir) {
  return data_dir / "checkpoints" / "processor";
}

std::vector<StatePart> module_parts(const std::vector<domain::Module*>& modules) {
  std::vector<StatePart> parts;
  for (auto* m : modules) {
    const auto commands = m->commands();
    StatePart p;
    p.name = "module:" + (commands.empty() ? std::string("?") : commands.front());
    p.save = [m] { return m->save_state(); };
    p.load = [m](std::string_view bytes) { return m->load_state(bytes); };
    parts.push_back(std::move(p));
  }
  return parts;
}

std::vector<StateCheckpointFile> list_state_checkpoints(const std::filesystem::path& dir) {
  std::vector<StateCheckpointFile> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() != kDigits + kSuffix.size() || !name.ends_with(kSuffix)) continue;
    if (auto position = decimal(std::string_view(name).substr(0, kDigits))) out.push_back({entry.path(), *position});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.position > b.position; });
  return out;
}

Result<StateCheckpoint> read_state_checkpoint(const store::EventStore& store, const std::filesystem::path& file) {
  auto bytes = read_whole(file);
  if (!bytes) return bytes.status();
  const std::string_view all(*bytes);
  const auto eol = all.substr(0, kMaxHeaderLine).find('\n');
  if (eol == std::string_view::npos) return Status::data_loss("it has no header line");
  const auto header = words(all.substr(0, eol));
  if (header.empty() || header[0] != kStateCheckpointMagic) {
    return Status::data_loss("it is not a checkpoint of the processor's state");
  }
  const auto version = header.size() > 1 ? decimal(header[1]) : std::nullopt;
  if (!version || *version != kStateCheckpointVersion) {
    return Status::data_loss("it was written in another format (version " +
                             (header.size() > 1 ? std::string(header[1]) : std::string("?")) + ", not " +
                             std::to_string(kStateCheckpointVersion) + ")");
  }
  if (header.size() != 5) return Status::data_loss("its header is incomplete");
  const auto position = decimal(header[2]);
  if (!position || header[3].size() != 64 || header[4].size() != 64) return Status::data_loss("its header is damaged");
  const auto named = decimal(file.filename().string().substr(0, kDigits));
  if (!named || *named != *position) return Status::data_loss("its name and its header disagree");
  if (*position == 0) return Status::data_loss("it is at position 0");
  const auto head = store.head().position;
  if (*position > head) {
    return Status::data_loss("it is ahead of the log (position " + std::to_string(*position) + ", head " +
                             std::to_string(head) + ")");
  }
  auto records = store.read_log(*position - 1, 1);
  if (!records) return records.status();
  if (records->empty() || store::to_hex(records->front().hash) != header[3]) {
    return Status::data_loss("its hash is not the log's hash at position " + std::to_string(*position));
  }
  const auto body = all.substr(eol + 1);
  if (store::to_hex(sha256(body)) != header[4]) {
    return Status::data_loss("it is damaged: its sections do not match their SHA-256");
  }
  auto sections = decode_sections(body);
  if (!sections) return sections.status();
  StateCheckpoint out;
  out.position = *position;
  out.hash = std::string(header[3]);
  out.sections = std::move(sections).value();
  return out;
}

Result<StateCapture> capture_state(const store::EventStore& store, const std::vector<StatePart>& parts) {
  const auto head = store.head();
  if (head.position == 0) return Status::not_found("the log is empty: no checkpoint to write");
  StateCapture out;
  out.position = head.position;
  out.hash = head.hash;
  out.sections.reserve(parts.size());
  for (const auto& p : parts) {
    auto bytes = p.save ? p.save() : std::nullopt;
    if (!bytes) return Status::not_found("the part " + p.name + " cannot be checkpointed");
    out.sections.emplace_back(p.name, std::move(*bytes));
  }
  return out;
}

Result<std::uint64_t> write_state_capture(const std::filesystem::path& dir, const StateCapture& capture,
                                          std::size_t keep) {
  const auto body = encode_sections(capture.sections);
  std::string text = std::string(kStateCheckpointMagic) + " " + std::to_string(kStateCheckpointVersion) + " " +
                     std::to_string(capture.position) + " " + store::to_hex(capture.hash) + " " +
                     store::to_hex(sha256(body)) + "\n";
  text += body;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::unavailable("cannot create " + dir.string() + ": " + ec.message());
  if (auto st = util::write_file_durably(dir / file_name(capture.position), text); !st) return st;
  // The newest `keep` at or before this position (the one just written among them); files ahead
  // of it (another history, or a newer checkpoint) are left alone and not counted.
  std::size_t kept = 0;
  for (const auto& file : list_state_checkpoints(dir)) {
    if (file.position > capture.position) continue;
    if (kept++ < std::max<std::size_t>(keep, 1)) continue;
    std::filesystem::remove(file.path, ec);  // an old file left behind is harmless
  }
  return capture.position;
}

Result<std::uint64_t> write_state_checkpoint(const store::EventStore& store, const std::filesystem::path& dir,
                                             const std::vector<StatePart>& parts, std::size_t keep) {
  auto capture = capture_state(store, parts);
  if (!capture) return capture.status();
  return write_state_capture(dir, *capture, keep);
}

LoadedState load_state_checkpoint(const store::EventStore& store, const std::filesystem::path& dir,
                                  const std::vector<StatePart>& parts) {
  LoadedState out;
  if (parts.empty()) return out;
  for (const auto& file : list_state_checkpoints(dir)) {
    const auto name = file.path.filename().string();
    auto read = read_state_checkpoint(store, file.path);
    if (!read) {
      out.ignored.push_back(name + ": " + std::string(read.status().message()));
      continue;
    }
    bool same = read->sections.size() == parts.size();
    for (std::size_t i = 0; same && i < parts.size(); ++i) same = read->sections[i].first == parts[i].name;
    if (!same) {
      std::string found;
      for (const auto& [n, _] : read->sections) found += (found.empty() ? "" : ", ") + n;
      out.ignored.push_back(name + ": its sections (" + found + ") are not this server's (" + names_of(parts) + ")");
      continue;
    }
    // The first part alone, then the others at the same time (each is its own state: the
    // modules' and the programme's index). When the first refuses its section nothing was
    // loaded and the next file is tried; a refusal after that spoils the parts.
    auto load = [&](std::size_t i) {
      return parts[i].load ? parts[i].load(read->sections[i].second)
                           : Status::not_found("the part cannot be loaded from a checkpoint");
    };
    if (auto first = load(0); !first) {
      out.ignored.push_back(name + ": its section " + parts[0].name + " cannot be loaded: " + first.to_string());
      continue;
    }
    std::vector<std::future<Status>> rest;
    for (std::size_t i = 1; i < parts.size(); ++i) rest.push_back(std::async(std::launch::async, load, i));
    for (std::size_t i = 1; i < parts.size(); ++i) {
      auto loaded = rest[i - 1].get();
      if (!loaded) {
        out.ignored.push_back(name + ": its section " + parts[i].name + " cannot be loaded: " + loaded.to_string());
        out.spoiled = true;
      }
    }
    if (out.spoiled) return out;
    out.position = read->position;
    out.file = file.path;
    return out;
  }
  return out;
}

Status remove_state_checkpoints(const std::filesystem::path& dir) {
  for (const auto& file : list_state_checkpoints(dir)) {
    std::error_code ec;
    std::filesystem::remove(file.path, ec);
    if (ec) return Status::unavailable("cannot remove " + file.path.string() + ": " + ec.message());
  }
  return Status::ok();
}

}  // namespace sijill::processor
