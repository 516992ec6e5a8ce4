// GatewayAdminServer: the admin program of a pretend gateway, for the file commands' tests
// against a live volumed: the real AdminService over a FakeCatalog (tests/admin) whose
// store is shared by `gateways`, on a Unix socket of its own, so that volumectl's INFO
// places each volume where the test says. Apart from the .cc because libnfs (which the
// live tests use) and libtirpc's rpc.h cannot meet in one translation unit.
//
// Thread-safety: the RPC engine serves calls on its own threads; the object itself is
// used by the test's thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/catalog.h"

namespace volumed::testing {

class GatewayAdminServer {
 public:
  // Serves on `socket`; each volume of `owners` (name -> gateway id) exists, owned so.
  static std::unique_ptr<GatewayAdminServer> Start(
      const std::string& socket, std::vector<storage::GatewayInfo> gateways,
      const std::map<std::string, std::string>& owners);
  ~GatewayAdminServer();

 private:
  struct Parts;
  explicit GatewayAdminServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace volumed::testing
