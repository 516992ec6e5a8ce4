// RadosReadCache: the extents of immutable RADOS files kept in memory, shared by every
// RandomAccessFile of one Env, so that a LevelDB block-cache miss costs no round trip when
// its neighbours were read before: a miss reads one whole aligned extent (e.g. 256 KiB,
// sixteen 16 KiB table blocks, and at a table's end its footer, index and filter block
// together) instead of one block. Bounded LRU (LevelDB's own ShardedLRUCache) charged
// by bytes.
//
// Keys name a file incarnation (namespace + file id), which never changes once written,
// so entries never go stale; entries of removed files age out.
//
// Thread-safety: thread-safe.
#pragma once

#include <leveldb/cache.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace volumed::storage::rados {

class RadosReadCache {
 public:
  RadosReadCache(size_t capacity_bytes, size_t extent_bytes);

  size_t extent_bytes() const { return extent_bytes_; }

  // A pinned extent: valid until released.
  class Extent {
   public:
    Extent() = default;
    Extent(leveldb::Cache* cache, leveldb::Cache::Handle* h) : cache_(cache), handle_(h) {}
    Extent(Extent&& o) noexcept : cache_(o.cache_), handle_(o.handle_) { o.handle_ = nullptr; }
    Extent& operator=(Extent&& o) noexcept;
    Extent(const Extent&) = delete;
    ~Extent();
    explicit operator bool() const { return handle_ != nullptr; }
    const std::string& bytes() const;

   private:
    leveldb::Cache* cache_ = nullptr;
    leveldb::Cache::Handle* handle_ = nullptr;
  };

  Extent Lookup(std::string_view file_key, uint64_t extent) const;
  Extent Insert(std::string_view file_key, uint64_t extent, std::string bytes);

 private:
  static std::string Key(std::string_view file_key, uint64_t extent);

  const size_t extent_bytes_;
  std::unique_ptr<leveldb::Cache> cache_;
};

}  // namespace volumed::storage::rados
