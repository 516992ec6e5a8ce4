#include "services/gateway_forwarder.h"

#include <algorithm>
#include <utility>

#include "base/cidr.h"
#include "base/logging.h"
#include "base/socket_address.h"
#include "export/export_access.h"
#include "metrics/forwarded_calls.h"
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

GatewayForwarder::GatewayForwarder(storage::VolumeCatalog& catalog, exports::GatewayPeers& gateways,
                                   Options options)
    : catalog_(catalog),
      gateways_(gateways),
      options_(std::move(options)),
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
    counters.failed.fetch_add(1, std::memory_order_relaxed);
    NoteRoute(route->volume, "to gateway " + route->owner + " at " + route->host +
                                 " fail (answered JUKEBOX): " + s.ToString());
    return s;  // the connection, if any, is dropped with `client`
  }
  NoteRoute(route->volume, "are forwarded to gateway " + route->owner + " at " + route->host);
  ReturnClient(key, std::move(*client));
  counters.relayed.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Result<GatewayForwarder::Route> GatewayForwarder::RouteOf(const rpc::ForwardedCall& call) {
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_.DescribeById(call.target));
  const std::string peer = HostText(call.peer);
  VOLUMED_ASSIGN_OR_RETURN(auto gateways, gateways_.List());
  auto host = ForwardingHost(gateways, info.owner, peer);
  if (!host.ok()) {
    // A gateway that joined or revived since the list was read: read it again (not more
    // often than kRecheck, whatever the rate of calls declined).
    constexpr std::chrono::milliseconds kRecheck{250};
    VOLUMED_ASSIGN_OR_RETURN(gateways, gateways_.List(kRecheck));
    host = ForwardingHost(gateways, info.owner, peer);
  }
  if (host.ok() &&
      !exports::PeerAllowed(info.policy, ParseCidrs(info.policy.allowed_cidrs), call.peer)) {
    host = Declined("the client's address is not allowed by the volume's export policy");
  }
  if (!host.ok()) {
    NoteRoute(info.name,
              "from " + peer + " are not forwarded (answered JUKEBOX): " + host.status().message());
    return host.status();
  }
  return Route{std::move(info.name), std::move(info.owner), std::move(*host)};
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
