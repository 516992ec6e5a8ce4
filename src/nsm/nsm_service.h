// NsmService: volumed's own Network Status Monitor (program 100024), so that the server
// host needs no rpc.statd.
//
//   - Start(): bumps our state number to the next odd value (odd = up) and sends
//     SM_NOTIFY(our name, new state) to the status monitor of every host recorded as
//     holding locks before, so that their lock managers reclaim (during our grace period).
//     Our name, as each client knows us, is --nsm-name if set, else the local address the
//     route to that client uses (what a client mounted us by). Hosts whose address is one
//     of ours are skipped: that would be ourselves. Then the same under each alias (the
//     service address of a gateway we took over, nsm_store.h), with that alias's state
//     moved on, sent from that address when it is up here.
//   - Monitor(host, addr): called by NLM before a host's lock is granted; records it
//     durably the first time (NsmStore), afterwards only in memory.
//   - SM_NOTIFY from a client's statd (it rebooted): the host's locks are released
//     (Hooks::host_rebooted), matched by name, or by recorded address when the name is a
//     numeric address; then local monitors registered by SM_MON are called back.
//   - SM_MON / SM_UNMON / SM_UNMON_ALL / SM_SIMU_CRASH: only from loopback (a lock manager
//     on this host); others get SM_STAT_FAIL / nothing. SM_STAT answers our state.
//   - Sweep(): forgets hosts that hold nothing and were not seen for `forget_after`.
//   - Failover (nlm/lock_services.h, TakeOverGateway): Adopt() makes a dead gateway's
//     hosts ours; AddAlias() records its name, so our restarts notify under it too;
//     NotifyAs() tells its hosts, in its name, that it restarted.
// Every call to another host (SM_NOTIFY, the SM_MON callbacks) goes through the
// OutboundCaller given at construction (nsm/outbound.h).
//
// Thread-safety: thread-safe.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/executor.h"
#include "base/result.h"
#include "base/status.h"
#include "nsm/nsm_store.h"
#include "nsm/outbound.h"
#include "nsm_prot.h"
#include "rpc/program.h"

namespace volumed::nsm {

struct NsmHooks {
  // The host rebooted: drop everything it held. Returns how many locks were dropped.
  std::function<size_t(const std::string& host)> host_rebooted;
  // Whether the host still holds or awaits anything (Sweep keeps such hosts).
  std::function<bool(const std::string& host)> host_active;
};

struct NsmOptions {
  std::string our_name;  // empty: per client, our address as routed to it
  std::chrono::milliseconds call_timeout{3000};
  int notify_attempts = 6;  // SM_NOTIFY sends per host, with doubling delays from 1 s
  std::chrono::milliseconds first_retry_delay{1000};
  std::chrono::seconds forget_after{600};
  // Hosts monitored at once: a new host beyond this is refused (its lock request gets
  // DENIED_NOLOCKS) until Sweep forgets idle ones, so a client that sends a new caller name
  // with every request cannot grow the monitor's memory and store without bound.
  size_t max_hosts = 16384;
};

class NsmService {
 public:
  // `caller` must outlive the service.
  NsmService(NsmStore& store, OutboundCaller& caller, NsmHooks hooks, NsmOptions options = {});
  ~NsmService();
  NsmService(const NsmService&) = delete;
  NsmService& operator=(const NsmService&) = delete;

  // Bumps the state and notifies the hosts recorded before. Returns how many there were
  // (0: nobody can have locks to reclaim).
  Result<size_t> Start();
  uint32_t state() const;

  Status Monitor(const std::string& host, const sockaddr_storage& addr);
  // Forgets idle hosts (see the header comment); returns how many.
  size_t Sweep();
  // Makes `hosts` (another status monitor's) ours: each is recorded durably, so that our
  // own restart notifies it too, then known like a monitored host. A host already known
  // here keeps its entry. Not bounded by max_hosts: the other monitor was bounded.
  Status Adopt(const std::vector<MonitoredHost>& hosts);
  // Records (durably) that we also announce ourselves as `alias.name`, last with
  // `alias.state`; RemoveAlias forgets it (that address is served elsewhere now).
  Status AddAlias(const NsmAlias& alias);
  Status RemoveAlias(const std::string& name);
  // Sends SM_NOTIFY(mon_name, state) to each of `hosts` (retried as at Start), from the
  // address `mon_name` when it is a numeric address of this host of the peer's family,
  // else from whatever address the route picks.
  void NotifyAs(const std::string& mon_name, uint32_t state,
                const std::vector<MonitoredHost>& hosts);
  // Hosts known now (recorded ones and those monitored since start).
  std::vector<MonitoredHost> hosts() const;
  // SM_NOTIFY sends still queued or running, for tests.
  size_t pending_calls() const { return executor_->pending(); }

  // Procedures.
  void Stat(const rpc::CallContext& ctx, const sm_name& args, sm_stat_res* res);
  void Mon(const rpc::CallContext& ctx, const sm_mon& args, sm_stat_res* res);
  void Unmon(const rpc::CallContext& ctx, const sm_mon_id& args, sm_stat* res);
  void UnmonAll(const rpc::CallContext& ctx, const sm_my_id& args, sm_stat* res);
  void SimuCrash(const rpc::CallContext& ctx);
  void Notify(const rpc::CallContext& ctx, const sm_stat_chge& args);

 private:
  struct Known {
    MonitoredHost host;
    int64_t last_seen_ns = 0;  // steady clock
  };
  // A local lock manager's SM_MON registration.
  struct Registration {
    std::string mon_name;
    std::string my_name;
    uint32_t prog = 0, vers = 0, proc = 0;
    std::string priv;  // 16 bytes
  };

  Status BumpState();
  // `as`: the name to notify under; empty: ours (NsmOptions::our_name or the routed address).
  void NotifyHost(const MonitoredHost& host, uint32_t state, int attempt, const std::string& as);
  void CallBackLocal(const Registration& reg, const std::string& mon_name, int32_t state);

  NsmStore& store_;
  OutboundCaller& caller_;
  NsmHooks hooks_;
  NsmOptions options_;
  mutable std::mutex mu_;
  uint32_t state_ = 0;                       // guarded by mu_
  std::map<std::string, Known> known_;       // guarded by mu_; by host name
  std::vector<Registration> registrations_;  // guarded by mu_
  std::unique_ptr<Executor> executor_;       // last: joined first
};

// Whether another status monitor (e.g. rpc.statd) is registered with the local rpcbind
// and answers SM_NULL; returns its port, 0 if none answers.
uint16_t RunningStatusMonitorPort();

}  // namespace volumed::nsm
