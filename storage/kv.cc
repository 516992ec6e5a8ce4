#include "storage/kv.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <cstdlib>
#include <sstream>

#include "storage/log_sync_env.h"

namespace volumed::storage {
namespace {

// leveldb::Status exposes predicates, not a code: name them so the mapping is a switch.
enum class LevelDbCode { kOk, kNotFound, kCorruption, kNotSupported, kInvalidArgument, kIoError };

LevelDbCode Classify(const leveldb::Status& s) {
  if (s.ok()) return LevelDbCode::kOk;
  if (s.IsNotFound()) return LevelDbCode::kNotFound;
  if (s.IsCorruption()) return LevelDbCode::kCorruption;
  if (s.IsNotSupportedError()) return LevelDbCode::kNotSupported;
  if (s.IsInvalidArgument()) return LevelDbCode::kInvalidArgument;
  return LevelDbCode::kIoError;
}

// leveldb's text without its own "Corruption: " / "IO error: " prefix: our Status names
// the code itself.
std::string MessageOf(const leveldb::Status& s) {
  std::string text = s.ToString();
  const size_t colon = text.find(": ");
  return colon == std::string::npos ? text : text.substr(colon + 2);
}

Status Map(const leveldb::Status& s) {
  switch (Classify(s)) {
    case LevelDbCode::kOk:
      return Status::Ok();
    case LevelDbCode::kNotFound:
      return NotFound(MessageOf(s));
    case LevelDbCode::kCorruption:
      return Corruption(MessageOf(s));
    case LevelDbCode::kNotSupported:
      return Status(Status::Code::kNotSupported, MessageOf(s));
    case LevelDbCode::kInvalidArgument:
      return InvalidArgument(MessageOf(s));
    case LevelDbCode::kIoError:
      // ENOSPC surfaces as an IO error whose text names it; keep the distinction.
      if (s.ToString().find("No space left") != std::string::npos) {
        return Status(Status::Code::kNoSpace, MessageOf(s));
      }
      return IoError(MessageOf(s));
  }
  return Internal("unreachable leveldb status");
}

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

}  // namespace

Status FromLevelDb(const leveldb::Status& s) { return Map(s); }

Kv::~Kv() { delete db_; }

Result<std::optional<std::string>> Kv::Get(std::string_view key,
                                           const leveldb::Snapshot* snap) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snap;
  std::string value;
  leveldb::Status s = db_->Get(ro, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Map(s);
  return std::optional<std::string>(std::move(value));
}

uint64_t Kv::NextStamp() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Status Kv::Write(leveldb::WriteBatch* batch, bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::Status s = db_->Write(wo, batch);
  // Even a failed write may have reached the memtable: the stamp moves either way.
  stamp_.store(NextStamp(), std::memory_order_release);
  return Map(s);
}

StoreStats Kv::Stats() const {
  StoreStats out;
  std::string value;
  constexpr int kLevels = 7;  // LevelDB's config::kNumLevels, not in its public headers
  for (int level = 0; level < kLevels; ++level) {
    if (db_->GetProperty("leveldb.num-files-at-level" + std::to_string(level), &value)) {
      out.table_files += std::strtoull(value.c_str(), nullptr, 10);
    }
  }
  // LevelDB's figure adds the block cache's charge to its memtables'; the cache is shared
  // by every database of the factory, so it is taken out again (read just after: what it
  // changed in between is the error, hence the floor at 0).
  if (db_->GetProperty("leveldb.approximate-memory-usage", &value)) {
    const uint64_t usage = std::strtoull(value.c_str(), nullptr, 10);
    const uint64_t cache = block_cache_->TotalCharge();
    out.memtable_bytes = usage > cache ? usage - cache : 0;
  }
  // Every key of ours is shorter than this bound and starts with a tag below 0xff
  // (storage/key_codec.h), so the range covers the whole database.
  const std::string all_end(16, '\xff');
  const leveldb::Range all("", all_end);
  uint64_t size = 0;
  db_->GetApproximateSizes(&all, 1, &size);
  out.table_bytes = size;
  // "leveldb.stats": a header, then per level "level files size(MB) time(s) read(MB)
  // write(MB)" for the levels that have files or compactions.
  if (db_->GetProperty("leveldb.stats", &value)) {
    std::istringstream lines(value);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      int level = 0, files = 0;
      double size_mb = 0, seconds = 0, read_mb = 0, write_mb = 0;
      if (fields >> level >> files >> size_mb >> seconds >> read_mb >> write_mb) {
        out.compaction_read_bytes += static_cast<uint64_t>(read_mb * 1048576.0);
        out.compaction_written_bytes += static_cast<uint64_t>(write_mb * 1048576.0);
      }
    }
  }
  return out;
}

Status Kv::SyncLog() {
  if (log_syncer_ != nullptr) return Map(log_syncer_->SyncLog(path_));
  leveldb::WriteBatch empty;
  return Write(&empty, true);
}

Status Kv::Scan(std::string_view start, std::string_view end, const ScanVisitor& visit,
                const leveldb::Snapshot* snap) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snap;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(ToSlice(start)); it->Valid(); it->Next()) {
    leveldb::Slice k = it->key();
    std::string_view key(k.data(), k.size());
    if (!end.empty() && key >= end) break;
    leveldb::Slice v = it->value();
    if (!visit(key, std::string_view(v.data(), v.size()))) break;
  }
  return Map(it->status());
}

Status Kv::GetSorted(const std::vector<std::string>& keys, const ScanVisitor& visit,
                     const leveldb::Snapshot* snap) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snap;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (const std::string& key : keys) {
    it->Seek(ToSlice(key));
    if (!it->Valid()) break;
    leveldb::Slice k = it->key();
    if (std::string_view(k.data(), k.size()) != key) continue;
    leveldb::Slice v = it->value();
    if (!visit(key, std::string_view(v.data(), v.size()))) break;
  }
  return Map(it->status());
}

std::shared_ptr<const leveldb::Snapshot> Kv::Snapshot() const {
  leveldb::DB* db = db_;
  return std::shared_ptr<const leveldb::Snapshot>(
      db->GetSnapshot(), [db](const leveldb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

std::optional<std::string> Kv::Property(std::string_view name) const {
  std::string value;
  if (!db_->GetProperty(ToSlice(name), &value)) return std::nullopt;
  return value;
}

KvFactory::KvFactory(leveldb::Env* env, KvTuning tuning, size_t block_cache_bytes)
    : log_env_(env == nullptr ? std::make_unique<LogSyncEnv>(leveldb::Env::Default()) : nullptr),
      env_(env != nullptr ? env : log_env_.get()),
      log_syncer_(env != nullptr ? dynamic_cast<LogSyncer*>(env) : log_env_.get()),
      tuning_(tuning),
      cache_(leveldb::NewLRUCache(block_cache_bytes)),
      filter_(tuning.bloom_bits_per_key > 0
                  ? leveldb::NewBloomFilterPolicy(tuning.bloom_bits_per_key)
                  : nullptr) {}

KvFactory::~KvFactory() = default;

Result<std::unique_ptr<Kv>> KvFactory::Open(const std::string& path) {
  leveldb::Options o;
  o.env = env_;
  o.create_if_missing = true;
  o.paranoid_checks = true;
  o.write_buffer_size = tuning_.write_buffer_size;
  o.max_file_size = tuning_.max_file_size;
  o.block_size = tuning_.table_block_size;
  o.max_open_files = tuning_.max_open_files;
  o.block_cache = cache_.get();
  o.filter_policy = filter_.get();
  o.compression = tuning_.compress ? leveldb::kSnappyCompression : leveldb::kNoCompression;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(o, path, &db);
  if (!s.ok()) return Map(s);
  return std::unique_ptr<Kv>(new Kv(db, path, log_syncer_, cache_.get()));
}

Status KvFactory::Destroy(const std::string& path) {
  leveldb::Options o;
  o.env = env_;
  leveldb::Status s = leveldb::DestroyDB(path, o);
  if (!s.ok()) return Map(s);
  // DestroyDB leaves the directory when anything foreign remains in it.
  if (env_->FileExists(path)) {
    std::vector<std::string> children;
    if (env_->GetChildren(path, &children).ok()) {
      for (const auto& c : children) {
        if (c != "." && c != "..") env_->RemoveFile(path + "/" + c);
      }
    }
    env_->RemoveDir(path);
  }
  return Status::Ok();
}

Status KvFactory::CreateDir(const std::string& path) {
  if (env_->FileExists(path)) return Status::Ok();
  return Map(env_->CreateDir(path));
}

size_t KvFactory::BlockCacheBytes() const { return cache_->TotalCharge(); }

bool KvFactory::DatabaseExists(const std::string& path) {
  return env_->FileExists(path + "/CURRENT");
}

}  // namespace volumed::storage
