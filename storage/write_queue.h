// WriteQueue: every write to a volume's DB goes through here. It groups concurrent
// writers into one LevelDB write (as LevelDB itself does, so synced namespace operations
// share one log sync), and it owns the volume's counters — next inode number, bytes and
// files used — which it adds to each group's batch, so the counters on disk always match
// the data written with them. The byte and file quota is enforced here, against the
// counters of exactly the writes that go before: a writer that would exceed it gets
// kQuotaExceeded and none of its batch is written.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

#include "base/status.h"
#include "storage/kv.h"
#include "storage/records.h"
#include "storage/types.h"

namespace leveldb {
class WriteBatch;
}

namespace volumed::storage {

class WriteQueue {
 public:
  struct Delta {
    int64_t bytes = 0;
    int64_t files = 0;
  };

  WriteQueue(Kv* kv, const CountersRecord& initial, const Quota& quota);
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // A fresh inode number; never handed out twice, even across restarts (the high-water
  // mark is written with every batch).
  InodeId AllocateIno() { return next_ino_.fetch_add(1); }

  // Writes `batch` (may be empty) plus the updated counters. `sync`: durable on return.
  Status Commit(leveldb::WriteBatch* batch, bool sync, Delta delta);

  void SetQuota(const Quota& quota);
  Quota quota();
  CountersRecord counters();

 private:
  struct Writer;
  bool Exceeds(const CountersRecord& c, const Delta& d) const;

  Kv* kv_;
  std::atomic<uint64_t> next_ino_;
  std::mutex mu_;
  CountersRecord counters_;  // guarded by mu_
  Quota quota_;              // guarded by mu_
  std::deque<Writer*> writers_;
};

}  // namespace volumed::storage
