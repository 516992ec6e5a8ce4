// GatewayPeers: the other gateways of a shared store as callers (README "Scaling out"). A
// gateway forwards its clients' NFS and MOUNT calls on volumes another gateway owns to
// that owner (services/gateway_forwarder.h), from the address the client called — its
// service address or one it took over — once it has checked the client's address against
// the volume's export policy itself. So the owner lets a call from another gateway's
// address pass the address check (squash and read-only still apply: the caller's
// credentials come along), and a gateway never forwards a call that came from one, so a
// call is forwarded at most once.
//
// The gateway list is read from the catalog when asked and kept for `max_age`: only calls
// that are forwarded or that the address check refuses ask, so an allowed client's calls
// cost nothing and a refused one's at most one catalog read per `max_age`.
//
// Thread-safety: thread-safe.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/catalog.h"

namespace volumed::exports {

// The id of the gateway among `gateways`, other than this one, whose service address or
// an address it holds is `host` (records keep "A.B.C.D/PREFIX"); "" when none.
std::string OtherGatewayAt(const std::vector<storage::GatewayInfo>& gateways,
                           std::string_view host);

class GatewayPeers {
 public:
  using Clock = std::chrono::steady_clock;

  // `catalog` outlives this.
  explicit GatewayPeers(storage::VolumeCatalog& catalog,
                        Clock::duration max_age = std::chrono::seconds(2))
      : catalog_(catalog), max_age_(max_age) {}

  // The gateway list, read again when older than `max_age` (the constructor's by default).
  Result<std::vector<storage::GatewayInfo>> List() { return List(max_age_); }
  Result<std::vector<storage::GatewayInfo>> List(Clock::duration max_age);
  // The other gateway `peer` is an address of ("" when none, or the list cannot be read).
  std::string GatewayAt(const sockaddr_storage& peer);

 private:
  storage::VolumeCatalog& catalog_;
  const Clock::duration max_age_;
  std::mutex mu_;
  std::vector<storage::GatewayInfo> gateways_;  // guarded by mu_
  Clock::time_point read_{};                    // guarded by mu_
};

}  // namespace volumed::exports
