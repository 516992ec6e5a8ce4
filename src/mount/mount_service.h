// MountService: the MOUNT version 3 program (100005/3; RFC 1813 appendix I), also offered
// as version 1. Every volume is an export at "/NAME"; MNT of "/NAME" (or "/NAME/sub/dir",
// resolved inside the volume) answers the root (or that directory's) file handle and AUTH_SYS as
// the only flavor. The export policy decides who may mount (MNT3ERR_ACCES otherwise); NFS re-checks
// it on every request. MNT of a volume another gateway owns redirects the call to it
// (nfs3::RedirectIfElsewhere), and answers kElsewhere (MNT3ERR_NOENT) when not forwarded.
//
// The mount list (DUMP, UMNT, UMNTALL) is kept in memory only: it is advisory in NFSv3
// (clients do not depend on it), and it is empty after a restart, as with most servers.
// Entries are keyed by the client's IP address and the path it mounted.
//
// Thread-safety: thread-safe; the mount list is guarded by a mutex.
#pragma once

#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "export/gateway_peers.h"
#include "nfs3/file_handle.h"
#include "rpc/program.h"
#include "storage/catalog.h"

namespace volumed::mount {

inline constexpr uint32_t kMountProgram = 100005;
inline constexpr uint32_t kMountVersion = 3;

struct MountEntry {
  std::string host;
  std::string path;
  int64_t mounted_ns = 0;  // wall clock of its first MNT (status page); not part of identity
  friend bool operator==(const MountEntry& a, const MountEntry& b) {
    return a.host == b.host && a.path == b.path;
  }
};

class MountService {
 public:
  // `gateways` (null unless the store is shared): MNTs other gateways forward pass the
  // address check (export/gateway_peers.h).
  explicit MountService(storage::VolumeCatalog& catalog, exports::GatewayPeers* gateways = nullptr)
      : catalog_(catalog), gateways_(gateways) {}

  // MNT: the handle of the directory `path` names, for a caller at `ctx.peer`.
  // kNotFound (unknown volume or directory), kAccessDenied (policy), kNotDir.
  Result<nfs3::FileHandle> Mount(const rpc::CallContext& ctx, std::string_view path);
  void Unmount(const rpc::CallContext& ctx, std::string_view path);
  void UnmountAll(const rpc::CallContext& ctx);
  std::vector<MountEntry> Mounts() const;
  Result<std::vector<storage::VolumeInfo>> Exports() { return catalog_.List(); }

  rpc::ProgramVersion Program();
  // MOUNT v1 (for showmount and old tools): the same service, v1's MNT reply.
  rpc::ProgramVersion ProgramV1();

 private:
  storage::VolumeCatalog& catalog_;
  exports::GatewayPeers* const gateways_;
  mutable std::mutex mu_;
  std::vector<MountEntry> mounts_;  // guarded by mu_
};

std::span<const rpc::Procedure> MountProcedures();
std::span<const rpc::Procedure> MountProceduresV1();

}  // namespace volumed::mount
