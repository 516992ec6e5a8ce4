#include "export/gateway_peers.h"

#include "base/socket_address.h"

namespace volumed::exports {
std::string OtherGatewayAt(const std::vector<storage::GatewayInfo>& gateways,
                           std::string_view host) {
  for (const storage::GatewayInfo& g : gateways) {
    if (g.self) continue;
    if (storage::ServiceAddressHost(g.address) == host) return g.id;
    for (const std::string& held : g.held) {
      if (storage::ServiceAddressHost(held) == host) return g.id;
    }
  }
  return {};
}

Result<std::vector<storage::GatewayInfo>> GatewayPeers::List(Clock::duration max_age) {
  {
    std::lock_guard lock(mu_);
    if (!gateways_.empty() && Clock::now() - read_ < max_age) return gateways_;
  }
  VOLUMED_ASSIGN_OR_RETURN(auto gateways, catalog_.Gateways());
  std::lock_guard lock(mu_);
  gateways_ = gateways;
  read_ = Clock::now();
  return gateways;
}

std::string GatewayPeers::GatewayAt(const sockaddr_storage& peer) {
  auto gateways = List();
  return gateways.ok() ? OtherGatewayAt(*gateways, HostText(peer)) : std::string();
}

}  // namespace volumed::exports
