// AdminService: the admin program's procedures (admin_prot.x) over the VolumeCatalog.
// Each call is authorised first (AdminAuthorizer), then carried out on the catalog and
// answered with either the procedure's body or an adm_failure whose message is meant for
// the person at the terminal. Status → adm_status is mapped in one place (status_map).
//
// When several gateways share the store (README "Scaling out"), every gateway answers
// LIST, INFO and GATEWAYS from the shared catalog, each volume placed (adm_placement: its
// owner and the address to mount); a call that needs the volume served here and reaches
// another gateway is answered ADM_ERR_ELSEWHERE, naming the owner and its address, and
// volumectl asks the owner. Nothing is forwarded between gateways.
//
// Deleting a volume (DELETE, or the lease reaper through NotifyDeleted) also tells the
// other services through AdminHooks::volume_deleted so that its locks are dropped;
// restoring one tells them through volume_restored so that the write verifier changes.
//
// Thread-safety: thread-safe. Procedures run concurrently on RPC workers; POLICY's
// read-modify-write of a volume's policy is serialised by a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "admin/admin_hooks.h"
#include "admin/authorizer.h"
#include "admin_prot.h"
#include "base/clock.h"
#include "base/result.h"
#include "rpc/program.h"
#include "storage/catalog.h"

namespace volumed::admin {

// Unix time in nanoseconds.
using NowFn = std::function<int64_t()>;

class AdminService {
 public:
  AdminService(storage::VolumeCatalog* catalog, AdminAuthorizer authorizer, AdminHooks hooks,
               NowFn now = WallNowNs);

  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  // One method per procedure; each fills `res` completely (malloc'd, for xdr_free).
  void Create(const rpc::CallContext& ctx, const adm_create_args& args, adm_info_res* res);
  void List(const rpc::CallContext& ctx, const adm_list_args& args, adm_list_res* res);
  void Info(const rpc::CallContext& ctx, const adm_name_args& args, adm_info_res* res);
  void Delete(const rpc::CallContext& ctx, const adm_name_args& args, adm_status_res* res);
  void Renew(const rpc::CallContext& ctx, const adm_renew_args& args, adm_renew_res* res);
  void Policy(const rpc::CallContext& ctx, const adm_policy_args& args, adm_info_res* res);
  void Fsck(const rpc::CallContext& ctx, const adm_fsck_args& args, adm_fsck_res* res);
  void Locks(const rpc::CallContext& ctx, const adm_name_args& args, adm_locks_res* res);
  void BreakLocks(const rpc::CallContext& ctx, const adm_break_args& args, adm_break_res* res);
  void SnapshotCreate(const rpc::CallContext& ctx, const adm_snapshot_args& args,
                      adm_snapshot_res* res);
  void SnapshotList(const rpc::CallContext& ctx, const adm_name_args& args,
                    adm_snapshot_list_res* res);
  void SnapshotDelete(const rpc::CallContext& ctx, const adm_snapshot_args& args,
                      adm_status_res* res);
  void Fork(const rpc::CallContext& ctx, const adm_fork_args& args, adm_fork_res* res);
  void SnapshotRestore(const rpc::CallContext& ctx, const adm_snapshot_args& args,
                       adm_info_res* res);
  // Gateways (README "Scaling out"; gateway_procs.cc).
  void Gateways(const rpc::CallContext& ctx, const adm_list_args& args, adm_gateways_res* res);
  void Move(const rpc::CallContext& ctx, const adm_move_args& args, adm_info_res* res);

  // Tells the other services that a volume is gone (its locks are dropped).
  void NotifyDeleted(uint64_t volume_id, std::string_view name);

  const AdminHooks& hooks() const { return hooks_; }

 private:
  Status DoCreate(const adm_create_args& args, adm_info* out);
  Status DoInfo(std::string_view name, adm_info* out);
  Status DoDelete(std::string_view name);
  Status DoRenew(const adm_renew_args& args, int64_t* expiry_ns);
  Status DoPolicy(const adm_policy_args& args);
  Status DoFsck(const adm_fsck_args& args, adm_fsck_report* out);
  Status DoLocks(std::string_view name, adm_locks_report* out);
  Status DoBreakLocks(const adm_break_args& args, u_int* broken);
  Status DoSnapshotCreate(const adm_snapshot_args& args, adm_snapshot_made* out);
  Status DoSnapshotList(std::string_view name, adm_snapshot_list_res* res);
  Status DoSnapshotDelete(const adm_snapshot_args& args);
  Status DoFork(const adm_fork_args& args, adm_forked* out);
  Status DoSnapshotRestore(const adm_snapshot_args& args, adm_info* out);
  Status DoGateways(adm_gateways_res* res);
  Status DoMove(const adm_move_args& args, adm_info* out);
  Status RefuseLocked(const storage::VolumeInfo& info);
  // Fills `out` from the catalog entry plus what the live server knows.
  void FillInfo(const storage::VolumeInfo& info, adm_info* out);
  // A failed call's status and the message the user reads about volume (or snapshot)
  // `name`. kElsewhere names the gateway serving it and that gateway's address.
  void SetFailure(adm_status* status, adm_failure* failure, const Status& s, std::string_view name);
  // The reply's status: ADM_OK when `s` is, else SetFailure.
  void Finish(adm_status* status, adm_failure* failure, const Status& s, std::string_view name);
  // As Finish; on failure first frees what the procedure filled into the result
  // `partial` (which shares the reply's union with `failure`) with `free_with`.
  template <typename T>
  void FinishFreeing(adm_status* status, adm_failure* failure, const Status& s,
                     std::string_view name, xdrproc_t free_with, T* partial) {
    if (!s.ok()) {
      xdr_free(free_with, partial);
      *partial = {};
    }
    Finish(status, failure, s, name);
  }
  std::string ExplainElsewhere(const Status& s, std::string_view name);
  // kElsewhere when another gateway serves the volume: what this server keeps of it (its
  // locks, its open database for fsck) is not the volume's.
  Status ServedHere(const storage::VolumeInfo& info);

  storage::VolumeCatalog* const catalog_;
  const AdminAuthorizer authorizer_;
  const AdminHooks hooks_;
  const NowFn now_;
  std::mutex policy_mu_;  // serialises POLICY's read-modify-write
};

}  // namespace volumed::admin
