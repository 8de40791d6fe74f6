#include "fault_fs.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace sijill::testing {

using rocksdb::FileOptions;
using rocksdb::FSDirectory;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

namespace {

// One spelling per file, so that "/a/b//c" and "/a/b/c" are the same entry.
std::string normalize(const std::string& name) {
  auto p = std::filesystem::path(name).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

std::string dir_of(const std::string& normalized_file) {
  return std::filesystem::path(normalized_file).parent_path().string();
}

// What the disk holds of one file that was opened for writing through the FaultFs.
struct FileState {
  std::string name;           // normalized; follows renames
  std::uint64_t written = 0;  // bytes that reached the file
  std::uint64_t synced = 0;   // bytes made durable by Sync()/Fsync()
};

}  // namespace

struct FaultFs::State {
  std::mutex mu;  // guards everything below; held across every tracked write and sync
  std::atomic<bool> cut{false};
  std::map<std::string, std::shared_ptr<FileState>> files;
  // Directory changes since each directory's last fsync: file -> its former contents
  // (nullopt: the name did not exist before, so the file disappears after a crash).
  std::map<std::string, std::map<std::string, std::optional<std::string>>> pending;
  std::optional<std::string> fail_suffix;  // armed by fail_next_sync()
  std::uint64_t injected = 0;
  std::uint64_t file_syncs = 0;
  std::uint64_t dir_syncs = 0;
  std::uint64_t dropped = 0;

  // Under mu. True when the operation must be dropped (the power is off).
  bool drop() {
    if (!cut.load()) return false;
    ++dropped;
    return true;
  }
};

namespace {

// A file written through the FaultFs: counts what was written and what was synced.
class TrackedFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<FSWritableFile> file, std::shared_ptr<FaultFs::State> state,
              std::shared_ptr<FileState> file_state)
      : FSWritableFileOwnerWrapper(std::move(file)), state_(std::move(state)), file_(std::move(file_state)) {}

  IOStatus Append(const Slice& data, const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    auto s = target()->Append(data, options, dbg);
    if (s.ok()) file_->written += data.size();
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& options, const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    auto s = target()->Append(data, options, info, dbg);
    if (s.ok()) file_->written += data.size();
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, std::uint64_t offset, const IOOptions& options,
                            IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    auto s = target()->PositionedAppend(data, offset, options, dbg);
    if (s.ok()) file_->written = std::max(file_->written, offset + data.size());
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, std::uint64_t offset, const IOOptions& options,
                            const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    auto s = target()->PositionedAppend(data, offset, options, info, dbg);
    if (s.ok()) file_->written = std::max(file_->written, offset + data.size());
    return s;
  }
  IOStatus Truncate(std::uint64_t size, const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    auto s = target()->Truncate(size, options, dbg);
    if (s.ok()) {
      file_->written = size;
      file_->synced = std::min(file_->synced, size);
    }
    return s;
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    return target()->Flush(options, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override { return sync(false, options, dbg); }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override { return sync(true, options, dbg); }
  // Starts write-back of a range; the kernel may still lose it, so it makes nothing durable.
  IOStatus RangeSync(std::uint64_t offset, std::uint64_t nbytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    return target()->RangeSync(offset, nbytes, options, dbg);
  }
  IOStatus Allocate(std::uint64_t offset, std::uint64_t len, const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    return target()->Allocate(offset, len, options, dbg);
  }
  // Close releases the file; it syncs nothing (FileState is left as it is).
  IOStatus Close(const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    return target()->Close(options, dbg);
  }

 private:
  IOStatus sync(bool full, const IOOptions& options, IODebugContext* dbg) {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    if (state_->fail_suffix && file_->name.ends_with(*state_->fail_suffix)) {
      state_->fail_suffix.reset();
      ++state_->injected;
      return IOStatus::IOError("injected sync failure", file_->name);
    }
    auto s = full ? target()->Fsync(options, dbg) : target()->Sync(options, dbg);
    if (s.ok()) {
      file_->synced = file_->written;
      ++state_->file_syncs;
    }
    return s;
  }

  std::shared_ptr<FaultFs::State> state_;
  std::shared_ptr<FileState> file_;
};

// A file created after the power cut: it never reaches the disk.
class DiscardedFile final : public FSWritableFile {
 public:
  IOStatus Append(const Slice& data, const IOOptions&, IODebugContext*) override {
    size_ += data.size();
    return IOStatus::OK();
  }
  IOStatus PositionedAppend(const Slice& data, std::uint64_t offset, const IOOptions&, IODebugContext*) override {
    size_ = std::max(size_, offset + data.size());
    return IOStatus::OK();
  }
  IOStatus Truncate(std::uint64_t size, const IOOptions&, IODebugContext*) override {
    size_ = size;
    return IOStatus::OK();
  }
  IOStatus Close(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }
  IOStatus Flush(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }
  IOStatus Sync(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }
  std::uint64_t GetFileSize(const IOOptions&, IODebugContext*) override { return size_; }

 private:
  std::uint64_t size_ = 0;
};

// A directory whose fsync makes the entries created or renamed in it durable.
class TrackedDirectory final : public rocksdb::FSDirectoryWrapper {
 public:
  TrackedDirectory(std::unique_ptr<FSDirectory> dir, std::shared_ptr<FaultFs::State> state, std::string name)
      : FSDirectoryWrapper(std::move(dir)), state_(std::move(state)), name_(std::move(name)) {}

  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    return synced(FSDirectoryWrapper::Fsync(options, dbg));
  }
  IOStatus FsyncWithDirOptions(const IOOptions& options, IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& dir_options) override {
    std::lock_guard lock(state_->mu);
    if (state_->drop()) return IOStatus::OK();
    return synced(FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, dir_options));
  }

 private:
  IOStatus synced(IOStatus s) {  // under mu
    if (s.ok()) {
      state_->pending.erase(name_);
      ++state_->dir_syncs;
    }
    return s;
  }

  std::shared_ptr<FaultFs::State> state_;
  std::string name_;
};

}  // namespace

FaultFs::FaultFs(std::shared_ptr<rocksdb::FileSystem> base)
    : FileSystemWrapper(std::move(base)), state_(std::make_shared<State>()) {}

FaultFs::~FaultFs() = default;

void FaultFs::power_cut() {
  std::lock_guard lock(state_->mu);
  state_->cut = true;
}

bool FaultFs::is_cut() const { return state_->cut.load(); }

void FaultFs::fail_next_sync(std::string name_suffix) {
  std::lock_guard lock(state_->mu);
  state_->fail_suffix = std::move(name_suffix);
}

std::uint64_t FaultFs::injected_failures() const {
  std::lock_guard lock(state_->mu);
  return state_->injected;
}
std::uint64_t FaultFs::file_syncs() const {
  std::lock_guard lock(state_->mu);
  return state_->file_syncs;
}
std::uint64_t FaultFs::dir_syncs() const {
  std::lock_guard lock(state_->mu);
  return state_->dir_syncs;
}
std::uint64_t FaultFs::dropped_ops() const {
  std::lock_guard lock(state_->mu);
  return state_->dropped;
}

namespace {

// The contents a name holds now (nullopt when it does not exist), to put back if the change
// about to be made to it is not made durable by a directory fsync.
std::optional<std::string> former_contents(rocksdb::FileSystem& fs, const std::string& name) {
  if (!fs.FileExists(name, IOOptions(), nullptr).ok()) return std::nullopt;
  std::string data;
  auto s = rocksdb::ReadFileToString(&fs, name, &data);
  if (!s.ok()) throw std::runtime_error("FaultFs: cannot read " + name + ": " + s.ToString());
  return data;
}

}  // namespace

IOStatus FaultFs::NewWritableFile(const std::string& fname, const FileOptions& options,
                                  std::unique_ptr<FSWritableFile>* result, IODebugContext* dbg) {
  const auto name = normalize(fname);
  std::lock_guard lock(state_->mu);
  if (state_->drop()) {
    *result = std::make_unique<DiscardedFile>();
    return IOStatus::OK();
  }
  const bool existed = target()->FileExists(name, IOOptions(), nullptr).ok();
  auto s = target()->NewWritableFile(fname, options, result, dbg);
  if (!s.ok()) return s;
  auto file = std::make_shared<FileState>(FileState{name, 0, 0});
  state_->files[name] = file;
  if (!existed) state_->pending[dir_of(name)].try_emplace(name, std::nullopt);
  *result = std::make_unique<TrackedFile>(std::move(*result), state_, std::move(file));
  return s;
}

IOStatus FaultFs::ReopenWritableFile(const std::string& fname, const FileOptions& options,
                                     std::unique_ptr<FSWritableFile>* result, IODebugContext* dbg) {
  const auto name = normalize(fname);
  std::lock_guard lock(state_->mu);
  if (state_->drop()) {
    *result = std::make_unique<DiscardedFile>();
    return IOStatus::OK();
  }
  const bool existed = target()->FileExists(name, IOOptions(), nullptr).ok();
  auto s = target()->ReopenWritableFile(fname, options, result, dbg);
  if (!s.ok()) return s;
  auto& file = state_->files[name];
  if (!file) {  // not written through us before: what it holds now is taken as durable
    std::uint64_t size = 0;
    s = target()->GetFileSize(name, IOOptions(), &size, dbg);
    if (!s.ok()) return s;
    file = std::make_shared<FileState>(FileState{name, size, size});
  }
  if (!existed) state_->pending[dir_of(name)].try_emplace(name, std::nullopt);
  *result = std::make_unique<TrackedFile>(std::move(*result), state_, file);
  return s;
}

IOStatus FaultFs::ReuseWritableFile(const std::string& fname, const std::string&, const FileOptions&,
                                    std::unique_ptr<FSWritableFile>*, IODebugContext*) {
  return IOStatus::NotSupported("FaultFs does not model recycled files", fname);
}

IOStatus FaultFs::NewDirectory(const std::string& name, const IOOptions& options, std::unique_ptr<FSDirectory>* result,
                               IODebugContext* dbg) {
  auto s = target()->NewDirectory(name, options, result, dbg);
  if (!s.ok()) return s;
  *result = std::make_unique<TrackedDirectory>(std::move(*result), state_, normalize(name));
  return s;
}

IOStatus FaultFs::RenameFile(const std::string& src, const std::string& target_name, const IOOptions& options,
                             IODebugContext* dbg) {
  const auto from = normalize(src);
  const auto to = normalize(target_name);
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  auto former = former_contents(*target(), to);
  auto s = target()->RenameFile(src, target_name, options, dbg);
  if (!s.ok()) return s;
  // The data's state moves with the file.
  state_->files.erase(to);
  if (auto it = state_->files.find(from); it != state_->files.end()) {
    auto file = it->second;
    state_->files.erase(it);
    file->name = to;
    state_->files[to] = std::move(file);
  }
  // The old name is gone either way; the new one is durable only after its directory's fsync.
  if (auto d = state_->pending.find(dir_of(from)); d != state_->pending.end()) d->second.erase(from);
  state_->pending[dir_of(to)].try_emplace(to, std::move(former));
  return s;
}

IOStatus FaultFs::LinkFile(const std::string& src, const std::string& target_name, const IOOptions& options,
                           IODebugContext* dbg) {
  const auto to = normalize(target_name);
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  auto former = former_contents(*target(), to);
  auto s = target()->LinkFile(src, target_name, options, dbg);
  if (s.ok()) state_->pending[dir_of(to)].try_emplace(to, std::move(former));
  return s;
}

IOStatus FaultFs::DeleteFile(const std::string& fname, const IOOptions& options, IODebugContext* dbg) {
  const auto name = normalize(fname);
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  auto s = target()->DeleteFile(fname, options, dbg);
  if (s.ok()) {
    state_->files.erase(name);
    if (auto d = state_->pending.find(dir_of(name)); d != state_->pending.end()) d->second.erase(name);
  }
  return s;
}

IOStatus FaultFs::Truncate(const std::string& fname, size_t size, const IOOptions& options, IODebugContext* dbg) {
  const auto name = normalize(fname);
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  auto s = target()->Truncate(fname, size, options, dbg);
  if (s.ok()) {
    if (auto it = state_->files.find(name); it != state_->files.end()) {
      it->second->written = size;
      it->second->synced = std::min<std::uint64_t>(it->second->synced, size);
    }
  }
  return s;
}

IOStatus FaultFs::CreateDir(const std::string& dirname, const IOOptions& options, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  return target()->CreateDir(dirname, options, dbg);
}

IOStatus FaultFs::CreateDirIfMissing(const std::string& dirname, const IOOptions& options, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  return target()->CreateDirIfMissing(dirname, options, dbg);
}

IOStatus FaultFs::DeleteDir(const std::string& dirname, const IOOptions& options, IODebugContext* dbg) {
  std::lock_guard lock(state_->mu);
  if (state_->drop()) return IOStatus::OK();
  return target()->DeleteDir(dirname, options, dbg);
}

FaultFs::DropReport FaultFs::drop_unsynced() {
  std::lock_guard lock(state_->mu);
  state_->cut = true;
  auto& fs = *target();
  auto check = [](const IOStatus& s, const std::string& what) {
    if (!s.ok()) throw std::runtime_error("FaultFs::drop_unsynced: " + what + ": " + s.ToString());
  };
  DropReport report;
  for (const auto& [name, file] : state_->files) {
    if (!fs.FileExists(name, IOOptions(), nullptr).ok()) continue;
    std::uint64_t size = 0;
    check(fs.GetFileSize(name, IOOptions(), &size, nullptr), "size of " + name);
    if (size > file->synced) {
      // The local file system does not implement FileSystem::Truncate.
      std::error_code ec;
      std::filesystem::resize_file(name, file->synced, ec);
      if (ec) throw std::runtime_error("FaultFs::drop_unsynced: truncating " + name + ": " + ec.message());
      ++report.files_truncated;
      report.bytes_dropped += size - file->synced;
    }
  }
  for (const auto& [dir, entries] : state_->pending) {
    for (const auto& [name, former] : entries) {
      if (former) {
        check(rocksdb::WriteStringToFile(&fs, *former, name, true), "restoring " + name);
        ++report.files_restored;
      } else if (fs.FileExists(name, IOOptions(), nullptr).ok()) {
        check(fs.DeleteFile(name, IOOptions(), nullptr), "removing " + name);
        ++report.files_removed;
      }
    }
  }
  state_->files.clear();
  state_->pending.clear();
  return report;
}

}  // namespace sijill::testing
