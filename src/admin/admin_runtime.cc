#include "admin/admin_runtime.h"

#include <sys/stat.h>

#include <fstream>

#include "admin/admin_program.h"
#include "base/logging.h"

namespace volumed::admin {

Result<std::unique_ptr<AdminRuntime>> AdminRuntime::Create(const AdminRuntimeOptions& options,
                                                           storage::VolumeCatalog* catalog,
                                                           AdminHooks hooks) {
  AdminAccess access;
  access.local_uids = options.allow_uids;
  if (options.tcp_port != 0) {
    if (options.secret_file.empty()) {
      return InvalidArgument("--admin-tcp-port needs --admin-secret-file");
    }
    std::ifstream in(options.secret_file);
    if (!in) return IoError("cannot read the admin secret file " + options.secret_file);
    std::getline(in, access.tcp_secret);
    if (access.tcp_secret.size() < 16) {
      return InvalidArgument("the admin secret in " + options.secret_file +
                             " is shorter than 16 characters");
    }
    if (access.tcp_secret.size() > ADM_SECRET_MAX) {
      return InvalidArgument("the admin secret is longer than 256 bytes");
    }
  }
  auto rt = std::unique_ptr<AdminRuntime>(new AdminRuntime());
  rt->options_ = options;
  rt->service_ =
      std::make_unique<AdminService>(catalog, AdminAuthorizer(std::move(access)), std::move(hooks));
  AdminService* service = rt->service_.get();
  rt->reaper_ = std::make_unique<LeaseReaper>(
      catalog, options.reap_period,
      [service](uint64_t id, std::string_view name) { service->NotifyDeleted(id, name); });
  return rt;
}

AdminRuntime::~AdminRuntime() { Stop(); }

Status AdminRuntime::Register(rpc::Server& server) {
  const rpc::ProgramVersion pv = AdminProgramVersion(service_.get());
  VOLUMED_RETURN_IF_ERROR(server.RegisterLocal(pv, options_.socket_path));
  if (!options_.allow_uids.empty() && chmod(options_.socket_path.c_str(), 0666) != 0) {
    return IoError("cannot open the admin socket " + options_.socket_path + " to other uids");
  }
  if (options_.tcp_port != 0) {
    VOLUMED_RETURN_IF_ERROR(server.Register(pv, {.tcp = options_.tcp_port}));
    LOG_INFO("admin: remote administration on TCP port {} (shared secret)", options_.tcp_port);
  }
  return Status::Ok();
}

void AdminRuntime::StartReaper() {
  // One pass now, before the caller starts serving, then the periodic thread.
  if (auto r = reaper_->RunOnce(); !r.ok()) {
    LOG_WARN("lease reaper: first pass failed: {}", r.status().ToString());
  }
  reaper_->Start();
}

void AdminRuntime::Stop() {
  if (reaper_) reaper_->Stop();
}

}  // namespace volumed::admin
