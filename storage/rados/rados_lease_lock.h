// RadosLeaseLock: a gateway's ownership of one directory (one volume's LevelDB) — the
// cls_lock "volumed" on the namespace's "volumed.lock" object, held as a lease that the
// owner renews (RadosEnv's renewal thread calls Renew every lease/3).
//
// Acquire fails at once while another gateway's lease lives (LevelDB's LockFile must
// fail, not wait). Taking a directory whose previous owner did not let go first fences
// that owner: blocklist its client address, wait for the OSD map that carries the
// blocklist, and only then break its lock (when it is our own earlier incarnation, the
// same gateway id restarted) or find it lapsed — so a paused old owner can never write
// again (breaking a lock alone would not stop its writes). The owner's address is kept
// in the lock object's "owner" xattr for that purpose and cleared on Release.
//
// The owner itself stops writing the moment its lease may have lapsed: valid_until is
// the steady-clock time up to which the last successful renewal, measured from before it
// was sent, guarantees the lease; writers check it (a SIGSTOPped process that continues
// finds it passed) and, past it, Renew once themselves: only a lock still theirs lets
// them go on. Renew failures leave it to run out.
//
// Thread-safety: thread-safe; Renew after Release does nothing. Writers read valid_until
// without any lock.
#pragma once

#include <leveldb/status.h>
#include <rados/librados.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace volumed::storage::rados {

class RadosLeaseLock {
 public:
  // `cluster`, `io` and `valid_until` outlive this object; `gateway` is this server's
  // identity, the first part of `cookie` (rados_names.h). `valid_until` receives the
  // steady-clock ns until which the lease is certainly ours (kUnowned after Release).
  RadosLeaseLock(librados::Rados* cluster, librados::IoCtx* io, std::string gateway,
                 std::string cookie, std::chrono::seconds lease, std::atomic<int64_t>* valid_until);

  leveldb::Status Acquire();
  leveldb::Status Renew();
  leveldb::Status Release();

  // valid_until of a directory nobody holds a lease on in this process: no limit.
  static constexpr int64_t kUnowned = INT64_MAX;

 private:
  // lock_exclusive; on success moves valid_until. Returns librados's code.
  int TryLock(uint8_t flags);
  leveldb::Status Fence(const std::string& address);
  leveldb::Status RecordOwner();

  librados::Rados* const cluster_;
  librados::IoCtx* const io_;
  const std::string gateway_;
  const std::string cookie_;
  const std::chrono::seconds lease_;
  std::atomic<int64_t>* const valid_until_;
  std::string fenced_;  // the address Acquire already fenced
  std::mutex mu_;       // orders Renew against Release
  bool held_ = false;   // guarded by mu_
};

// Steady-clock now in nanoseconds (the clock valid_until is on).
int64_t SteadyNowNs();

}  // namespace volumed::storage::rados
