#include "gateway_admin_server.h"

#include "admin/admin_program.h"
#include "admin/admin_service.h"
#include "base/clock.h"
#include "fake_catalog.h"
#include "rpc/server.h"

namespace volumed::testing {

struct GatewayAdminServer::Parts {
  admin::testing::FakeCatalog catalog{WallNowNs};
  admin::AdminService service{&catalog, admin::AdminAuthorizer({}), admin::AdminHooks{}};
  std::unique_ptr<rpc::Server> server;
};

GatewayAdminServer::GatewayAdminServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
GatewayAdminServer::~GatewayAdminServer() { parts_->server.reset(); }

std::unique_ptr<GatewayAdminServer> GatewayAdminServer::Start(
    const std::string& socket, std::vector<storage::GatewayInfo> gateways,
    const std::map<std::string, std::string>& owners) {
  auto parts = std::make_unique<Parts>();
  parts->catalog.SetGateways(std::move(gateways));
  for (const auto& [name, owner] : owners) {
    storage::CreateVolumeRequest req;
    req.name = name;
    if (!parts->catalog.Create(req).ok()) return nullptr;
    parts->catalog.SetOwner(name, owner);
  }
  rpc::ServerOptions options;
  options.use_rpcbind = false;
  options.threads = 2;
  parts->server = std::make_unique<rpc::Server>(options);
  if (!parts->server->RegisterLocal(admin::AdminProgramVersion(&parts->service), socket).ok() ||
      !parts->server->Start().ok()) {
    return nullptr;
  }
  return std::unique_ptr<GatewayAdminServer>(new GatewayAdminServer(std::move(parts)));
}

}  // namespace volumed::testing
