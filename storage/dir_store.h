// DirStore: directory entries. Each entry is stored twice, atomically: by name (0x02, for
// LOOKUP) and by cookie (0x03, for READDIR order). A directory's cookies come from its
// inode's next_cookie and are never reused, so a cookie stays a valid resume point across
// restarts and across other entries being added or removed.
//
// Thread-safety: thread-safe; callers hold the directory's lock for changes.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "storage/kv.h"
#include "storage/records.h"

namespace leveldb {
class WriteBatch;
}

namespace volumed::storage {

class DirStore {
 public:
  // Returns false to stop.
  using Visitor = std::function<bool(uint64_t cookie, const CookieRecord& entry)>;

  explicit DirStore(Kv* kv) : kv_(kv) {}

  Result<std::optional<EntryRecord>> Lookup(InodeId dir, std::string_view name) const;
  // Adds `name` → child with the directory's next cookie, and advances it in `dir_rec`.
  void Add(leveldb::WriteBatch* batch, InodeId dir, InodeRecord* dir_rec, std::string_view name,
           InodeId child, const InodeRecord& child_rec) const;
  void Remove(leveldb::WriteBatch* batch, InodeId dir, std::string_view name,
              const EntryRecord& entry) const;
  Result<bool> IsEmpty(InodeId dir) const;
  // Visits entries with a cookie greater than `after`, in cookie order.
  Status List(InodeId dir, uint64_t after, const Visitor& visit) const;

 private:
  Kv* kv_;
};

}  // namespace volumed::storage
