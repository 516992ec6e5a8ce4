#include "admin/server_hooks.h"

#include <algorithm>

#include "metrics/volume_activity.h"
#include "storage/fsck.h"

namespace volumed::admin {

AdminHooks MakeServerHooks(storage::VolumeCatalog* catalog, nlm::LockManager* locks,
                           const mount::MountService* mounts) {
  AdminHooks hooks;
  if (mounts != nullptr) {
    hooks.mounts_of = [mounts](std::string_view name) {
      // Exports are "/NAME" and "/NAME/sub/dir".
      const std::string root = "/" + std::string(name);
      std::vector<std::string> hosts;
      for (const mount::MountEntry& e : mounts->Mounts()) {
        const bool match = e.path == root || (e.path.size() > root.size() &&
                                              e.path.compare(0, root.size(), root) == 0 &&
                                              e.path[root.size()] == '/');
        if (match && std::find(hosts.begin(), hosts.end(), e.host) == hosts.end()) {
          hosts.push_back(e.host);
        }
      }
      return hosts;
    };
  }
  if (locks != nullptr) {
    hooks.list_locks = [locks](uint64_t volume_id, size_t max) -> Result<LockListing> {
      LockListing out;
      for (const nlm::LockReportEntry& e : locks->ListVolume(volume_id)) {
        if (e.waiting) continue;  // a queued request holds nothing yet
        ++out.total;
        if (out.locks.size() >= max) continue;
        LockEntry l;
        l.holder = e.lock.owner.host;
        l.svid = static_cast<uint32_t>(e.lock.owner.svid);
        l.fileid = e.inode;
        l.offset = e.lock.range.first;
        l.length = e.lock.range.length();
        l.exclusive = e.lock.mode == nlm::LockMode::kExclusive;
        out.locks.push_back(std::move(l));
      }
      return out;
    };
    hooks.break_locks = [locks](uint64_t volume_id, std::string_view holder) -> Result<uint32_t> {
      const size_t n = locks->ReleaseHostInVolume(volume_id, std::string(holder));
      return static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
    };
    hooks.volume_deleted = [locks](uint64_t volume_id, std::string_view) {
      locks->ReleaseVolume(volume_id);
      metrics::VolumeActivity::Global().Forget(volume_id);
    };
  }
  if (catalog != nullptr) {
    hooks.fsck = [catalog](std::string_view name, bool repair) -> Result<FsckReport> {
      if (repair) {
        return Status(Status::Code::kNotSupported,
                      "this server's fsck reports problems and does not repair them");
      }
      VOLUMED_ASSIGN_OR_RETURN(std::shared_ptr<storage::Volume> volume, catalog->OpenByName(name));
      storage::FsckReport report;
      VOLUMED_RETURN_IF_ERROR(storage::Fsck(*volume, &report));
      FsckReport out;
      out.inodes_checked = report.inodes;
      out.problems_found = report.problems.size();
      out.findings = std::move(report.problems);
      return out;
    };
  }
  return hooks;
}

}  // namespace volumed::admin
