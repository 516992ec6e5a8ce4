#include "services/owner_cache.h"

#include <utility>

namespace volumed::services {

OwnerCache::OwnerCache(Clock::duration ttl, size_t capacity, std::function<Clock::time_point()> now)
    : ttl_(ttl), capacity_(capacity), now_(std::move(now)) {}

std::shared_ptr<const OwnerCache::Entry> OwnerCache::Find(uint64_t id) {
  const Clock::time_point now = now_();
  std::lock_guard lock(mu_);
  TrimLocked(now);
  const auto found = index_.find(id);
  if (found == index_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  return found->second->entry;
}

std::shared_ptr<const OwnerCache::Entry> OwnerCache::Put(uint64_t id, Entry entry) {
  auto shared = std::make_shared<const Entry>(std::move(entry));
  if (capacity_ == 0) return shared;
  const Clock::time_point now = now_();
  std::lock_guard lock(mu_);
  if (const auto found = index_.find(id); found != index_.end()) {
    fifo_.erase(found->second);
    index_.erase(found);
  }
  fifo_.push_back(Item{id, now, shared});
  index_[id] = std::prev(fifo_.end());
  TrimLocked(now);
  return shared;
}

void OwnerCache::Invalidate(uint64_t id) {
  std::lock_guard lock(mu_);
  const auto found = index_.find(id);
  if (found == index_.end()) return;
  fifo_.erase(found->second);
  index_.erase(found);
  ++stats_.invalidations;
}

void OwnerCache::TrimLocked(Clock::time_point now) {
  while (!fifo_.empty() && (fifo_.size() > capacity_ || now - fifo_.front().read >= ttl_)) {
    index_.erase(fifo_.front().id);
    fifo_.pop_front();
  }
}

size_t OwnerCache::size() const {
  std::lock_guard lock(mu_);
  return fifo_.size();
}

OwnerCache::Stats OwnerCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace volumed::services
