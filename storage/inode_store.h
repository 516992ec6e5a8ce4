// InodeStore: reads inode records and adds their changes to a WriteBatch; and holds the
// deferred records — a file's newest record kept in memory while its UNSTABLE writes
// add blocks without it (VolumeImpl::Write), until the file's next written record
// (COMMIT, any other change of it, a snapshot, Close). Reads see a deferred record in
// place of the stored one, and each change of one gives the Kv a new ChangeStamp (a
// reader that saw the same stamp before and after saw no record change).
//
// Thread-safety: thread-safe (the deferred records under a mutex of their own, over a
// thread-safe Kv); callers serialise changes to one inode, its deferred record included,
// with InodeLocks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/kv.h"
#include "storage/records.h"

namespace leveldb {
class WriteBatch;
}

namespace volumed::storage {

class InodeStore {
 public:
  explicit InodeStore(Kv* kv) : kv_(kv) {}

  // nullopt when no inode has this number (never allocated or removed).
  Result<std::optional<InodeRecord>> Get(InodeId ino) const;
  // The records of `inos` (ascending) that exist, by one pass over the store.
  Status GetMany(const std::vector<InodeId>& inos,
                 const std::function<void(InodeId, const InodeRecord&)>& found) const;
  // kStale when the inode is gone or its generation differs from `ref`'s.
  Result<InodeRecord> GetRef(InodeRef ref) const;
  void Put(leveldb::WriteBatch* batch, InodeId ino, const InodeRecord& r) const;
  void Delete(leveldb::WriteBatch* batch, InodeId ino) const;

  // Deferred records. Defer replaces `ino`'s and adds `bytes` (the blocks its writes
  // added since its record was last written) to what it holds back from the counters.
  void Defer(InodeId ino, const InodeRecord& r, int64_t bytes);
  // The bytes `ino`'s deferred record holds back; nullopt when it has none.
  std::optional<int64_t> DeferredBytes(InodeId ino) const;
  void Undefer(InodeId ino);
  std::vector<InodeId> DeferredInodes() const;
  size_t DeferredCount() const { return deferred_count_.load(std::memory_order_acquire); }

 private:
  struct Deferred {
    InodeRecord record;
    int64_t bytes = 0;
  };
  std::optional<InodeRecord> DeferredRecord(InodeId ino) const;
  // A copy of `ino`'s entry; without taking mu_ while none is deferred.
  std::optional<Deferred> Find(InodeId ino) const;

  Kv* kv_;
  mutable std::mutex mu_;
  std::unordered_map<InodeId, Deferred> deferred_;  // guarded by mu_
  std::atomic<size_t> deferred_count_{0};           // deferred_.size(), read without mu_
};

}  // namespace volumed::storage
