// InodeStore: reads inode records and adds their changes to a WriteBatch.
//
// Thread-safety: thread-safe (stateless over a thread-safe Kv); callers serialise changes
// to one inode with InodeLocks.
#pragma once

#include <functional>
#include <optional>
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

 private:
  Kv* kv_;
};

}  // namespace volumed::storage
