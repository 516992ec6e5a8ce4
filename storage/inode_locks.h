// InodeLocks: one reader/writer lock per inode, created on first use and dropped when
// nobody holds or waits for it. Operations touching several inodes lock them through one
// call, which takes them in ascending inode order so two such operations never deadlock.
// Different inodes never share a lock.
//
// Thread-safety: thread-safe. A Guard must be released by the thread that holds it.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/types.h"

namespace volumed::storage {

class InodeLocks {
 private:
  struct Entry {
    std::shared_mutex mu;
    int users = 0;  // holders and waiters
  };

 public:
  // Holds a set of inode locks until destroyed or Release()d.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept { *this = std::move(other); }
    Guard& operator=(Guard&& other) noexcept {
      Release();
      owner_ = std::exchange(other.owner_, nullptr);
      held_ = std::move(other.held_);
      exclusive_ = other.exclusive_;
      return *this;
    }
    ~Guard() { Release(); }
    void Release();

   private:
    friend class InodeLocks;
    InodeLocks* owner_ = nullptr;
    std::vector<std::pair<InodeId, Entry*>> held_;
    bool exclusive_ = false;
  };

  InodeLocks() = default;
  InodeLocks(const InodeLocks&) = delete;
  InodeLocks& operator=(const InodeLocks&) = delete;

  Guard Shared(InodeId ino);
  Guard Exclusive(InodeId ino);
  // Sorts and de-duplicates `inos` (zeros are ignored), then locks them in that order.
  Guard Exclusive(std::vector<InodeId> inos);

  // Inodes with a lock entry right now (for tests: entries do not leak).
  size_t ActiveForTest();

 private:
  Entry* Acquire(InodeId ino);
  void Drop(InodeId ino);

  std::mutex mu_;
  std::unordered_map<InodeId, std::unique_ptr<Entry>> table_;
};

}  // namespace volumed::storage
