// Placement: which gateway serves each volume and the address its clients mount, as the
// admin program reports them (adm_placement, adm_gateway; README "Scaling out"). Built
// from one read of VolumeCatalog::Gateways(), so that a listing of many volumes asks the
// catalog once; on a store only this server uses there are no gateways, every owner is
// "" and every volume is served here.
//
// Thread-safety: an immutable value once built.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "admin_prot.h"
#include "storage/catalog.h"

namespace volumed::admin {

class Placement {
 public:
  // Reads the gateways only when some owner is not "" (a shared store). When they cannot
  // be read the owners are still reported, without addresses.
  static Placement Of(storage::VolumeCatalog* catalog, const std::vector<std::string>& owners);

  // The gateway `owner`, or null ("" or unknown).
  const storage::GatewayInfo* Find(std::string_view owner) const;
  // Whether this server serves volumes of `owner`: "" (no gateways) or this gateway.
  bool Here(std::string_view owner) const;
  // "gateway 'gw2' at 10.77.0.12", or "gateway 'gw2'" when its address is not known.
  std::string Describe(std::string_view owner) const;
  // Fills `out` (malloc'd strings, for xdr_free) for a volume of `owner`; `here` is
  // whether this server serves it.
  void Fill(std::string_view owner, bool here, adm_placement* out) const;

 private:
  std::vector<storage::GatewayInfo> gateways_;
};

// Fills `out` (malloc'd, for xdr_free) from `gateway`, cutting every list to its bound.
void FillGateway(const storage::GatewayInfo& gateway, adm_gateway* out);

}  // namespace volumed::admin
