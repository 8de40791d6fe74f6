// A file system below RocksDB that can lose power: the fault-injection harness of the store's
// durability tests, in the manner of LevelDB's db/fault_injection_test.cc.
//
// It forwards everything to a real file system and keeps, for every file it has opened for
// writing, how many bytes reached the file and how many of those were made durable by a Sync()
// or Fsync(). Nothing else counts as durable: RangeSync() only starts write-back (the kernel may
// still lose those pages), Close() and Flush() do not sync, and a file's directory entry is only
// durable once its directory has been fsynced (FSDirectory::Fsync), as on a real Linux disk.
//
// The life of a test:
//   1. open the store with StoreOptions::file_system = a FaultFs and write;
//   2. power_cut(): from that instant every write, sync, rename, delete and file creation is
//      accepted (it returns ok) but dropped, as the disk of a machine that has lost power
//      would; the process goes on believing its writes happened, so an acknowledgement observed
//      after the cut proves nothing (tests record an ack only if is_cut() was false once they
//      had seen it);
//   3. close the store;
//   4. drop_unsynced(): make the folder look as it would after the reboot: truncate every
//      tracked file to its last synced size, and undo the directory changes made since the
//      directory's last fsync (a file created since then disappears; a file replaced by a
//      rename gets its former contents back);
//   5. reopen the store on the ordinary file system and check what survived.
//
// fail_next_sync() makes the next file sync fail with an IOError instead (fail-stop tests).
//
// Not modelled (RocksDB does not rely on them in the store's configuration): deleting a file
// is final at once (a real crash may bring back a file unlinked before its directory was
// synced); the directories themselves are assumed durable once created; writes through
// NewRandomRWFile and the info LOG (written by the target directly) are not tracked.
//
// Thread-safe. Every tracked write and sync holds one mutex, so the power cut happens at one
// instant between two file operations.
#pragma once

#include <rocksdb/file_system.h>

#include <cstdint>
#include <memory>
#include <string>

namespace sijill::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  // `base` must keep its files on the local disk under the names it is given: drop_unsynced()
  // truncates them with std::filesystem.
  explicit FaultFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());
  ~FaultFs() override;

  static const char* kClassName() { return "SijillFaultFs"; }
  const char* Name() const override { return kClassName(); }

  // From now on, writes and syncs succeed without reaching the disk. Idempotent.
  void power_cut();
  bool is_cut() const;

  // What drop_unsynced() did.
  struct DropReport {
    std::size_t files_truncated = 0;  // tracked files cut back to their synced size
    std::uint64_t bytes_dropped = 0;  // bytes written but never synced
    std::size_t files_removed = 0;    // created since their directory's last fsync
    std::size_t files_restored = 0;   // replaced by a rename since the last fsync: contents put back
  };
  // Makes the files look as they would after a reboot (see above). Call it after power_cut(),
  // once the DB using this file system is closed. The FaultFs stays cut afterwards: use a new
  // one for the next run.
  DropReport drop_unsynced();

  // The next Sync()/Fsync() of a file whose name ends with `name_suffix` (any file when empty)
  // fails with an IOError and syncs nothing. One failure per call.
  void fail_next_sync(std::string name_suffix = {});
  std::uint64_t injected_failures() const;

  // Counters, for tests' messages: file syncs and directory fsyncs that took effect, and
  // operations dropped by the power cut.
  std::uint64_t file_syncs() const;
  std::uint64_t dir_syncs() const;
  std::uint64_t dropped_ops() const;

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  // Recycled WAL files (recycle_log_file_num > 0) are not supported: refused, so that a
  // configuration relying on them shows up at once instead of being tested wrongly.
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname, const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

  struct State;  // shared with the file and directory wrappers, which may outlive a DB

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sijill::testing
