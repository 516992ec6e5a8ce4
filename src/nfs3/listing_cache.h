// ListingCache: READDIRPLUS replies encoded once and served again while their volume is
// unchanged — a repeated `ls -l` of a large directory (issue 13's second pass) costs a
// lookup instead of a walk over the directory, a read of every child's inode and an XDR
// encoding of each entry.
//
// An entry is the XDR encoding of one reply's results, keyed by everything that decides
// them: the volume and its instance (epoch), the directory (inode and generation), the
// cookie and the client's dircount and maxcount. It is valid only while the volume's
// ChangeStamp (storage/volume.h) equals the stamp the handler read before it began to
// read the directory: any change to the volume — a write, a create, an attribute —
// moves the stamp, so a stale reply is never served; it only waits to be evicted. The
// bytes do not depend on who asks, the permission to list does: the caller checks it on
// every hit. Bounded by bytes; the least recently used entries go first.
//
// stats() reports what /metrics exports (src/monitor/metrics_text.cc): lookups that hit or
// missed, entries dropped because their volume changed or to make room, replies too large
// to keep, and what the cache holds now.
//
// Thread-safety: thread-safe (one mutex, held only to look up, insert, evict or read the
// figures).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace volumed::nfs3 {

struct ListingKey {
  uint64_t volume_id = 0;
  uint64_t epoch = 0;
  uint64_t ino = 0;
  uint64_t generation = 0;
  uint64_t cookie = 0;
  uint32_t dircount = 0;
  uint32_t maxcount = 0;

  bool operator==(const ListingKey&) const = default;
};

// What a ListingCache did since it was made (counters) and holds now (gauges).
struct ListingCacheStats {
  uint64_t hits = 0;       // Find returned a reply
  uint64_t misses = 0;     // Find returned none (absent, or encoded at another stamp)
  uint64_t stale = 0;      // entries dropped by Find: their volume changed since (also misses)
  uint64_t evictions = 0;  // least recently used entries dropped to stay within capacity
  uint64_t oversized = 0;  // replies not kept: larger than an eighth of the capacity
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t capacity = 0;
};

class ListingCache {
 public:
  using Bytes = std::shared_ptr<const std::string>;

  // `capacity`: the most bytes of encoded replies kept; a reply larger than an eighth
  // of it is not kept.
  explicit ListingCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  ListingCache(const ListingCache&) = delete;
  ListingCache& operator=(const ListingCache&) = delete;

  static constexpr size_t kDefaultCapacity = size_t{32} << 20;

  // The reply kept for `key` if it was encoded at `stamp`; null otherwise (an entry of
  // another stamp is dropped: stamps never come back).
  Bytes Find(const ListingKey& key, uint64_t stamp);
  // Keeps `bytes`, encoded from a walk that began at `stamp` and saw the same stamp at
  // its end.
  void Insert(const ListingKey& key, uint64_t stamp, Bytes bytes);

  ListingCacheStats stats() const;

 private:
  struct KeyHash {
    size_t operator()(const ListingKey& k) const;
  };
  struct Item {
    ListingKey key;
    uint64_t stamp;
    Bytes bytes;
  };
  using Lru = std::list<Item>;  // most recently used first

  void EraseLocked(Lru::iterator it);

  const size_t capacity_;
  mutable std::mutex mu_;
  Lru lru_;                                                       // guarded by mu_
  std::unordered_map<ListingKey, Lru::iterator, KeyHash> index_;  // guarded by mu_
  size_t bytes_ = 0;                                              // guarded by mu_
  ListingCacheStats counts_;  // guarded by mu_: the counters only (stats() adds the rest)
};

}  // namespace volumed::nfs3
