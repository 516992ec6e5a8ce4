// LockServices: everything "locks across hosts" needs, assembled for main.cc — the
// LockManager, the NLM program (v1, v3, v4) and volumed's own status monitor (NSM v1)
// with its persistent store — plus the calls the admin program makes.
//
// Start-up order (Open → Register → Start → server.Start()):
//   Open      opens DATA/nsm (through the store's KvFactory, i.e. its leveldb::Env) and
//             checks whether another status monitor (rpc.statd) already answers on this
//             host. If one does, NSM is not registered (two cannot share program 100024)
//             and the log says so and what that costs: client reboots are then not seen.
//   Register  adds NLM (TCP+UDP) and, unless another monitor runs, NSM to the server.
//   Start     bumps the NSM state, notifies every host recorded as holding locks before,
//             and opens the grace period — only when there were such hosts, since nobody
//             else can have locks to reclaim.
//
// Thread-safety: thread-safe after Start.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/periodic_thread.h"
#include "base/result.h"
#include "base/status.h"
#include "nlm/lock_manager.h"
#include "nlm/nlm_service.h"
#include "nsm/nsm_service.h"
#include "nsm/nsm_store.h"
#include "nsm/outbound.h"
#include "rpc/server.h"
#include "storage/kv.h"

namespace volumed::nlm {

struct LockServicesOptions {
  std::string nsm_dir;  // e.g. DATA/nsm; its parent must exist
  storage::KvFactory* kv_factory = nullptr;
  std::chrono::milliseconds grace_period{90000};  // knfsd's default
  std::string nsm_name;  // how clients know us in SM_NOTIFY; empty: our routed address
  // Asks the local rpcbind whether another status monitor runs (a call to this host's
  // rpcbind and statd, not through `caller`); tests and fuzzers turn it off.
  bool check_other_monitor = true;
  // Every call to other hosts (SM_NOTIFY, SM_MON callbacks, GRANTED_MSG, _RES answers)
  // goes through it (nsm/outbound.h); required, and it must outlive the services.
  nsm::OutboundCaller* caller = nullptr;
  NlmOptions nlm;
};

// A volume's locks for the admin program.
struct VolumeLocks {
  uint64_t total = 0;                  // held locks (waiters not counted)
  std::vector<LockReportEntry> locks;  // held locks first, then waiters; at most `max`
};

class LockServices {
 public:
  // `handles` provides decode_handle and resolve_handle; monitor_host is set here.
  static Result<std::unique_ptr<LockServices>> Open(const LockServicesOptions& options,
                                                    NlmHooks handles);
  ~LockServices();

  Status Register(rpc::Server& server, rpc::Ports nlm_ports, rpc::Ports nsm_ports);
  Status Start();

  // Admin.
  VolumeLocks ListLocks(uint64_t volume_id, size_t max) const;
  // Releases what `holder` holds in the volume (empty: every holder). Returns how many.
  uint32_t BreakLocks(uint64_t volume_id, const std::string& holder);
  // The volume was deleted: its locks, waiters and shares go.
  void VolumeDeleted(uint64_t volume_id);

  LockManager& locks() { return locks_; }
  NlmService& nlm() { return *nlm_; }
  nsm::NsmService& nsm() { return *nsm_; }
  bool serving_nsm() const { return serve_nsm_; }

 private:
  LockServices() = default;

  LockServicesOptions options_;
  LockManager locks_;
  std::unique_ptr<nsm::NsmStore> store_;
  std::unique_ptr<nsm::NsmService> nsm_;
  std::unique_ptr<NlmService> nlm_;
  std::vector<rpc::ProgramVersion> nlm_versions_;
  bool serve_nsm_ = true;
  std::unique_ptr<PeriodicThread> sweeper_;  // periodic NSM sweep
};

}  // namespace volumed::nlm
