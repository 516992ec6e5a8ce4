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
  fs->nfs_ = std::make_unique<nfs3::NfsService>(*fs->catalog_);
  fs->mount_ = std::make_unique<mount::MountService>(*fs->catalog_);
  return fs;
}

Status FileServices::Register(rpc::Server& server, rpc::Ports nfs, rpc::Ports mount) {
  rpc::ProgramVersion nfs_program = nfs_->Program();
  nfs_program.udp = nfs.udp != 0;
  VOLUMED_RETURN_IF_ERROR(server.Register(nfs_program, nfs));
  VOLUMED_RETURN_IF_ERROR(server.Register(mount_->ProgramV1(), mount));
  VOLUMED_RETURN_IF_ERROR(server.Register(mount_->Program(), mount));
  return Status::Ok();
}

}  // namespace volumed::services
