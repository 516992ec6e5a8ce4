// Durability: a volume's durable point and the group commit that moves it (DESIGN.md §5).
//
// Every batch is applied to LevelDB unsynced, under whatever inode locks its operation
// holds; WriteQueue numbers the groups it writes, in write order, and reports each one
// here (Applied). A change that must survive a crash — a namespace operation, a synced
// write, a SETATTR — is written with `needed` set; COMMIT needs everything applied so far
// (NeedEverything). WhenDurable(done) calls `done` once every needed change applied so far
// is durable: at once when nothing is pending (reads on a quiet volume pay one uncontended
// mutex), otherwise on a SyncScheduler thread right after the log sync that covers it.
// All operations waiting at that moment — in one directory or many, from any client —
// share that one sync. Operations that arrive while a sync runs share the next one, started
// when a sync ends — unless enough of them wait (the scheduler's overlap_waiters): then a
// further sync starts beside the running ones at once, up to the scheduler's thread count
// per volume (the disk overlaps concurrent flushes). So a fast disk gets few syncs, each
// shared by many, and a slow one overlapping syncs (storage/TUNING.md, "Overlapping
// syncs"). No inode lock and no worker thread is held while a sync runs.
//
// A failed sync is sticky: that waiter and every later one get the error (the kernel may
// have dropped the dirty pages; nothing may be reported durable again).
//
// A volume that must not sync (ephemeral, DESIGN.md §5) is made with `syncs` false: no
// change is ever needed, so WhenDurable always answers at once.
//
// Thread-safety: thread-safe. Close() before the Kv goes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "base/executor.h"
#include "base/status.h"

namespace volumed::storage {

class Kv;
class SyncScheduler;

class Durability {
 public:
  using Done = std::function<void(Status)>;

  // `kv` and `scheduler` must outlive Close().
  Durability(Kv* kv, SyncScheduler* scheduler, bool syncs);
  ~Durability();
  Durability(const Durability&) = delete;
  Durability& operator=(const Durability&) = delete;

  // A group of writes numbered `seq` (increasing) is in the store; `needed`: it holds a
  // change that must become durable. Called by WriteQueue, in write order.
  void Applied(uint64_t seq, bool needed);
  // Everything applied so far must become durable (COMMIT's barrier).
  void NeedEverything();
  // Calls `done` once every change needed so far is durable (possibly at once, on this
  // thread), with the sync's error if it failed.
  void WhenDurable(Done done);
  // Waits for a running sync, makes what is still needed durable, answers every waiter.
  // Afterwards WhenDurable answers at once. Idempotent.
  void Close();

 private:
  friend class SyncScheduler;
  // One sync of the log, on a scheduler thread.
  void RunSync();
  // Starts a sync if waiters need more than the running ones cover — one at least when
  // no sync runs, the scheduler's overlap_waiters when some do — and fewer than max_syncs_
  // run; true when the caller must Schedule(this) after unlocking.
  bool StartSyncLocked();

  Kv* const kv_;
  SyncScheduler* const scheduler_;
  const bool syncs_;
  const size_t max_syncs_;        // syncs of this volume at once
  const size_t overlap_waiters_;  // uncovered waiters that start a sync beside running ones

  std::mutex mu_;
  std::condition_variable idle_cv_;                 // signalled when no sync runs any more
  uint64_t applied_ = 0;                            // guarded by mu_
  uint64_t needed_ = 0;                             // guarded by mu_
  uint64_t durable_ = 0;                            // guarded by mu_
  uint64_t covered_ = 0;                            // guarded by mu_: what started syncs cover
  std::vector<std::pair<uint64_t, Done>> waiters_;  // guarded by mu_
  size_t running_ = 0;                              // guarded by mu_: syncs queued or running
  bool closed_ = false;                             // guarded by mu_
  Status failed_;                                   // guarded by mu_: sticky sync error
};

// SyncScheduler: a few threads shared by every volume of a store that run Durability
// syncs (a base::Executor); a volume has at most threads() syncs queued or running at a
// time, so work stays bounded whatever the number of volumes. While a volume's sync runs,
// a further one starts only when at least overlap_waiters() operations wait that no
// running sync covers; fewer share the sync started when one ends.
//
// Thread-safety: thread-safe. Destroy only after every Durability using it is closed.
class SyncScheduler {
 public:
  explicit SyncScheduler(size_t threads, size_t overlap_waiters = 1)
      : threads_(threads),
        overlap_waiters_(overlap_waiters),
        executor_(threads, Executor::OnShutdown::kRunQueued) {}

  size_t threads() const { return threads_; }
  size_t overlap_waiters() const { return overlap_waiters_; }

  void Schedule(Durability* d) {
    executor_.Post([d] { d->RunSync(); });
  }

 private:
  const size_t threads_;
  const size_t overlap_waiters_;
  Executor executor_;
};

}  // namespace volumed::storage
