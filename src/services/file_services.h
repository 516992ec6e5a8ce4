// FileServices: the file-serving half of volumed put together — the volume catalog on
// the data directory, the volumes named by --volume (created at start when missing, as
// persisted volumes with the default policy), and the NFS v3 and MOUNT v3 programs over
// it; on a store several gateways share, also the forwarder that sends calls on volumes
// other gateways own on to them (services/gateway_forwarder.h). main.cc opens it once and registers
// it with the RPC server; other programs (NLM, admin) reach the catalog and the MOUNT list through
// it.
//
// Thread-safety: Open/Register from one thread at start; afterwards the services are
// thread-safe (see NfsService, MountService).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "mount/mount_service.h"
#include "nfs3/nfs_service.h"
#include "rpc/server.h"
#include "services/gateway_forwarder.h"
#include "storage/catalog.h"

namespace volumed::services {

class FileServices {
 public:
  static Result<std::unique_ptr<FileServices>> Open(const storage::StoreOptions& store,
                                                    const std::vector<std::string>& volumes);

  // NFS v3 over TCP (and UDP when nfs.udp is set); MOUNT v1 and v3 over TCP and UDP;
  // both forwarding on a shared store.
  Status Register(rpc::Server& server, rpc::Ports nfs, rpc::Ports mount);

  storage::VolumeCatalog& catalog() { return *catalog_; }
  nfs3::NfsService& nfs() { return *nfs_; }
  mount::MountService& mount() { return *mount_; }

 private:
  FileServices() = default;
  std::unique_ptr<storage::VolumeCatalog> catalog_;
  std::unique_ptr<exports::GatewayPeers> gateways_;  // null unless the store is shared
  std::unique_ptr<nfs3::NfsService> nfs_;
  std::unique_ptr<mount::MountService> mount_;
  std::unique_ptr<GatewayForwarder> forwarder_;  // null unless the store is shared
};

// Creates each named volume that does not exist yet.
Status EnsureVolumes(storage::VolumeCatalog& catalog, const std::vector<std::string>& names);

}  // namespace volumed::services
