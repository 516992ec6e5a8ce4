#include "nsm/nsm_service.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <utility>

#include "base/clock.h"
#include "base/logging.h"
#include "base/socket_address.h"
#include "rpc/client.h"
#include "rpc/procedure_table.h"
#include "rpc/socket_util.h"

namespace volumed::nsm {
namespace {

// Our address on the route to `peer` (what the peer reaches us by), or empty.
std::string LocalAddressTowards(const sockaddr_storage& peer) {
  sockaddr_storage dest = peer;
  if (dest.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&dest)->sin_port = htons(111);
  if (dest.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&dest)->sin6_port = htons(111);
  const int fd = socket(dest.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  const socklen_t len = dest.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  std::string out;
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&dest), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    out = HostText(local);
  }
  close(fd);
  return out;
}

// Whether `addr` is assigned to this host (binding to it succeeds only then).
bool IsLocalAddress(const sockaddr_storage& addr) {
  sockaddr_storage probe = addr;
  if (probe.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&probe)->sin_port = 0;
  if (probe.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&probe)->sin6_port = 0;
  const int fd = socket(probe.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const socklen_t len = probe.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  const bool local = bind(fd, reinterpret_cast<const sockaddr*>(&probe), len) == 0;
  close(fd);
  return local;
}

bool IsLoopback(const sockaddr_storage& peer) {
  const sockaddr_storage addr = Unmapped(peer);
  if (addr.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr.ss_family == AF_INET6) {
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr);
  }
  return false;
}

std::string Str(const char* s) { return s ? s : ""; }

}  // namespace

NsmService::NsmService(NsmStore& store, OutboundCaller& caller, NsmHooks hooks, NsmOptions options)
    : store_(store),
      caller_(caller),
      hooks_(std::move(hooks)),
      options_(std::move(options)),
      executor_(std::make_unique<Executor>(2, Executor::OnShutdown::kDropQueued)) {}

NsmService::~NsmService() { executor_->Shutdown(); }

uint32_t NsmService::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

Status NsmService::BumpState() {
  VOLUMED_ASSIGN_OR_RETURN(const uint32_t next, store_.BumpState());
  std::lock_guard lock(mu_);
  state_ = next;
  return Status::Ok();
}

Result<size_t> NsmService::Start() {
  VOLUMED_RETURN_IF_ERROR(BumpState());
  VOLUMED_ASSIGN_OR_RETURN(std::vector<MonitoredHost> hosts, store_.Hosts());
  VOLUMED_ASSIGN_OR_RETURN(std::vector<NsmAlias> aliases, store_.Aliases());
  for (NsmAlias& alias : aliases) {
    alias.state = NextUpState(alias.state);
    VOLUMED_RETURN_IF_ERROR(store_.PutAlias(alias));
  }
  uint32_t state = 0;
  {
    std::lock_guard lock(mu_);
    state = state_;
    for (const MonitoredHost& h : hosts) known_[h.name] = Known{h, MonotonicNowNs()};
  }
  LOG_INFO("nsm: state {}; notifying {} host(s) that held locks", state, hosts.size());
  for (const MonitoredHost& h : hosts) {
    executor_->Post([this, h, state] { NotifyHost(h, state, 1, {}); });
  }
  for (const NsmAlias& alias : aliases) NotifyAs(alias.name, alias.state, hosts);
  return hosts.size();
}

void NsmService::NotifyHost(const MonitoredHost& host, uint32_t state, int attempt,
                            const std::string& as) {
  Result<sockaddr_storage> addr = rpc::ParseAddress(host.address, 0);
  if (!addr.ok()) return;
  if (IsLocalAddress(*addr)) {
    LOG_INFO("nsm: not notifying '{}' at {}: that is this host", host.name, host.address);
    return;
  }
  const std::string our_name = !as.empty()                 ? as
                               : options_.our_name.empty() ? LocalAddressTowards(*addr)
                                                           : options_.our_name;
  sm_stat_chge args{const_cast<char*>(our_name.c_str()), static_cast<int>(state)};
  OutboundCall call;
  // Speaking for another address: send from it when it is ours (looked up per attempt:
  // the address may come up between retries).
  if (!as.empty()) {
    Result<sockaddr_storage> source = rpc::ParseAddress(as, 0);
    if (source.ok() && source->ss_family == addr->ss_family && IsLocalAddress(*source)) {
      call.source = *source;
    }
  }
  call.addr = *addr;
  call.prog = SM_PROG;
  call.vers = SM_VERS;
  call.proc = SM_NOTIFY;
  call.timeout = options_.call_timeout;
  const Status s = caller_.Call(call, reinterpret_cast<xdrproc_t>(xdr_sm_stat_chge), &args);
  if (s.ok()) {
    LOG_INFO("nsm: notified '{}' at {} (we are '{}', state {})", host.name, host.address, our_name,
             state);
    return;
  }
  if (attempt >= options_.notify_attempts) {
    LOG_WARN("nsm: could not notify '{}' at {}: {}; giving up", host.name, host.address,
             s.ToString());
    return;
  }
  LOG_INFO("nsm: notifying '{}' at {} failed ({}); will retry", host.name, host.address,
           s.ToString());
  executor_->Post([this, host, state, attempt, as] { NotifyHost(host, state, attempt + 1, as); },
                  options_.first_retry_delay * (1 << (attempt - 1)));
}

Status NsmService::Monitor(const std::string& host, const sockaddr_storage& addr) {
  const std::string address = HostText(addr);
  std::lock_guard lock(mu_);
  auto it = known_.find(host);
  if (it != known_.end() && it->second.host.address == address) {
    it->second.last_seen_ns = MonotonicNowNs();
    return Status::Ok();
  }
  if (it == known_.end() && known_.size() >= options_.max_hosts) {
    return Status(Status::Code::kNoSpace,
                  "nsm: already monitoring " + std::to_string(known_.size()) + " hosts");
  }
  // New, or moved to another address: record it durably first. (Under the mutex, so a
  // concurrent Sweep cannot remove it between the write and the grant.)
  MonitoredHost h{host, address, static_cast<int64_t>(std::time(nullptr))};
  VOLUMED_RETURN_IF_ERROR(store_.PutHost(h));
  known_[host] = Known{h, MonotonicNowNs()};
  LOG_INFO("nsm: monitoring '{}' at {}", host, address);
  return Status::Ok();
}

size_t NsmService::Sweep() {
  const int64_t cutoff =
      MonotonicNowNs() -
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.forget_after).count();
  std::lock_guard lock(mu_);
  size_t forgotten = 0;
  for (auto it = known_.begin(); it != known_.end();) {
    const bool idle =
        it->second.last_seen_ns < cutoff && !(hooks_.host_active && hooks_.host_active(it->first));
    if (idle && store_.RemoveHost(it->first).ok()) {
      it = known_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

Status NsmService::Adopt(const std::vector<MonitoredHost>& hosts) {
  std::lock_guard lock(mu_);
  for (const MonitoredHost& h : hosts) {
    if (known_.contains(h.name)) continue;
    VOLUMED_RETURN_IF_ERROR(store_.PutHost(h));
    known_[h.name] = Known{h, MonotonicNowNs()};
  }
  return Status::Ok();
}

Status NsmService::AddAlias(const NsmAlias& alias) { return store_.PutAlias(alias); }

Status NsmService::RemoveAlias(const std::string& name) { return store_.RemoveAlias(name); }

void NsmService::NotifyAs(const std::string& mon_name, uint32_t state,
                          const std::vector<MonitoredHost>& hosts) {
  LOG_INFO("nsm: notifying {} host(s) that '{}' restarted with state {}", hosts.size(), mon_name,
           state);
  for (const MonitoredHost& h : hosts) {
    executor_->Post([this, h, state, mon_name] { NotifyHost(h, state, 1, mon_name); });
  }
}

std::vector<MonitoredHost> NsmService::hosts() const {
  std::lock_guard lock(mu_);
  std::vector<MonitoredHost> out;
  for (const auto& [name, k] : known_) out.push_back(k.host);
  return out;
}

void NsmService::Stat(const rpc::CallContext&, const sm_name&, sm_stat_res* res) {
  res->res_stat = SM_STAT_SUCC;
  res->state = static_cast<int>(state());
}

void NsmService::Mon(const rpc::CallContext& ctx, const sm_mon& args, sm_stat_res* res) {
  res->state = static_cast<int>(state());
  if (!IsLoopback(ctx.peer) || args.mon_id.mon_name == nullptr) {
    res->res_stat = SM_STAT_FAIL;
    return;
  }
  Registration reg{Str(args.mon_id.mon_name),
                   Str(args.mon_id.my_id.my_name),
                   static_cast<uint32_t>(args.mon_id.my_id.my_prog),
                   static_cast<uint32_t>(args.mon_id.my_id.my_vers),
                   static_cast<uint32_t>(args.mon_id.my_id.my_proc),
                   std::string(args.priv, SM_PRIV_SIZE)};
  std::lock_guard lock(mu_);
  constexpr size_t kMaxRegistrations = 4096;
  std::erase_if(registrations_, [&](const Registration& r) {
    return r.mon_name == reg.mon_name && r.my_name == reg.my_name && r.prog == reg.prog &&
           r.vers == reg.vers && r.proc == reg.proc;
  });
  if (registrations_.size() >= kMaxRegistrations) {
    res->res_stat = SM_STAT_FAIL;
    return;
  }
  registrations_.push_back(std::move(reg));
  res->res_stat = SM_STAT_SUCC;
}

void NsmService::Unmon(const rpc::CallContext& ctx, const sm_mon_id& args, sm_stat* res) {
  res->state = static_cast<int>(state());
  if (!IsLoopback(ctx.peer)) return;
  const std::string mon = Str(args.mon_name), me = Str(args.my_id.my_name);
  std::lock_guard lock(mu_);
  std::erase_if(registrations_, [&](const Registration& r) {
    return r.mon_name == mon && r.my_name == me &&
           r.prog == static_cast<uint32_t>(args.my_id.my_prog) &&
           r.vers == static_cast<uint32_t>(args.my_id.my_vers) &&
           r.proc == static_cast<uint32_t>(args.my_id.my_proc);
  });
}

void NsmService::UnmonAll(const rpc::CallContext& ctx, const sm_my_id& args, sm_stat* res) {
  res->state = static_cast<int>(state());
  if (!IsLoopback(ctx.peer)) return;
  const std::string me = Str(args.my_name);
  std::lock_guard lock(mu_);
  std::erase_if(registrations_, [&](const Registration& r) {
    return r.my_name == me && r.prog == static_cast<uint32_t>(args.my_prog) &&
           r.vers == static_cast<uint32_t>(args.my_vers) &&
           r.proc == static_cast<uint32_t>(args.my_proc);
  });
}

void NsmService::SimuCrash(const rpc::CallContext& ctx) {
  if (!IsLoopback(ctx.peer)) return;
  if (Status s = BumpState(); !s.ok()) {
    LOG_ERROR("nsm: SIMU_CRASH: {}", s.ToString());
    return;
  }
  const uint32_t state_now = state();
  for (const MonitoredHost& h : hosts()) {
    executor_->Post([this, h, state_now] { NotifyHost(h, state_now, 1, {}); });
  }
}

void NsmService::Notify(const rpc::CallContext& ctx, const sm_stat_chge& args) {
  const std::string mon_name = Str(args.mon_name);
  // The host by that name, and any recorded at that address when the name is numeric.
  std::vector<std::string> names{mon_name};
  std::vector<Registration> callbacks;
  {
    std::lock_guard lock(mu_);
    if (rpc::ParseAddress(mon_name, 0).ok()) {
      for (const auto& [name, k] : known_) {
        if (k.host.address == mon_name && name != mon_name) names.push_back(name);
      }
    }
    for (const Registration& r : registrations_) {
      if (r.mon_name == mon_name) callbacks.push_back(r);
    }
  }
  size_t released = 0;
  for (const std::string& name : names) {
    if (hooks_.host_rebooted) released += hooks_.host_rebooted(name);
  }
  LOG_INFO("nsm: '{}' (from {}) rebooted, state {}: released {} lock(s)", mon_name,
           HostText(ctx.peer), args.state, released);
  for (const Registration& r : callbacks) {
    executor_->Post([this, r, mon_name, st = args.state] { CallBackLocal(r, mon_name, st); });
  }
}

void NsmService::CallBackLocal(const Registration& reg, const std::string& mon_name,
                               int32_t state) {
  OutboundCall call;
  auto* a4 = reinterpret_cast<sockaddr_in*>(&call.addr);
  a4->sin_family = AF_INET;
  a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  call.prog = reg.prog;
  call.vers = reg.vers;
  call.proc = reg.proc;
  call.timeout = options_.call_timeout;
  sm_status args{};
  args.mon_name = const_cast<char*>(mon_name.c_str());
  args.state = state;
  std::memcpy(args.priv, reg.priv.data(), std::min<size_t>(reg.priv.size(), SM_PRIV_SIZE));
  const Status s = caller_.Call(call, reinterpret_cast<xdrproc_t>(xdr_sm_status), &args);
  if (!s.ok()) LOG_WARN("nsm: callback to local monitor {} failed: {}", reg.my_name, s.ToString());
}

uint16_t RunningStatusMonitorPort() {
  sockaddr_storage lo{};
  auto* a4 = reinterpret_cast<sockaddr_in*>(&lo);
  a4->sin_family = AF_INET;
  a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto client = rpc::RpcClient::Create(lo, 0, SM_PROG, SM_VERS, rpc::Transport::kUdp,
                                       std::chrono::milliseconds(1000));
  if (!client.ok()) return 0;
  Status s = (*client)->Call(SM_NULL, rpc::XdrVoid(), nullptr, rpc::XdrVoid(), nullptr,
                             std::chrono::milliseconds(1000));
  return s.ok() ? (*client)->port() : 0;
}

}  // namespace volumed::nsm
