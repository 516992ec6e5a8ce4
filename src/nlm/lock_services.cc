#include "nlm/lock_services.h"

#include <algorithm>

#include "base/logging.h"
#include "nlm/nlm_program.h"
#include "nsm/nsm_program.h"

namespace volumed::nlm {
namespace {

constexpr auto kSweepInterval = std::chrono::minutes(5);

}  // namespace

Result<std::unique_ptr<LockServices>> LockServices::Open(const LockServicesOptions& options,
                                                         NlmHooks handles) {
  if (options.kv_factory == nullptr) return InvalidArgument("LockServices needs a KvFactory");
  if (options.caller == nullptr) return InvalidArgument("LockServices needs an OutboundCaller");
  std::unique_ptr<LockServices> ls(new LockServices());
  ls->options_ = options;
  VOLUMED_ASSIGN_OR_RETURN(ls->store_, nsm::NsmStore::Open(*options.kv_factory, options.nsm_dir));

  LockServices* self = ls.get();
  nsm::NsmHooks nsm_hooks;
  nsm_hooks.host_rebooted = [self](const std::string& host) {
    return self->nlm_->ReleaseHost(host);
  };
  nsm_hooks.host_active = [self](const std::string& host) {
    return self->locks_.HostIsActive(host);
  };
  nsm::NsmOptions nsm_options;
  nsm_options.our_name = options.nsm_name;
  ls->nsm_ = std::make_unique<nsm::NsmService>(*ls->store_, *options.caller, std::move(nsm_hooks),
                                               nsm_options);

  handles.monitor_host = [self](const std::string& host, const sockaddr_storage& addr) {
    return self->nsm_->Monitor(host, addr);
  };
  ls->nlm_ =
      std::make_unique<NlmService>(ls->locks_, *options.caller, std::move(handles), options.nlm);

  if (options.check_other_monitor) {
    if (const uint16_t port = nsm::RunningStatusMonitorPort(); port != 0) {
      ls->serve_nsm_ = false;
      LOG_WARN(
          "nsm: another status monitor (rpc.statd?) already answers on this host, port {}. "
          "volumed will not register its own NSM: reboot notifications from client hosts then "
          "go to that statd, not to volumed, and a rebooted client's stale locks stay until "
          "`volumectl locks break`. Stop rpc.statd on the server host (this host's own NFS "
          "mounts may use `-o nolock` or run on another host) and restart volumed.",
          port);
    }
  }
  return ls;
}

LockServices::~LockServices() {
  sweeper_.reset();
  nlm_.reset();  // joins its callback threads before the manager and monitor go
  nsm_.reset();
}

Status LockServices::Register(rpc::Server& server, rpc::Ports nlm_ports, rpc::Ports nsm_ports) {
  nlm_versions_ = NlmProgramVersions(nlm_.get());
  for (const rpc::ProgramVersion& pv : nlm_versions_) {
    VOLUMED_RETURN_IF_ERROR(server.Register(pv, nlm_ports));
  }
  if (serve_nsm_)
    VOLUMED_RETURN_IF_ERROR(server.Register(nsm::NsmProgramVersion(nsm_.get()), nsm_ports));
  return Status::Ok();
}

Status LockServices::Start() {
  VOLUMED_ASSIGN_OR_RETURN(size_t previous_hosts, nsm_->Start());
  if (previous_hosts > 0) {
    nlm_->StartGrace(options_.grace_period);
    LOG_INFO("nlm: grace period of {} ms: only reclaims are granted",
             options_.grace_period.count());
  } else {
    LOG_INFO("nlm: no host held locks before; no grace period");
  }
  sweeper_ =
      std::make_unique<PeriodicThread>(kSweepInterval, PeriodicThread::First::kAfterPeriod, [this] {
        const size_t n = nsm_->Sweep();
        if (n > 0) LOG_INFO("nsm: forgot {} idle host(s)", n);
      });
  return Status::Ok();
}

Result<size_t> LockServices::TakeOverGateway(const GatewayTakeover& takeover) {
  if (takeover.nsm_dir.empty() || takeover.nsm_dir == options_.nsm_dir) {
    return InvalidArgument("not another gateway's NSM database: '" + takeover.nsm_dir + "'");
  }
  if (takeover.mon_name.empty()) return InvalidArgument("a takeover needs the gateway's address");
  std::vector<nsm::MonitoredHost> hosts;
  // Every name its clients may know it by: its own address, then the addresses it had
  // taken over itself (its aliases), each with its state moved on — durably in its
  // database first, so that a takeover cut short and retried never announces a state
  // twice.
  std::vector<nsm::NsmAlias> names;
  {
    VOLUMED_ASSIGN_OR_RETURN(std::unique_ptr<nsm::NsmStore> theirs,
                             nsm::NsmStore::Open(*options_.kv_factory, takeover.nsm_dir));
    VOLUMED_ASSIGN_OR_RETURN(hosts, theirs->Hosts());
    VOLUMED_ASSIGN_OR_RETURN(std::vector<nsm::NsmAlias> aliases, theirs->Aliases());
    VOLUMED_ASSIGN_OR_RETURN(const uint32_t state, theirs->BumpState());
    names.push_back({takeover.mon_name, state});
    for (nsm::NsmAlias& alias : aliases) {
      if (alias.name == takeover.mon_name || alias.name == options_.nsm_name) continue;
      alias.state = nsm::NextUpState(alias.state);
      VOLUMED_RETURN_IF_ERROR(theirs->PutAlias(alias));
      names.push_back(alias);
    }
    VOLUMED_RETURN_IF_ERROR(nsm_->Adopt(hosts));
    for (const nsm::NsmAlias& name : names) VOLUMED_RETURN_IF_ERROR(nsm_->AddAlias(name));
  }
  if (hosts.empty()) {
    LOG_INFO("nlm: took over '{}' ({}): no host held locks there; no grace period",
             takeover.mon_name, takeover.nsm_dir);
  } else {
    nlm_->StartVolumeGrace(takeover.volume_ids, options_.grace_period);
    LOG_INFO(
        "nlm: took over '{}' ({}): grace period of {} ms on {} volume(s), {} host(s) to "
        "reclaim",
        takeover.mon_name, takeover.nsm_dir, options_.grace_period.count(),
        takeover.volume_ids.size(), hosts.size());
    for (const nsm::NsmAlias& name : names) nsm_->NotifyAs(name.name, name.state, hosts);
  }
  if (Status s = options_.kv_factory->Destroy(takeover.nsm_dir); !s.ok()) {
    LOG_WARN("nlm: took over '{}' but could not remove its NSM database {}: {}", takeover.mon_name,
             takeover.nsm_dir, s.ToString());
  }
  return hosts.size();
}

Status LockServices::ReleaseGatewayAddress(const std::string& mon_name) {
  VOLUMED_RETURN_IF_ERROR(nsm_->RemoveAlias(mon_name));
  LOG_INFO("nsm: no longer announcing ourselves as '{}'", mon_name);
  return Status::Ok();
}

VolumeLocks LockServices::ListLocks(uint64_t volume_id, size_t max) const {
  VolumeLocks out;
  std::vector<LockReportEntry> all = locks_.ListVolume(volume_id);
  for (const LockReportEntry& e : all) {
    if (!e.waiting) ++out.total;
  }
  std::stable_partition(all.begin(), all.end(),
                        [](const LockReportEntry& e) { return !e.waiting; });
  if (all.size() > max) all.resize(max);
  out.locks = std::move(all);
  return out;
}

uint32_t LockServices::BreakLocks(uint64_t volume_id, const std::string& holder) {
  const size_t n = locks_.ReleaseHostInVolume(volume_id, holder);
  LOG_INFO("nlm: admin broke {} lock(s) of '{}' in volume {}", n, holder.empty() ? "*" : holder,
           volume_id);
  return static_cast<uint32_t>(n);
}

void LockServices::VolumeDeleted(uint64_t volume_id) {
  const size_t n = locks_.ReleaseVolume(volume_id);
  if (n > 0) LOG_INFO("nlm: volume {} deleted: dropped {} lock(s) and share(s)", volume_id, n);
}

}  // namespace volumed::nlm
