#include "mount/mount_service.h"

#include <algorithm>

#include "base/clock.h"
#include "base/socket_address.h"
#include "export/export_access.h"
#include "nfs3/resolver.h"

namespace volumed::mount {
namespace {

// "/NAME/a/b" → {"NAME", "a", "b"}; empty components ("//", trailing "/") are skipped.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

}  // namespace

Result<nfs3::FileHandle> MountService::Mount(const rpc::CallContext& ctx, std::string_view path) {
  if (path.empty() || path.front() != '/') return NotFound("export paths start with '/'");
  std::vector<std::string_view> parts = SplitPath(path);
  if (parts.empty()) return NotFound("no volume named");
  auto info = catalog_.Describe(parts[0]);
  if (!info.ok()) {
    // Names that are not even valid volume names are simply not exports.
    if (info.status().code() == Status::Code::kInvalidArgument) return NotFound("no such volume");
    return info.status();
  }
  auto served = catalog_.Serve(info->id);
  if (!served.ok()) {
    nfs3::RedirectIfElsewhere(ctx, served.status(), info->id);
    return served.status();
  }
  const storage::ServedVolume& v = **served;
  VOLUMED_ASSIGN_OR_RETURN(
      exports::ExportAccess access,
      exports::EvaluateExport(v.info.policy, v.clients, ctx.peer, ctx.cred, gateways_));
  const std::shared_ptr<storage::Volume>& volume = v.volume;
  storage::InodeRef ref = volume->Root();
  for (size_t i = 1; i < parts.size(); ++i) {
    VOLUMED_ASSIGN_OR_RETURN(storage::LookupResult found,
                             volume->Lookup(access.cred, ref, parts[i], nullptr));
    if (found.attrs.type != storage::FileType::kDirectory) {
      return Status(Status::Code::kNotDir, "mount path is not a directory");
    }
    ref = found.ref;
  }
  {
    std::lock_guard lock(mu_);
    MountEntry entry{HostText(ctx.peer), std::string(path), WallNowNs()};
    if (std::find(mounts_.begin(), mounts_.end(), entry) == mounts_.end()) {
      mounts_.push_back(std::move(entry));
    }
  }
  return nfs3::FileHandle{v.info.id, v.info.epoch, ref};
}

void MountService::Unmount(const rpc::CallContext& ctx, std::string_view path) {
  std::string host = HostText(ctx.peer);
  std::lock_guard lock(mu_);
  std::erase_if(mounts_, [&](const MountEntry& e) { return e.host == host && e.path == path; });
}

void MountService::UnmountAll(const rpc::CallContext& ctx) {
  std::string host = HostText(ctx.peer);
  std::lock_guard lock(mu_);
  std::erase_if(mounts_, [&](const MountEntry& e) { return e.host == host; });
}

std::vector<MountEntry> MountService::Mounts() const {
  std::lock_guard lock(mu_);
  return mounts_;
}

}  // namespace volumed::mount
