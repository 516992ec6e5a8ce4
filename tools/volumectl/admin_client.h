// AdminClient: volumectl's side of the admin program (rpcgen/admin_prot.x). Connects to
// the server's Unix socket (or, for remote administration, to HOST:PORT over TCP with
// the shared secret), makes one call per method, and turns every outcome — no server,
// refused, an adm_failure — into a CliStatus with the message the user should read.
//
// Thread-safety: one client per thread (a libtirpc CLIENT is not thread-safe).
#pragma once

#include <rpc/rpc.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin_prot.h"
#include "admin_target.h"
#include "cli_result.h"

namespace volumectl {

// A catalog entry plus what the server knows about it, as volumectl shows it.
struct VolumeView {
  std::string name;
  uint64_t id = 0;
  uint64_t epoch = 0;
  bool ephemeral = false;
  int64_t created_ns = 0;
  int64_t lease_expiry_ns = 0;
  std::vector<std::string> allowed;
  bool read_only = false;
  std::string squash;  // "none" | "root" | "all"
  uint32_t anon_uid = 0;
  uint32_t anon_gid = 0;
  uint64_t quota_bytes = 0;
  uint64_t quota_files = 0;
  std::optional<uint64_t> used_bytes, used_files;
  std::optional<std::vector<std::string>> mounts;
  std::optional<uint32_t> lock_count;
  std::string damage;          // empty: the volume opens; else why the server cannot open it
  std::string store;           // "embedded" | "rados"; empty for a kind this tool does not know
  std::string store_location;  // a path, or the pool and namespace
  // Store bytes of its own, and shared with its snapshots or forks (unknown: nullopt).
  std::optional<uint64_t> own_bytes, shared_bytes;
  // The gateway serving it and the address clients mount it at, when several share the
  // store ("" otherwise: the server asked is the only one); `here`: the server asked is
  // that gateway (else it knows neither the use, nor the mounts, nor the locks).
  std::string owner, address;
  bool here = true;
};

// One gateway of those sharing the store (`volumectl gateways`).
struct GatewayView {
  std::string id;
  std::string address;
  std::vector<std::string> held;
  bool live = false;
  bool self = false;
  uint32_t volumes = 0;
  int64_t seen_ns = 0;
};

struct SnapshotView {
  std::string volume, snapshot;
  uint64_t id = 0;
  int64_t created_ns = 0;
  std::optional<uint64_t> own_bytes, shared_bytes;
  uint64_t pause_ns = 0;  // SnapshotCreate only: how long the volume's writes waited
};

struct ForkSpec {
  std::string source;
  std::string snapshot;  // empty: the volume as it is now
  std::string name;
  bool persisted = false;
};

struct FsckView {
  uint64_t inodes_checked = 0, problems_found = 0, problems_repaired = 0;
  std::vector<std::string> findings;
};

struct LockView {
  std::string holder;
  uint32_t svid = 0;
  uint64_t fileid = 0, offset = 0, length = 0;
  bool exclusive = false;
};

struct LocksView {
  uint64_t total = 0;
  std::vector<LockView> locks;
};

struct CreateSpec {
  std::string name;
  bool ephemeral = false;
  std::chrono::milliseconds ttl{0};
  std::vector<std::string> allowed;
  bool read_only = false;
  adm_squash squash = ADM_SQUASH_ROOT;
  uint32_t anon_uid = 65534;
  uint32_t anon_gid = 65534;
  uint64_t quota_bytes = 0;
  uint64_t quota_files = 0;
};

struct PolicyChange {
  std::optional<std::vector<std::string>> allowed;
  std::optional<bool> read_only;
  std::optional<adm_squash> squash;
  std::optional<uint32_t> anon_uid, anon_gid;
  std::optional<uint64_t> quota_bytes, quota_files;
};

class AdminClient {
 public:
  static CliResult<std::unique_ptr<AdminClient>> Connect(const AdminTarget& target);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  CliResult<VolumeView> Create(const CreateSpec& spec);
  CliResult<std::vector<VolumeView>> List();
  CliResult<VolumeView> Info(const std::string& name);
  CliStatus Delete(const std::string& name);
  CliResult<int64_t> Renew(const std::string& name, std::chrono::milliseconds ttl);
  CliResult<VolumeView> Policy(const std::string& name, const PolicyChange& change);
  CliResult<FsckView> Fsck(const std::string& name, bool repair);
  CliResult<LocksView> Locks(const std::string& name);
  CliResult<uint32_t> BreakLocks(const std::string& name, const std::string& holder);
  CliResult<SnapshotView> SnapshotCreate(const std::string& name, const std::string& snapshot);
  CliResult<std::vector<SnapshotView>> SnapshotList(const std::string& name);
  CliStatus SnapshotDelete(const std::string& name, const std::string& snapshot);
  CliResult<VolumeView> SnapshotRestore(const std::string& name, const std::string& snapshot);
  // The new volume, and how long the source's writes waited (ns).
  CliResult<std::pair<VolumeView, uint64_t>> Fork(const ForkSpec& spec);
  // Empty: the server is alone on its store.
  CliResult<std::vector<GatewayView>> Gateways();
  // The volume as it is once served by `gateway`.
  // Refused while NLM locks are held in the volume, unless `force` (they stay behind).
  CliResult<VolumeView> Move(const std::string& name, const std::string& gateway, bool force);

  // The adm_status of the last reply (ADM_OK after a failure of the call itself): tells
  // ADM_ERR_ELSEWHERE, which volumectl follows, from the other failures.
  adm_status last_status() const { return last_status_; }

 private:
  AdminClient(CLIENT* clnt, AdminTarget target) : clnt_(clnt), target_(std::move(target)) {}
  CliStatus Call(u_long proc, xdrproc_t xargs, void* args, xdrproc_t xres, void* res,
                 std::chrono::seconds timeout = std::chrono::seconds(60));
  // One procedure: puts the secret into `args`, calls, and turns the `Res` reply into
  // convert(reply) or the failure it carries (defined in the .cc, its only user).
  template <typename Res, typename Args, typename Convert>
  auto Invoke(u_long proc, Args& args, Convert convert,
              std::chrono::seconds timeout = std::chrono::seconds(60));
  adm_secret Secret();

  CLIENT* clnt_;
  AdminTarget target_;
  adm_status last_status_ = ADM_OK;
};

// The exit code for an adm_status a server answered with.
Exit ExitFor(adm_status status);

}  // namespace volumectl
