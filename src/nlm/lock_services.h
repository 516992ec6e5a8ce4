// LockServices: everything "locks across hosts" needs, assembled for main.cc — the
// LockManager, the NLM program (v1, v3, v4) and volumed's own status monitor (NSM v1)
// with its persistent store — plus the calls the admin program makes.
//
// Start-up order (Open → Register → Start → server.Start()):
//   Open      opens the NSM database (through the store's KvFactory, i.e. its Env) and
//             checks whether another status monitor (rpc.statd) already answers on this
//             host. If one does, NSM is not registered (two cannot share program 100024)
//             and the log says so and what that costs: client reboots are then not seen.
//   Register  adds NLM (TCP+UDP) and, unless another monitor runs, NSM to the server.
//   Start     bumps the NSM state, notifies every host recorded as holding locks before,
//             and opens the grace period — only when there were such hosts, since nobody
//             else can have locks to reclaim.
//
// Where the NSM database lives (storage::GatewayMembershipDir, storage/gateway_registry.h):
// DATA/nsm on the embedded store; on a store several gateways share (RADOS), DATA/gateway/<gateway
// id>/nsm, opened through the store's Env — so a survivor can read a dead gateway's. There, opening
// it takes that namespace's lease lock (storage/rados/rados_lease_lock.h), renewed while we run:
// holding it is this gateway's membership.
//
// Failover: TakeOverGateway (below) takes over the locks side of a dead gateway.
//
// What a client needs to reclaim after failover (checked against nfs-utils' statd,
// utils/statd/svc_notify.c, and Linux lockd, fs/lockd/mon.c and host.c):
//   - statd acts on SM_NOTIFY for each host it monitors whose recorded state differs from
//     the notified one and that matches either mon_name or the sender's address; it
//     matches by resolving both names to addresses (statd_matchhostname). Its monitored
//     name is the one the kernel passed in SM_MON: by default the server's address as
//     mounted (nsm_use_hostnames=0), else the host name from the mount's devname. So
//     mon_name must be the service address the clients mounted, and the state must
//     differ from the last the dead gateway announced: bumping that gateway's own stored
//     state guarantees it (our own number could coincide).
//   - statd then calls the kernel back with the private cookie of SM_MON; lockd finds
//     its handle by that cookie alone (nsm_reboot_lookup) and reclaims every lock held
//     through it (next_host_state: again only when the state changed).
//   - The sender address is statd's second way to match; we send from the service
//     address when it is up on this host (so also with nsm_use_hostnames=1 and a
//     mon_name that resolves differently, the address still matches).
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
#include "storage/gateway_registry.h"
#include "storage/kv.h"

namespace volumed::nlm {

struct LockServicesOptions {
  std::string nsm_dir;  // storage::GatewayMembershipDir(DATA, gateway id); on local disk its parent
                        // must exist
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

// What a surviving gateway takes over from a dead one (TakeOverGateway).
struct GatewayTakeover {
  // The dead gateway's NSM database: storage::GatewayMembershipDir(data dir, its id).
  std::string nsm_dir;
  // The service address its clients mounted it by (numeric, e.g. "10.77.0.12"): the
  // mon_name of the notifications and, when it is up on this host, their source.
  std::string mon_name;
  // The volumes taken over: they (and only they) get the grace period.
  std::vector<uint64_t> volume_ids;
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

  // Failover, after Start: takes over the locks side of the dead gateway `takeover`
  // describes. Call it only once its volumes are recorded as ours (their handles resolve
  // here), ideally with its service address already up on this host: Linux lockd gives a
  // lock up for good when its reclaim is answered DENIED_GRACE_PERIOD ("spurious grace
  // period reject", fs/lockd/clntproc.c), which is what a volume served elsewhere
  // answers — while an unreachable address only makes it retry. In order:
  //   1. opens its NSM database through our KvFactory. On RADOS this fails at once
  //      (kIoError naming the owner) while that gateway's lease lives, and fences it
  //      (blocklist) when the lease lapsed: it can never write again. An error here
  //      changes nothing; try again later;
  //   2. bumps its stored state (durably), and likewise the state of each of its own
  //      aliases (addresses it had taken over from others, not our nsm_name); copies its
  //      hosts into our NSM database and records mon_name and those aliases, with their
  //      new states, as aliases of ours, so that a restart of ours notifies its hosts
  //      too, under each of those names with a state moved on again (until
  //      ReleaseGatewayAddress);
  //   3. when it had hosts: starts the grace period (LockServicesOptions::grace_period)
  //      for exactly `volume_ids` — only reclaims on them until it ends, other volumes
  //      untouched — and queues SM_NOTIFY(name, new state) to every host for mon_name
  //      and each of its aliases, from that address when it is up on this host (retried
  //      in the background, as at Start). The addresses it held all move to us, then;
  //      `volume_ids` are all its volumes;
  //   4. closes and destroys its NSM database (a failure there is logged, not returned:
  //      the takeover itself is done).
  // An error in step 2 leaves its database (with a bumped state) in place for the next
  // attempt; hosts already copied stay ours. Returns how many hosts are notified.
  Result<size_t> TakeOverGateway(const GatewayTakeover& takeover);
  // This gateway no longer answers on `mon_name`, an address it took over (it moved to
  // another gateway): our restarts stop notifying under it — a notification in the name
  // of a server that is not in grace would make its clients' reclaims fail.
  Status ReleaseGatewayAddress(const std::string& mon_name);

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
