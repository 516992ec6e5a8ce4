// LockManager: POSIX byte-range locks and DOS share reservations on the files of every
// volume, for the NLM program and the admin program. It knows nothing of XDR or RPC.
//
// Semantics (POSIX fcntl, as NLM carries them):
//   - A lock is shared or exclusive over an inclusive byte range; "to EOF" is last=kToEof.
//   - Locks of different owners conflict when their ranges overlap and either is
//     exclusive. Locks of the same owner never conflict: a new lock replaces the owner's
//     lock on the overlapping bytes (upgrade or downgrade, atomically: a refused upgrade
//     leaves the old lock as it was), and equal-mode locks of one owner that overlap or
//     touch merge into one.
//   - Unlock removes the range from the owner's locks, splitting them where needed.
//   - A blocking request that conflicts waits in a FIFO per file; whenever locks on the
//     file are released the queue is retried in order, and a waiter that can be granted
//     gets its lock applied and its GrantCallback called (outside the manager's mutex).
//   - Shares: a request conflicts with another owner's share when what it wants is denied
//     by that share, or what it denies is wanted by it. One owner has one share per file;
//     a new request from it replaces the old one.
// There is no deadlock detection (NLM4_DEADLCK is never reported), like Linux's lockd.
//
// Thread-safety: thread-safe; one mutex guards all state. Callbacks run on the thread
// whose call released the conflicting lock, after the mutex is dropped; they may call
// back into the manager.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nlm/lock_types.h"

namespace volumed::nlm {

// Called when a queued blocking request has been granted (its lock is held already).
using GrantCallback = std::function<void(const FileKey&, const LockRecord&)>;

struct LockRequest {
  LockOwner owner;
  ByteRange range;
  LockMode mode = LockMode::kShared;
};

enum class LockOutcome : unsigned char { kGranted, kDenied, kBlocked };

struct LockResult {
  LockOutcome outcome = LockOutcome::kGranted;
  std::optional<LockRecord> conflict;  // for kDenied and kBlocked: a lock in the way
};

// One entry of a volume's report for the admin program.
struct LockReportEntry {
  uint64_t inode = 0;
  LockRecord lock;
  bool waiting = false;  // a queued blocking request, not a held lock
};

class LockManager {
 public:
  // `now_ns` is the clock used for ages (monotonic nanoseconds); tests may inject one.
  explicit LockManager(std::function<int64_t()> now_ns = nullptr);

  // The first lock that conflicts with `req`, or nothing. Changes nothing.
  std::optional<LockRecord> Test(const FileKey& file, const LockRequest& req) const;

  // Grants `req` if nothing conflicts. Else: kDenied when !block; kBlocked when block,
  // after queueing it (a repeated identical blocking request is queued once; its callback
  // is the latest one given).
  LockResult Lock(const FileKey& file, const LockRequest& req, bool block, GrantCallback on_grant);

  // Removes a queued request equal to `req`. Returns whether one was queued.
  bool Cancel(const FileKey& file, const LockRequest& req);

  // Releases `range` from `owner`'s locks on `file` (a no-op where it holds none) and
  // cancels its queued requests for that range. Waiters that can now go are granted.
  void Unlock(const FileKey& file, const LockOwner& owner, const ByteRange& range);

  // DOS share reservations. Share returns false (and changes nothing) on a conflict.
  bool Share(const FileKey& file, const ShareRecord& share);
  void Unshare(const FileKey& file, const ShareOwner& owner);

  // Drops every lock, queued request and share held by `host`, on every volume. Returns
  // how many locks and shares it dropped. An empty `host` names nobody.
  size_t ReleaseHost(const std::string& host);
  // The same, only within one volume (admin: "break this client's locks"). An empty
  // `host` releases every holder's locks and shares there; queued requests then get
  // their turn.
  size_t ReleaseHostInVolume(uint64_t volume_id, const std::string& host);
  // Drops everything on a volume (the volume was deleted). Queued requests are dropped
  // without a callback.
  size_t ReleaseVolume(uint64_t volume_id);

  // Locks and queued requests of one volume, ordered by inode.
  std::vector<LockReportEntry> ListVolume(uint64_t volume_id) const;
  // Every held lock (not waiters) of one file, for tests and diagnostics.
  std::vector<LockRecord> LocksOf(const FileKey& file) const;
  std::vector<ShareRecord> SharesOf(const FileKey& file) const;
  // Whether the host holds, awaits or shares anything (NSM keeps such hosts monitored).
  bool HostIsActive(const std::string& host) const;
  size_t lock_count() const;

 private:
  struct Waiter {
    LockRequest req;
    GrantCallback on_grant;
    int64_t since_ns = 0;
  };
  struct FileState {
    std::vector<LockRecord> locks;  // per owner: disjoint, equal-mode neighbours merged
    std::vector<Waiter> waiters;    // FIFO
    std::vector<ShareRecord> shares;
    bool empty() const { return locks.empty() && waiters.empty() && shares.empty(); }
  };
  struct Grant {
    GrantCallback callback;
    FileKey file;
    LockRecord lock;
  };

  const LockRecord* FindConflict(const FileState& st, const LockRequest& req) const;
  void Apply(FileState& st, const LockRequest& req, int64_t since_ns);
  static void RemoveRange(FileState& st, const LockOwner& owner, const ByteRange& range);
  // Grants what the queue of `file` now allows; appends the callbacks to `grants`.
  void GrantWaiters(const FileKey& file, FileState& st, std::vector<Grant>* grants);
  size_t ReleaseHostWhere(const std::string& host, const std::function<bool(const FileKey&)>& in);
  static void RunGrants(std::vector<Grant>& grants);

  std::function<int64_t()> now_ns_;
  mutable std::mutex mu_;
  std::map<FileKey, FileState> files_;  // guarded by mu_
};

}  // namespace volumed::nlm
