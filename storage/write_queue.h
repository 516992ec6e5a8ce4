// WriteQueue: every write to a volume's DB goes through here. It groups concurrent
// writers into one unsynced LevelDB write, numbers each group in write order and reports
// it to the volume's Durability, which syncs the log for whoever needs it (so no writer
// waits for a sync here, and none holds its locks across one). It also owns the volume's counters —
// next inode number, bytes and files used — which it adds to each group's batch, so the counters on
// disk always match the data written with them — less the bytes deferred inodes hold back
// (InodeStore, "deferred records"): a batch whose blocks belong to a deferred record is
// written without the counters, and the counters written with any later batch leave out
// the bytes of every record still deferred, so that after a crash the store's counters
// plus what each deferred inode's blocks add to its stored record are exact (VolumeImpl's
// Open repairs both). The byte and file quota is enforced here, against the counters of
// exactly the writes that go before, deferred bytes included: a writer that would exceed
// it gets kQuotaExceeded and none of its batch is written.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "base/status.h"
#include "storage/durability.h"
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
    // Change of the bytes deferred records hold back from the counters written.
    int64_t deferred = 0;
    // False: the batch need not carry the counters (a deferred write's blocks).
    bool counters = true;
  };

  // `durability` must outlive the queue.
  WriteQueue(Kv* kv, Durability* durability, const CountersRecord& initial, const Quota& quota);
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // A fresh inode number; never handed out twice, even across restarts (the high-water
  // mark is written with every batch).
  InodeId AllocateIno() { return next_ino_.fetch_add(1); }

  // Writes `batch` (may be empty) plus the updated counters (unless no writer of its group
  // needs them), unsynced; visible on return.
  // `needed`: the batch must become durable (Durability::WhenDurable waits for it).
  // `batch` may be written as it is with the counters added: once committed it is spent;
  // refused for the quota, it is left untouched (and may be committed again).
  Status Commit(leveldb::WriteBatch* batch, bool needed, Delta delta);

  // Runs `work` once every write queued before this call is written and while every
  // later one waits (a snapshot's quiesce point: the database then holds exactly the
  // writes acknowledged so far). Returns what `work` returns.
  Status Quiesce(const std::function<Status()>& work);

  void SetQuota(const Quota& quota);
  Quota quota();
  CountersRecord counters();

 private:
  struct Writer;
  bool Exceeds(const CountersRecord& c, const Delta& d) const;

  Kv* kv_;
  Durability* durability_;
  std::atomic<uint64_t> next_ino_;
  std::mutex mu_;
  CountersRecord counters_;  // guarded by mu_; deferred bytes included
  int64_t deferred_ = 0;     // guarded by mu_: bytes left out of the counters written
  Quota quota_;              // guarded by mu_
  uint64_t group_seq_ = 0;   // guarded by mu_: number of the last group written
  std::deque<Writer*> writers_;
};

}  // namespace volumed::storage
