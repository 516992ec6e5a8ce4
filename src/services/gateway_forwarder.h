// GatewayForwarder: the proxy hop between gateways of a shared store (README "Scaling
// out", "Hand-over on request"). NFSv3 has no referral and a client knows its server only
// by the address it mounted, so when a volume moves to another gateway its clients keep
// calling the old one; this sends their NFS and MOUNT calls on to the owner and relays the
// answers (rpc/call_forwarder.h). File handles name the volume, never the gateway, so the
// owner takes the call as it is.
//
// One call (its target is the volume id the handler redirected it to), in order:
//  - it came from another gateway's address (its own or one it holds) → declined: a call
//    is forwarded at most once, so two gateways that disagree for a moment on the owner
//    never pass a call back and forth (export/gateway_peers.h);
//  - the owner is this gateway or nobody → declined. The handler's catalog lookup
//    (VolumeCatalog::Serve) read the owner afresh before redirecting the call, so a
//    volume this gateway now owns is served here and never comes this far; the forwarder
//    takes the owner, name and policy from its OwnerCache (services/owner_cache.h, read
//    from the catalog at most once per `owner_ttl` per volume), and a decline from a
//    cached entry is decided again from a fresh read;
//  - the owner is not live, or has no service address → declined (failover adopts a dead
//    owner's volumes and address; the client retries meanwhile);
//  - the client's address is not allowed by the volume's export policy → declined: the
//    owner lets calls from gateways pass its address check, so this gateway checks the
//    client's;
//  - else it is sent over TCP to the owner's service address at this server's port for
//    the program (gateways share one port layout, as they share their flags; 0 asks the
//    owner's rpcbind), from the address the client called (this gateway's service
//    address, or one it took over, so the owner knows it for a gateway's; a loopback
//    address lets the kernel choose), with the caller's AUTH_SYS credentials (AUTH_NONE
//    goes as AUTH_SYS with the anonymous ids it stands for), waited for up to `timeout`.
// A declined or failed call is answered by the handler's own result: JUKEBOX for NFS (the
// client retries after a while, no error reaches the application), NOENT for MNT.
// A failed call, and an answer by which the owner says it no longer is one
// (OwnerRefused), drop the volume's cached entry: the client's retry reads it afresh.
//
// Connections are pooled per (owner address, source address, program, version); each
// carries one call at a time, a failed call's connection is dropped and one idle longer
// than `max_idle` is not reused (the owner closes idle ones). Calls run on an executor of
// their own, never on the reactor or an RPC worker (a call to an owner that stopped
// answering blocks a thread for `timeout`). The gateway list is GatewayPeers' cache, read
// only while calls are being forwarded. Counted in metrics::ForwardedCalls.
//
// Thread-safety: thread-safe.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/executor.h"
#include "base/result.h"
#include "export/gateway_peers.h"
#include "rpc/call_forwarder.h"
#include "rpc/client.h"
#include "services/owner_cache.h"
#include "storage/catalog.h"

namespace volumed::services {

// Where a call of a volume owned by `owner`, arriving from host `peer` (HostText), goes:
// the host of the owner's service address; kBusy saying why when it is not forwarded
// (see the top). `gateways` is the store's gateway list (VolumeCatalog::Gateways).
Result<std::string> ForwardingHost(const std::vector<storage::GatewayInfo>& gateways,
                                   std::string_view owner, std::string_view peer);

// Whether the owner's answer `result` (decoded for program `prog`, procedure `proc`) may
// mean it does not own the volume any more: NFS3ERR_JUKEBOX for NFS (what a gateway
// answers for a volume it does not own, when it does not forward the call), any error of
// MNT. Also true of a busy owner: then the entry is only read again needlessly.
bool OwnerRefused(uint32_t prog, uint32_t proc, const void* result);

class GatewayForwarder final : public rpc::CallForwarder {
 public:
  struct Options {
    // Program number → the port every gateway serves it on (0 or absent: ask the
    // owner's rpcbind).
    std::map<uint32_t, uint16_t> ports;
    size_t threads = 8;
    std::chrono::milliseconds timeout{20'000};
    std::chrono::milliseconds max_idle{60'000};
    // How long a volume's owner, name and policy are kept (OwnerCache), and for how many
    // volumes at most.
    std::chrono::milliseconds owner_ttl{1'000};
    size_t owner_cache_entries = 1024;
  };

  // `catalog` and `gateways` outlive this. `now` stands for the clock of the owner cache
  // (tests).
  GatewayForwarder(storage::VolumeCatalog& catalog, exports::GatewayPeers& gateways,
                   Options options,
                   std::function<OwnerCache::Clock::time_point()> now = &OwnerCache::Clock::now);
  // Calls queued are still forwarded (their replies are awaited by the server's Stop).
  ~GatewayForwarder() override;
  GatewayForwarder(const GatewayForwarder&) = delete;
  GatewayForwarder& operator=(const GatewayForwarder&) = delete;

  void Forward(rpc::ForwardedCall call, void* result, Done done) override;
  // Sends one call now, on the calling thread (Forward's work); kBusy when it was not
  // forwarded (declined, counted there).
  Status ForwardNow(const rpc::ForwardedCall& call, void* result);

  OwnerCache::Stats owner_cache_stats() const { return owners_.stats(); }

 private:
  using Clock = std::chrono::steady_clock;
  // Owner host, the local address calls go out from ("": any), program, version.
  using PoolKey = std::tuple<std::string, std::string, uint32_t, uint32_t>;
  struct Pooled {
    std::unique_ptr<rpc::RpcClient> client;
    Clock::time_point last_used;
  };

  struct Route {
    std::string volume;  // its name, for logs
    std::string owner;
    std::string host;  // the owner's service address
  };
  // Where `call` goes; kBusy when it is not forwarded (ForwardingHost).
  Result<Route> RouteOf(const rpc::ForwardedCall& call);
  // Where `call` goes by `volume`'s entry.
  Result<std::string> HostFor(const rpc::ForwardedCall& call, const OwnerCache::Entry& volume,
                              const std::string& peer);
  // Volume `id`'s entry, read from the catalog and kept.
  Result<std::shared_ptr<const OwnerCache::Entry>> ReadOwner(uint64_t id);
  Result<std::unique_ptr<rpc::RpcClient>> TakeClient(const PoolKey& key);
  void ReturnClient(const PoolKey& key, std::unique_ptr<rpc::RpcClient> client);
  // Logs where calls of `volume` go (or why not) when it differs from the last time.
  void NoteRoute(const std::string& volume, const std::string& route);

  storage::VolumeCatalog& catalog_;
  exports::GatewayPeers& gateways_;
  const Options options_;
  OwnerCache owners_;
  std::mutex mu_;
  std::map<PoolKey, std::vector<Pooled>> pool_;  // guarded by mu_
  std::map<std::string, std::string> routes_;    // guarded by mu_: last route logged per volume
  Executor executor_;                            // last: its tasks use the members above
};

}  // namespace volumed::services
