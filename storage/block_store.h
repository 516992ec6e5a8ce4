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
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

  // Fills `out` with the bytes at `offset`, holes as zeros. Across blocks, one iterator
  // copies each stored byte once, from LevelDB's block straight into `out`; within one
  // block, a point read (bloom filters skip the tables without it; LevelDB hands the
  // value over in a string, one copy of at most a block more). The caller bounds
  // out.size().
  Status Read(InodeId ino, uint64_t offset, std::span<char> out) const;

  // What Write knows of the file before the write.
  struct FileBefore {
    // The size before the write. Blocks at or beyond it that the write touches must
    // hold nothing: before a write that grows a file, its tail left for reclaim is gone.
    uint64_t size = 0;
    // Every block below `size` is stored to its full length (the file's used bytes equal
    // its size) and none past it waits for reclaim: the length of a block the write
    // replaces, or of any block of the file, is known without a lookup.
    bool dense = false;
  };
  // Adds the new contents of every touched block to `batch`; *used_delta receives the
  // change in stored bytes. A block whose new contents do not depend on its old ones —
  // the write covers it whole, or from its start to at least the old end of file — is
  // put straight from `data`, never read or copied into a buffer of its own: only a
  // block the write covers in part, below the old end of file, is read and merged. The
  // old length of a replaced block (for *used_delta) is known when it lies at or beyond
  // the old end (absent) or the file is dense; otherwise it is looked up.
  Status Write(leveldb::WriteBatch* batch, InodeId ino, uint64_t offset, std::string_view data,
               const FileBefore& before, int64_t* used_delta) const;

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

  // Read-ahead (storage/read_ahead.h): walks the stored blocks holding [offset, offset +
  // len) of `ino` through LevelDB's caches as Read would, and touches every page of each,
  // so that a Read of them soon after finds the table pages in the page cache and the
  // decompressed blocks in the block cache. Copies nothing; asks `keep_going` with each
  // block's file offset before touching it and stops when it returns false. Returns the
  // stored bytes walked.
  Result<uint64_t> Warm(InodeId ino, uint64_t offset, uint64_t len,
                        const std::function<bool(uint64_t offset)>& keep_going) const;

  // The stored blocks of `ino` (index, stored length), in order, at most `limit` + 1 of
  // them (more than `limit` tells the caller there are too many to free inline). For a
  // dense file with no tail left for reclaim (`file.dense`, as Write takes it) they follow
  // from its size without a lookup; otherwise a scan finds them.
  Status Stored(InodeId ino, const FileBefore& file, size_t limit,
                std::vector<std::pair<uint64_t, size_t>>* out) const;
  // Visits stored blocks of `ino` with index >= `from`, in order; return false to stop.
  Status Scan(InodeId ino, uint64_t from,
              const std::function<bool(uint64_t index, std::string_view data)>& visit) const;
  void Delete(leveldb::WriteBatch* batch, InodeId ino, uint64_t index) const;

 private:
  Kv* kv_;
  uint32_t block_size_;
};

}  // namespace volumed::storage
