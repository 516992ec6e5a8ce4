// LogSyncEnv: a leveldb::Env over the POSIX file system whose write-ahead log files can be
// synced from outside LevelDB, while LevelDB goes on appending to them.
//
// Why: LevelDB syncs its log inside Write(), as the leader of its writer queue, so every
// write queued behind a synced one waits for the fsync — including writes made by
// operations that hold inode locks. volumed instead writes every batch unsynced and has a
// sync thread make the log durable (storage/durability.h): an `fdatasync` of the log's
// descriptor, issued while later writers keep appending, covers every record whose write(2)
// completed before it (LevelDB flushes each record to the kernel before Write returns).
//
// What makes SyncLog cover every earlier record, also across a log switch (LevelDB starts
// a new log when a memtable fills):
//  - a log file becomes its database's current log only at its first write, and LevelDB
//    writes to a new log only after closing the previous one;
//  - a log closed at a switch (LevelDB opens the next one first) is kept open, unsynced,
//    among its database's retired logs until a sync covers it: SyncLog, and a synced
//    write's own sync, sync the retired logs before the current one. Syncing it at the
//    close instead held LevelDB's writers for an `fdatasync` of up to a whole memtable's
//    log at every switch (storage/TUNING.md, "A log switch without a sync");
//  - LevelDB removes a log only once its records are in a synced table; RemoveFile then
//    drops it from the retired logs unsynced;
//  - a log closed with its database (no other log of it open) is synced at the close,
//    with any retired one.
// So records not in the current log are in retired logs, in synced ones, or (their log
// removed) in synced tables. A failed sync is remembered for that database and reported
// by every later SyncLog.
//
// Pre-written logs: once a log has been synced, it is written with zeros up to 1 MiB
// ahead of its records, so that a record overwrites bytes the file already holds and the
// `fdatasync` making it durable has no file size to record — on this project's disk a
// third cheaper than for an append (storage/TUNING.md, "Pre-written logs"). A log nobody
// syncs (an ephemeral volume's, a stream of UNSTABLE writes before its COMMIT, a copy)
// is appended to as before, and a log loses its zeros when it is closed (an idle
// volume's database keeps its last log until it opens again). Recovery reads a log only
// as far as its intact records reach (NewSequentialFile; log_tail.h says why and how), so
// a log that a crash left with a record cut short before the zeros recovers as an
// appended log cut there would.
//
// Tables are written as LevelDB's own POSIX files write them, except that the kernel
// starts writing each completed MiB back at once, so that the `fdatasync` LevelDB calls
// when a table is complete — with its writers waiting, when the table is a flushed
// memtable — finds little left to write (storage/TUNING.md, "Tables written back as they
// are built"). Every other file (MANIFEST, CURRENT, LOCK, info log) is the base Env's.
//
// Thread-safety: thread-safe. A log file is written by LevelDB's single writer; SyncLog may
// run concurrently from any thread.
#pragma once

#include <leveldb/env.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace volumed::storage {

// An Env whose databases' logs can be synced from outside LevelDB. KvFactory uses it for
// Kv::SyncLog when the Env it is given implements it.
class LogSyncer {
 public:
  virtual ~LogSyncer() = default;
  // Makes every record written so far to the log of the database in `dbdir` durable,
  // without stopping LevelDB's writers.
  virtual leveldb::Status SyncLog(const std::string& dbdir) = 0;
};

class LogSyncEnv final : public leveldb::EnvWrapper, public LogSyncer {
 public:
  // `base` must be the POSIX Env (leveldb::Env::Default()): log files are opened with
  // open(2) on the same paths.
  explicit LogSyncEnv(leveldb::Env* base);
  ~LogSyncEnv() override;

  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override;
  // A log as far as its intact records reach (log_tail.h); any other file as it is.
  leveldb::Status NewSequentialFile(const std::string& fname,
                                    leveldb::SequentialFile** result) override;

  // A retired log is forgotten unsynced (its records are in a synced table).
  leveldb::Status RemoveFile(const std::string& fname) override;

  // OK at once when that database has written nothing since its last log was closed.
  leveldb::Status SyncLog(const std::string& dbdir) override;

  struct LogFd;  // one open log: descriptor and sync state (log_sync_env.cc)

 private:
  friend class SyncableLogFile;
  void BecomeCurrent(const std::string& dbdir, const std::shared_ptr<LogFd>& log);
  // A log file closes: kept among the retired logs at a switch, synced (with them) when its
  // database closes. `written`: whether its last bytes reached the file.
  leveldb::Status Retire(const std::string& dbdir, std::shared_ptr<LogFd> log,
                         const leveldb::Status& written, bool unsynced);
  leveldb::Status SyncRetired(const std::string& dbdir);
  // Syncs `logs` in order; they leave the retired logs once synced.
  leveldb::Status SyncAll(const std::string& dbdir,
                          const std::vector<std::shared_ptr<LogFd>>& logs);

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<LogFd>> current_;  // guarded by mu_
  // Closed at a switch and not yet synced, oldest first.
  std::map<std::string, std::vector<std::shared_ptr<LogFd>>> retired_;  // guarded by mu_
  std::map<std::string, int> open_logs_;                                // guarded by mu_
  std::map<std::string, leveldb::Status> failed_;                       // guarded by mu_
};

}  // namespace volumed::storage
