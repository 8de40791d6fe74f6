// Saved state as bytes: a format version, then what a writer puts in a cereal portable binary
// archive. What the checkpoints of the processor's state are made of (domain::Module::save_state,
// programme::Programme::save_index).
//
// Include only in the .cpp files that save or load state: it brings cereal in.
#pragma once

#include <cstdint>
#include <exception>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>

#include <cereal/archives/portable_binary.hpp>

#include "sijill/util/status.h"

namespace sijill::util {

// Reads bytes in memory as a stream, without copying them (what cereal's archives read from).
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());  // the get area is only read
    setg(begin, begin, begin + bytes.size());
  }
  std::size_t consumed() const { return static_cast<std::size_t>(gptr() - eback()); }
  std::size_t left() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

// `version`, then what `write(archive)` writes.
template <class Write>
std::string save_versioned(std::uint32_t version, Write&& write) {
  std::ostringstream out(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive archive(out);
    archive(version);
    write(archive);
  }
  return std::move(out).str();
}

// Reads what save_versioned(version, ...) wrote, through `read(archive)`. data_loss, naming
// `what` ("the AMI state"), for another version, bytes that do not decode, or bytes left over;
// `read` should then have changed nothing its caller keeps (read into locals, move on success).
template <class Read>
Status load_versioned(std::string_view bytes, std::uint32_t version, std::string_view what, Read&& read) {
  try {
    MemoryBuffer buffer(bytes);
    std::istream in(&buffer);
    cereal::PortableBinaryInputArchive archive(in);
    std::uint32_t found = 0;
    archive(found);
    if (found != version) {
      return Status::data_loss(std::string(what) + " is of format version " + std::to_string(found) + ", not " +
                               std::to_string(version));
    }
    read(archive);
    if (buffer.left() != 0) return Status::data_loss(std::string(what) + " has trailing bytes");
  } catch (const std::exception& e) {
    return Status::data_loss(std::string(what) + " cannot be read: " + e.what());
  }
  return Status::ok();
}

}  // namespace sijill::util
