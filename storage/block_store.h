// BlockStore: file contents as fixed-size blocks (0x80 ino index). The block size is the
// volume's, from its superblock. A block is stored only up to the last byte ever written
// in it; an absent block, or the part of a block past its stored length, reads as zeros
// (a hole). Invariant kept by Volume: no block holds bytes at or beyond the file's size,
// except blocks listed for reclaim in the orphan list.
//
// Thread-safety: thread-safe; callers hold the inode's lock (shared to read, exclusive to
// change).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/kv.h"
#include "storage/types.h"

namespace leveldb {
class WriteBatch;
}

namespace volumed::storage {

class BlockStore {
 public:
  BlockStore(Kv* kv, uint32_t block_size) : kv_(kv), block_size_(block_size) {}

  uint32_t block_size() const { return block_size_; }

  // `len` bytes at `offset`, holes as zeros. The caller bounds `len`.
  Result<std::string> Read(InodeId ino, uint64_t offset, uint64_t len) const;
  // Adds the new contents of every touched block to `batch`; *used_delta receives the
  // change in stored bytes.
  Status Write(leveldb::WriteBatch* batch, InodeId ino, uint64_t offset, std::string_view data,
               int64_t* used_delta) const;

  struct TruncateResult {
    int64_t used_delta = 0;     // stored bytes removed inline (<= 0)
    bool needs_orphan = false;  // more than `inline_limit` blocks beyond: reclaim later
    uint64_t orphan_from = 0;   // first block index to reclaim
  };
  // Shrinks the stored data of a file from `old_size` to `new_size`: trims the block that
  // straddles the new end, and deletes the blocks past it inline when there are at most
  // `inline_limit` of them; otherwise leaves them for reclaim.
  Result<TruncateResult> Truncate(leveldb::WriteBatch* batch, InodeId ino, uint64_t new_size,
                                  size_t inline_limit) const;

  // Visits stored blocks of `ino` with index >= `from`, in order; return false to stop.
  Status Scan(InodeId ino, uint64_t from,
              const std::function<bool(uint64_t index, std::string_view data)>& visit) const;
  void Delete(leveldb::WriteBatch* batch, InodeId ino, uint64_t index) const;

 private:
  Kv* kv_;
  uint32_t block_size_;
};

}  // namespace volumed::storage
