#include "admin/placement.h"

#include <algorithm>

#include "base/logging.h"
#include "rpc/xdr_alloc.h"

namespace volumed::admin {

Placement Placement::Of(storage::VolumeCatalog* catalog, const std::vector<std::string>& owners) {
  Placement out;
  const bool shared =
      std::any_of(owners.begin(), owners.end(), [](const std::string& o) { return !o.empty(); });
  if (!shared) return out;
  Result<std::vector<storage::GatewayInfo>> gateways = catalog->Gateways();
  if (gateways.ok()) {
    out.gateways_ = std::move(*gateways);
  } else {
    LOG_WARN("admin: cannot read the gateways: {}", gateways.status().ToString());
  }
  return out;
}

const storage::GatewayInfo* Placement::Find(std::string_view owner) const {
  if (owner.empty()) return nullptr;
  for (const storage::GatewayInfo& g : gateways_) {
    if (g.id == owner) return &g;
  }
  return nullptr;
}

bool Placement::Here(std::string_view owner) const {
  if (owner.empty()) return true;
  const storage::GatewayInfo* g = Find(owner);
  return g != nullptr && g->self;
}

std::string Placement::Describe(std::string_view owner) const {
  std::string out = "gateway '" + std::string(owner) + "'";
  const storage::GatewayInfo* g = Find(owner);
  if (g != nullptr && !g->address.empty())
    out += " at " + std::string(storage::ServiceAddressHost(g->address));
  return out;
}

void Placement::Fill(std::string_view owner, bool here, adm_placement* out) const {
  const storage::GatewayInfo* g = Find(owner);
  out->owner = rpc::XdrDupString(owner, ADM_NAME_MAX);
  out->address = rpc::XdrDupString(
      g == nullptr ? "" : std::string(storage::ServiceAddressHost(g->address)), ADM_HOST_MAX);
  out->here = here ? TRUE : FALSE;
}

void FillGateway(const storage::GatewayInfo& gateway, adm_gateway* out) {
  out->id = rpc::XdrDupString(gateway.id, ADM_NAME_MAX);
  out->address = rpc::XdrDupString(gateway.address, ADM_HOST_MAX);
  const size_t n = std::min<size_t>(gateway.held.size(), ADM_ADDRESSES_MAX);
  out->held.held_len = static_cast<u_int>(n);
  out->held.held_val = rpc::XdrCalloc<adm_host>(n);
  for (size_t i = 0; i < n; ++i) {
    out->held.held_val[i] = rpc::XdrDupString(gateway.held[i], ADM_HOST_MAX);
  }
  out->live = gateway.live ? TRUE : FALSE;
  out->self = gateway.self ? TRUE : FALSE;
  out->volumes = gateway.volumes;
  out->seen_ns = gateway.seen_ns;
}

}  // namespace volumed::admin
