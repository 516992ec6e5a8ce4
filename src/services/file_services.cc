#include "services/file_services.h"

#include "base/logging.h"

namespace volumed::services {

Status EnsureVolumes(storage::VolumeCatalog& catalog, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    auto existing = catalog.Describe(name);
    if (existing.ok()) continue;
    if (existing.status().code() != Status::Code::kNotFound) return existing.status();
    storage::CreateVolumeRequest req;
    req.name = name;
    auto created = catalog.Create(req);
    if (!created.ok()) return created.status();
    LOG_INFO("volumed: created volume '{}' (id {})", name, created->id);
  }
  return Status::Ok();
}

Result<std::unique_ptr<FileServices>> FileServices::Open(const storage::StoreOptions& store,
                                                         const std::vector<std::string>& volumes) {
  std::unique_ptr<FileServices> fs(new FileServices());
  VOLUMED_ASSIGN_OR_RETURN(fs->catalog_, storage::VolumeCatalog::Open(store));
  VOLUMED_RETURN_IF_ERROR(EnsureVolumes(*fs->catalog_, volumes));
  // A gateway of a shared store serves calls other gateways forward, and forwards calls on
  // volumes other gateways own to them.
  if (!fs->catalog_->MembershipDir().empty()) {
    fs->gateways_ = std::make_unique<exports::GatewayPeers>(*fs->catalog_);
  }
  fs->nfs_ = std::make_unique<nfs3::NfsService>(*fs->catalog_, fs->gateways_.get());
  fs->mount_ = std::make_unique<mount::MountService>(*fs->catalog_, fs->gateways_.get());
  return fs;
}

Status FileServices::Register(rpc::Server& server, rpc::Ports nfs, rpc::Ports mount) {
  // The other gateways serve on the ports this one does.
  if (gateways_ != nullptr && forwarder_ == nullptr) {
    forwarder_ = std::make_unique<GatewayForwarder>(
        *catalog_, *gateways_,
        GatewayForwarder::Options{
            .ports = {{nfs3::kNfsProgram, nfs.tcp}, {mount::kMountProgram, mount.tcp}}});
  }
  rpc::ProgramVersion nfs_program = nfs_->Program();
  nfs_program.udp = nfs.udp != 0;
  for (rpc::ProgramVersion pv : {nfs_program, mount_->ProgramV1(), mount_->Program()}) {
    pv.forwarder = forwarder_.get();
    VOLUMED_RETURN_IF_ERROR(server.Register(pv, pv.prog == nfs3::kNfsProgram ? nfs : mount));
  }
  return Status::Ok();
}

}  // namespace volumed::services
