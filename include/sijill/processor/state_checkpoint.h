// Checkpoints of the processor's state: the domain modules' state (domain::Module::save_state())
// and the programme's access index, as they stood at one position of the log, so that a start
// loads them and replays only the log's tail (docs/operations.md).
//
// A checkpoint is a file <data>/checkpoints/processor/<position, 20 digits>.bin:
//   one line of text: "sijill-processor-state <format version> <position> <the log's hex hash at
//                      position> <hex SHA-256 of the rest of the file>\n"
//   then the sections: a cereal portable binary archive of std::vector<std::pair<std::string,
//   std::string>>, one (name, bytes) per part of the state, in the parts' order.
// A file is used only when it reads whole, is of this format version, is at most at the log's
// head, its hash is the log's hash at its position, and its sections are exactly the parts the
// server has, by name and in order. Any other file is reported ("name: reason") and skipped;
// deleting checkpoints is always safe (the next start replays more of the log).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sijill/domain/module.h"
#include "sijill/store/event_store.h"
#include "sijill/util/status.h"

namespace sijill::processor {

inline constexpr std::string_view kStateCheckpointMagic = "sijill-processor-state";
inline constexpr std::uint32_t kStateCheckpointVersion = 1;

// <data_dir>/checkpoints/processor
std::filesystem::path state_checkpoint_dir(const std::filesystem::path& data_dir);

// One named part of the state a checkpoint holds.
struct StatePart {
  std::string name;
  std::function<std::optional<std::string>()> save;  // the part's bytes; nullopt: cannot be checkpointed
  std::function<Status(std::string_view)> load;      // into the fresh part; on failure it stays fresh
};

// The parts of `modules`, in their order, each named "module:<its first command>".
std::vector<StatePart> module_parts(const std::vector<domain::Module*>& modules);

// A checkpoint file of a folder.
struct StateCheckpointFile {
  std::filesystem::path path;
  std::uint64_t position = 0;  // from its name
};

// The checkpoint files of `dir`, newest (highest position) first; none when it does not exist.
std::vector<StateCheckpointFile> list_state_checkpoints(const std::filesystem::path& dir);

// A checkpoint read from a file and checked against the log, not loaded anywhere yet.
struct StateCheckpoint {
  std::uint64_t position = 0;
  std::string hash;  // the log's hex hash at position
  std::vector<std::pair<std::string, std::string>> sections;
};

// Reads `file` and checks it against `store` (format, position at most the head, hash).
// data_loss with the reason when it does not hold; the store's error when the log cannot be read.
Result<StateCheckpoint> read_state_checkpoint(const store::EventStore& store, const std::filesystem::path& file);

// The state as of the store's head, saved into memory: what a checkpoint file holds.
struct StateCapture {
  std::uint64_t position = 0;
  store::Hash hash{};
  std::vector<std::pair<std::string, std::string>> sections;  // (part name, bytes), in the parts' order
};

// Saves every part at the store's head. The parts must hold the state as of the head, and
// nothing may change them meanwhile (the processor's writer thread, between two batches).
// Errors: not_found when a part cannot be checkpointed or the log is empty.
Result<StateCapture> capture_state(const store::EventStore& store, const std::vector<StatePart>& parts);

// Writes `capture` as a checkpoint file into `dir` (created when missing), durably, then removes
// all but the `keep` newest files at or before its position. Any thread; one writer per folder
// at a time. Returns the position written; unavailable when the file cannot be written.
Result<std::uint64_t> write_state_capture(const std::filesystem::path& dir, const StateCapture& capture,
                                          std::size_t keep = 2);

// capture_state(), then write_state_capture(): saves every part as a checkpoint at the store's
// head into `dir` (created when missing), then
// removes all but the `keep` newest checkpoint files. The parts must hold the state as of the
// head: call it when nothing writes to the log. Returns the position written. Errors: not_found
// when a part cannot be checkpointed or the log is empty (nothing written); unavailable when the
// file cannot be written.
Result<std::uint64_t> write_state_checkpoint(const store::EventStore& store, const std::filesystem::path& dir,
                                             const std::vector<StatePart>& parts, std::size_t keep = 2);

// What load_state_checkpoint() did.
struct LoadedState {
  std::uint64_t position = 0;  // the checkpoint loaded; 0 when none was (the parts are untouched)
  std::filesystem::path file;  // the file loaded, when one was
  // Files skipped, newest first: "<file name>: <reason>".
  std::vector<std::string> ignored;
  // A file that was read and checked whole had a section its part refused, after earlier parts
  // had loaded theirs: the parts are half-loaded and must be discarded (position is 0; build
  // fresh parts and replay the whole log).
  bool spoiled = false;
};

// Loads the newest usable checkpoint of `dir` into `parts`, which must be fresh. Files that are
// not usable (read_state_checkpoint(), or sections that are not the parts' names in order) are
// reported in `ignored` and skipped, untouched parts and all. A part is given its section only
// once its file was read and checked whole; when a part refuses it, the load stops (spoiled).
LoadedState load_state_checkpoint(const store::EventStore& store, const std::filesystem::path& dir,
                                  const std::vector<StatePart>& parts);

// Removes every checkpoint file of `dir` (sijill rebuild). unavailable when one cannot be removed.
Status remove_state_checkpoints(const std::filesystem::path& dir);

}  // namespace sijill::processor
