#include "storage/inode_locks.h"

#include <algorithm>

namespace volumed::storage {

void InodeLocks::Guard::Release() {
  if (owner_ == nullptr) return;
  // Unlock in reverse order of acquisition.
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
    if (exclusive_) {
      it->second->mu.unlock();
    } else {
      it->second->mu.unlock_shared();
    }
    owner_->Drop(it->first);
  }
  held_.clear();
  owner_ = nullptr;
}

InodeLocks::Entry* InodeLocks::Acquire(InodeId ino) {
  std::lock_guard<std::mutex> l(mu_);
  auto& slot = table_[ino];
  if (!slot) slot = std::make_unique<Entry>();
  ++slot->users;
  return slot.get();
}

void InodeLocks::Drop(InodeId ino) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = table_.find(ino);
  if (it != table_.end() && --it->second->users == 0) table_.erase(it);
}

InodeLocks::Guard InodeLocks::Shared(InodeId ino) {
  Guard g;
  g.owner_ = this;
  g.exclusive_ = false;
  Entry* e = Acquire(ino);
  e->mu.lock_shared();
  g.held_.emplace_back(ino, e);
  return g;
}

InodeLocks::Guard InodeLocks::Exclusive(InodeId ino) {
  return Exclusive(std::vector<InodeId>{ino});
}

InodeLocks::Guard InodeLocks::Exclusive(std::vector<InodeId> inos) {
  std::sort(inos.begin(), inos.end());
  inos.erase(std::unique(inos.begin(), inos.end()), inos.end());
  Guard g;
  g.owner_ = this;
  g.exclusive_ = true;
  for (InodeId ino : inos) {
    if (ino == 0) continue;
    Entry* e = Acquire(ino);
    e->mu.lock();
    g.held_.emplace_back(ino, e);
  }
  return g;
}

size_t InodeLocks::ActiveForTest() {
  std::lock_guard<std::mutex> l(mu_);
  return table_.size();
}

}  // namespace volumed::storage
