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
  if (found == index_.end()) return nullptr;
  Lru::iterator it = found->second;
  if (it->stamp != stamp) {
    EraseLocked(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++hits_;
  return it->bytes;
}

void ListingCache::Insert(const ListingKey& key, uint64_t stamp, Bytes bytes) {
  const size_t size = bytes->size();
  if (size > capacity_ / 8) return;
  std::lock_guard lock(mu_);
  if (auto found = index_.find(key); found != index_.end()) EraseLocked(found->second);
  lru_.push_front(Item{key, stamp, std::move(bytes)});
  index_.emplace(key, lru_.begin());
  bytes_ += size;
  while (bytes_ > capacity_) EraseLocked(std::prev(lru_.end()));
}

void ListingCache::EraseLocked(Lru::iterator it) {
  bytes_ -= it->bytes->size();
  index_.erase(it->key);
  lru_.erase(it);
}

size_t ListingCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

uint64_t ListingCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

}  // namespace volumed::nfs3
