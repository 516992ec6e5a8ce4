#include "nfs3/listing_cache.h"

#include <functional>

namespace volumed::nfs3 {

size_t ListingCache::KeyHash::operator()(const ListingKey& k) const {
  size_t h = 0;
  auto mix = [&h](uint64_t v) {
    h ^= std::hash<uint64_t>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  };
  mix(k.volume_id);
  mix(k.epoch);
  mix(k.ino);
  mix(k.generation);
  mix(k.cookie);
  mix((uint64_t{k.dircount} << 32) | k.maxcount);
  return h;
}

ListingCache::Bytes ListingCache::Find(const ListingKey& key, uint64_t stamp) {
  std::lock_guard lock(mu_);
  auto found = index_.find(key);
  if (found == index_.end()) {
    ++counts_.misses;
    return nullptr;
  }
  Lru::iterator it = found->second;
  if (it->stamp != stamp) {
    EraseLocked(it);
    ++counts_.misses;
    ++counts_.stale;
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++counts_.hits;
  return it->bytes;
}

void ListingCache::Insert(const ListingKey& key, uint64_t stamp, Bytes bytes) {
  const size_t size = bytes->size();
  std::lock_guard lock(mu_);
  if (size > capacity_ / 8) {
    ++counts_.oversized;
    return;
  }
  if (auto found = index_.find(key); found != index_.end()) EraseLocked(found->second);
  lru_.push_front(Item{key, stamp, std::move(bytes)});
  index_.emplace(key, lru_.begin());
  bytes_ += size;
  while (bytes_ > capacity_) {
    EraseLocked(std::prev(lru_.end()));
    ++counts_.evictions;
  }
}

void ListingCache::EraseLocked(Lru::iterator it) {
  bytes_ -= it->bytes->size();
  index_.erase(it->key);
  lru_.erase(it);
}

ListingCacheStats ListingCache::stats() const {
  std::lock_guard lock(mu_);
  ListingCacheStats out = counts_;
  out.entries = lru_.size();
  out.bytes = bytes_;
  out.capacity = capacity_;
  return out;
}

}  // namespace volumed::nfs3
