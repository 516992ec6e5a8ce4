#include "services/gateway_forwarder.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

#include "base/cidr.h"
#include "base/logging.h"
#include "base/socket_address.h"
#include "export/export_access.h"
#include "metrics/forwarded_calls.h"
#include "mount/mount_service.h"
#include "mount3_prot.h"
#include "nfs3/nfs_service.h"
#include "nfs3_prot.h"
#include "rpc/socket_util.h"

namespace volumed::services {
namespace {

Status Declined(std::string why) { return Status(Status::Code::kBusy, std::move(why)); }

// The address a forwarded call goes out from: the one the client called, unless it is
// none or loopback (which reaches no other machine).
std::string SourceFor(const sockaddr_storage& local) {
  const std::string host = HostText(local);
  if (host.empty() || host == "local" || host.starts_with("127.") || host == "::1") return {};
  return host;
}

}  // namespace

Result<std::string> ForwardingHost(const std::vector<storage::GatewayInfo>& gateways,
                                   std::string_view owner, std::string_view peer) {
  if (const std::string from = exports::OtherGatewayAt(gateways, peer); !from.empty()) {
    return Declined("the call came from gateway " + from + " (" + std::string(peer) +
                    "): a call is forwarded at most once");
  }
  if (owner.empty()) return Declined("the volume has no owner");
  const auto it = std::find_if(gateways.begin(), gateways.end(),
                               [&](const storage::GatewayInfo& g) { return g.id == owner; });
  if (it == gateways.end()) return Declined("owner " + std::string(owner) + " has no record");
  if (it->self) return Declined("this gateway owns the volume now");
  if (!it->live) return Declined("owner " + it->id + " is not live");
  if (it->address.empty()) return Declined("owner " + it->id + " has no service address");
  return std::string(storage::ServiceAddressHost(it->address));
}

// Every NFSv3 result but NULL's, and MNT's (v1 and v3), opens with its status: the first
// member of a standard-layout struct, so at the result's own address. OwnerRefused reads
// it there; these assertions make the build check that for every result type rpcgen made.
#define VOLUMED_STATUS_FIRST(T, member)                                     \
  static_assert(std::is_standard_layout_v<T> && offsetof(T, member) == 0 && \
                    sizeof(T::member) == sizeof(uint32_t),                  \
                #T "'s " #member " must be its first member, 4 bytes wide")
VOLUMED_STATUS_FIRST(GETATTR3res, status);
VOLUMED_STATUS_FIRST(SETATTR3res, status);
VOLUMED_STATUS_FIRST(LOOKUP3res, status);
VOLUMED_STATUS_FIRST(ACCESS3res, status);
VOLUMED_STATUS_FIRST(READLINK3res, status);
VOLUMED_STATUS_FIRST(READ3res, status);
VOLUMED_STATUS_FIRST(WRITE3res, status);
VOLUMED_STATUS_FIRST(CREATE3res, status);
VOLUMED_STATUS_FIRST(MKDIR3res, status);
VOLUMED_STATUS_FIRST(SYMLINK3res, status);
VOLUMED_STATUS_FIRST(MKNOD3res, status);
VOLUMED_STATUS_FIRST(REMOVE3res, status);
VOLUMED_STATUS_FIRST(RMDIR3res, status);
VOLUMED_STATUS_FIRST(RENAME3res, status);
VOLUMED_STATUS_FIRST(LINK3res, status);
VOLUMED_STATUS_FIRST(READDIR3res, status);
VOLUMED_STATUS_FIRST(READDIRPLUS3res, status);
VOLUMED_STATUS_FIRST(FSSTAT3res, status);
VOLUMED_STATUS_FIRST(FSINFO3res, status);
VOLUMED_STATUS_FIRST(PATHCONF3res, status);
VOLUMED_STATUS_FIRST(COMMIT3res, status);
VOLUMED_STATUS_FIRST(mountres3, fhs_status);
VOLUMED_STATUS_FIRST(mnt1_fhstatus, fhs_status);
#undef VOLUMED_STATUS_FIRST

bool OwnerRefused(uint32_t prog, uint32_t proc, const void* result) {
  constexpr uint32_t kMnt = 1;
  if (prog == nfs3::kNfsProgram && proc != 0) {
    nfsstat3 status;
    std::memcpy(&status, result, sizeof status);
    return status == NFS3ERR_JUKEBOX;
  }
  if (prog == mount::kMountProgram && proc == kMnt) {
    uint32_t status;
    std::memcpy(&status, result, sizeof status);
    return status != 0;  // MNT3_OK, and MOUNT v1's 0
  }
  return false;
}

GatewayForwarder::GatewayForwarder(storage::VolumeCatalog& catalog, exports::GatewayPeers& gateways,
                                   Options options,
                                   std::function<OwnerCache::Clock::time_point()> now)
    : catalog_(catalog),
      gateways_(gateways),
      options_(std::move(options)),
      owners_(options_.owner_ttl, options_.owner_cache_entries, std::move(now)),
      executor_(options_.threads, Executor::OnShutdown::kRunQueued) {}

GatewayForwarder::~GatewayForwarder() { executor_.Shutdown(); }

void GatewayForwarder::Forward(rpc::ForwardedCall call, void* result, Done done) {
  executor_.Post([this, call = std::move(call), result, done = std::move(done)] {
    done(ForwardNow(call, result));
  });
}

Status GatewayForwarder::ForwardNow(const rpc::ForwardedCall& call, void* result) {
  metrics::ForwardedCalls& counters = metrics::ForwardedCalls::Global();
  auto route = RouteOf(call);
  if (!route.ok()) {
    counters.declined.fetch_add(1, std::memory_order_relaxed);
    return route.status();
  }
  const PoolKey key{route->host, SourceFor(call.local), call.prog, call.vers};
  auto client = TakeClient(key);
  Status s = client.status();
  if (s.ok()) {
    const rpc::Credentials& cred = call.cred;
    (*client)->UseAuthSys(cred.machine_name, cred.uid, cred.gid, cred.gids);
    s = (*client)->CallEncoded(call.proc, call.args, call.decode_result, result, options_.timeout);
  }
  if (!s.ok()) {
    owners_.Invalidate(call.target);
    counters.failed.fetch_add(1, std::memory_order_relaxed);
    NoteRoute(route->volume, "to gateway " + route->owner + " at " + route->host +
                                 " fail (answered JUKEBOX): " + s.ToString());
    return s;  // the connection, if any, is dropped with `client`
  }
  if (OwnerRefused(call.prog, call.proc, result)) owners_.Invalidate(call.target);
  NoteRoute(route->volume, "are forwarded to gateway " + route->owner + " at " + route->host);
  ReturnClient(key, std::move(*client));
  counters.relayed.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Result<GatewayForwarder::Route> GatewayForwarder::RouteOf(const rpc::ForwardedCall& call) {
  const std::string peer = HostText(call.peer);
  std::shared_ptr<const OwnerCache::Entry> volume = owners_.Find(call.target);
  const bool cached = volume != nullptr;
  if (!cached) {
    VOLUMED_ASSIGN_OR_RETURN(volume, ReadOwner(call.target));
  }
  auto host = HostFor(call, *volume, peer);
  if (!host.ok() && cached) {
    // Perhaps only the entry is out of date: decide again from the catalog.
    owners_.Invalidate(call.target);
    VOLUMED_ASSIGN_OR_RETURN(volume, ReadOwner(call.target));
    host = HostFor(call, *volume, peer);
  }
  if (!host.ok()) {
    owners_.Invalidate(call.target);
    NoteRoute(volume->name,
              "from " + peer + " are not forwarded (answered JUKEBOX): " + host.status().message());
    return host.status();
  }
  return Route{volume->name, volume->owner, std::move(*host)};
}

Result<std::string> GatewayForwarder::HostFor(const rpc::ForwardedCall& call,
                                              const OwnerCache::Entry& volume,
                                              const std::string& peer) {
  VOLUMED_ASSIGN_OR_RETURN(auto gateways, gateways_.List());
  auto host = ForwardingHost(gateways, volume.owner, peer);
  if (!host.ok()) {
    // A gateway that joined or revived since the list was read: read it again (not more
    // often than kRecheck, whatever the rate of calls declined).
    constexpr std::chrono::milliseconds kRecheck{250};
    VOLUMED_ASSIGN_OR_RETURN(gateways, gateways_.List(kRecheck));
    host = ForwardingHost(gateways, volume.owner, peer);
  }
  if (host.ok() && !exports::PeerAllowed(volume.policy, volume.clients, call.peer)) {
    host = Declined("the client's address is not allowed by the volume's export policy");
  }
  return host;
}

Result<std::shared_ptr<const OwnerCache::Entry>> GatewayForwarder::ReadOwner(uint64_t id) {
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_.DescribeById(id));
  std::vector<Cidr> clients = ParseCidrs(info.policy.allowed_cidrs);
  return owners_.Put(id, OwnerCache::Entry{std::move(info.name), std::move(info.owner),
                                           std::move(info.policy), std::move(clients)});
}

Result<std::unique_ptr<rpc::RpcClient>> GatewayForwarder::TakeClient(const PoolKey& key) {
  {
    std::lock_guard lock(mu_);
    std::vector<Pooled>& idle = pool_[key];
    const Clock::time_point now = Clock::now();
    while (!idle.empty()) {
      Pooled p = std::move(idle.back());
      idle.pop_back();
      if (now - p.last_used < options_.max_idle) return std::move(p.client);
    }
  }
  const auto& [host, from, prog, vers] = key;
  const auto port = options_.ports.find(prog);
  VOLUMED_ASSIGN_OR_RETURN(sockaddr_storage address, rpc::ParseAddress(host, 0));
  sockaddr_storage source{};
  const bool from_source = !from.empty();
  if (from_source) {
    VOLUMED_ASSIGN_OR_RETURN(source, rpc::ParseAddress(from, 0));
  }
  return rpc::RpcClient::Create(address, port != options_.ports.end() ? port->second : 0, prog,
                                vers, rpc::Transport::kTcp, options_.timeout,
                                from_source ? &source : nullptr);
}

void GatewayForwarder::ReturnClient(const PoolKey& key, std::unique_ptr<rpc::RpcClient> client) {
  std::lock_guard lock(mu_);
  std::vector<Pooled>& idle = pool_[key];
  if (idle.size() < options_.threads) idle.push_back({std::move(client), Clock::now()});
}

void GatewayForwarder::NoteRoute(const std::string& volume, const std::string& route) {
  {
    std::lock_guard lock(mu_);
    std::string& last = routes_[volume];
    if (last == route) return;
    last = route;
  }
  LOG_INFO("forward: calls on volume '{}' {}", volume, route);
}

}  // namespace volumed::services
