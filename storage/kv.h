// Kv: one LevelDB database (a volume's or the catalog's), and KvFactory, the one place
// that opens and destroys them. Kv is the only code that touches leveldb::Status: every
// outcome leaves here as a volumed::Status. All file access goes through the factory's
// leveldb::Env (DESIGN.md §11), so a different Env moves the whole store elsewhere.
//
// Thread-safety: Kv and KvFactory are thread-safe (LevelDB's DB is).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "storage/types.h"

namespace leveldb {
class Cache;
class Status;
class DB;
class Env;
class FilterPolicy;
class Snapshot;
class WriteBatch;
}  // namespace leveldb

namespace volumed::storage {

class LogSyncEnv;
class LogSyncer;

// The store's one mapping of a LevelDB outcome to a Status (for the storage code that
// works on LevelDB's Env directly, such as storage/database_cloner.cc).
Status FromLevelDb(const leveldb::Status& s);

// LevelDB settings; the reasons and measurements are in storage/TUNING.md.
struct KvTuning {
  size_t write_buffer_size = size_t{32} << 20;
  size_t max_file_size = size_t{32} << 20;
  size_t table_block_size = size_t{16} << 10;
  bool compress = true;  // snappy; LevelDB stores a block raw when it does not shrink
  int bloom_bits_per_key = 10;
  // Per database: table files kept open (LevelDB's table cache, with each table's index
  // and filter in memory), so that one big volume cannot take the descriptor and memory
  // budget of all the open volumes. LevelDB keeps at least 74.
  int max_open_files = 128;
};

class Kv {
 public:
  // The visitor returns false to stop the scan early.
  using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

  ~Kv();
  Kv(const Kv&) = delete;
  Kv& operator=(const Kv&) = delete;

  // nullopt when the key is absent.
  Result<std::optional<std::string>> Get(std::string_view key,
                                         const leveldb::Snapshot* snap = nullptr) const;
  Status Write(leveldb::WriteBatch* batch, bool sync);
  // Makes every write made so far durable, without waiting behind later writers when the
  // store's Env is a LogSyncer (storage/log_sync_env.h); otherwise a synced empty write.
  Status SyncLog();
  // Visits keys in [start, end) in order ("" end = no bound).
  Status Scan(std::string_view start, std::string_view end, const ScanVisitor& visit,
              const leveldb::Snapshot* snap = nullptr) const;
  // Point reads of many keys, given in ascending order, through one iterator (cheaper than
  // a Get each when the keys are near each other). Visits each key that exists, with its
  // value; the visitor returns false to stop.
  Status GetSorted(const std::vector<std::string>& keys, const ScanVisitor& visit,
                   const leveldb::Snapshot* snap = nullptr) const;
  // A consistent view, released when the pointer goes.
  std::shared_ptr<const leveldb::Snapshot> Snapshot() const;
  // LevelDB's figures for this database (its properties; no I/O).
  StoreStats Stats() const;
  // One of LevelDB's own properties ("leveldb.stats", "leveldb.num-files-at-level0", …);
  // nullopt when LevelDB does not know the name. For benchmarks and diagnostics.
  std::optional<std::string> Property(std::string_view name) const;
  // The directory the database lives in.
  const std::string& path() const { return path_; }
  // A value that changes whenever a write is applied (after LevelDB applied it, so a
  // reader that saw a stamp before reading and the same one after read no write made in
  // between). Stamps are unique in the process — every Kv, every reopen — so an equal
  // stamp always means the same database with no write since. No I/O.
  uint64_t ChangeStamp() const { return stamp_.load(std::memory_order_acquire); }
  // A new stamp without a write: for state beside the store that reads see in place of
  // what it holds (InodeStore's deferred records), once that state changed.
  void NoteChange() { stamp_.store(NextStamp(), std::memory_order_release); }

 private:
  friend class KvFactory;
  Kv(leveldb::DB* db, std::string path, LogSyncer* log_syncer, leveldb::Cache* block_cache)
      : db_(db),
        path_(std::move(path)),
        log_syncer_(log_syncer),
        block_cache_(block_cache),
        stamp_(NextStamp()) {}
  static uint64_t NextStamp();
  leveldb::DB* db_;
  const std::string path_;
  LogSyncer* const log_syncer_;        // null: SyncLog writes through LevelDB
  leveldb::Cache* const block_cache_;  // the factory's, shared by every Kv it opened
  std::atomic<uint64_t> stamp_;
};

class KvFactory {
 public:
  // env: null = the POSIX file system through a LogSyncEnv (out-of-band log syncs); an
  // Env that is also a LogSyncer has its logs synced out of band too.
  KvFactory(leveldb::Env* env, KvTuning tuning, size_t block_cache_bytes);
  ~KvFactory();
  KvFactory(const KvFactory&) = delete;
  KvFactory& operator=(const KvFactory&) = delete;

  leveldb::Env* env() const { return env_; }
  // Opens (creating when missing) the database in `path`; its parent must exist.
  Result<std::unique_ptr<Kv>> Open(const std::string& path);
  // Removes every file of the (closed) database in `path`, and the directory.
  Status Destroy(const std::string& path);
  Status CreateDir(const std::string& path);
  // Whether a database lives in `path` (its CURRENT file exists).
  bool DatabaseExists(const std::string& path);
  // Bytes held now by the block cache every database of this factory shares.
  size_t BlockCacheBytes() const;

 private:
  std::unique_ptr<LogSyncEnv> log_env_;  // when env was null
  leveldb::Env* env_;
  LogSyncer* log_syncer_;  // null: Kv::SyncLog writes through LevelDB
  KvTuning tuning_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
};

}  // namespace volumed::storage
