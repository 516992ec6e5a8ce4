#include "admin/admin_program.h"

#include "admin_prot.h"
#include "rpc/procedure_table.h"

namespace volumed::admin {
namespace {

using rpc::kIdempotent;
using rpc::kNotIdempotent;
using rpc::Proc;
using S = AdminService;

const rpc::Procedure kProcedures[] = {
    rpc::NullProc(ADMPROC_NULL),
    Proc<&S::Create>(ADMPROC_CREATE, "CREATE", xdr_adm_create_args, xdr_adm_info_res,
                     kNotIdempotent),
    Proc<&S::List>(ADMPROC_LIST, "LIST", xdr_adm_list_args, xdr_adm_list_res, kIdempotent),
    Proc<&S::Info>(ADMPROC_INFO, "INFO", xdr_adm_name_args, xdr_adm_info_res, kIdempotent),
    Proc<&S::Delete>(ADMPROC_DELETE, "DELETE", xdr_adm_name_args, xdr_adm_status_res,
                     kNotIdempotent),
    Proc<&S::Renew>(ADMPROC_RENEW, "RENEW", xdr_adm_renew_args, xdr_adm_renew_res, kIdempotent),
    Proc<&S::Policy>(ADMPROC_POLICY, "POLICY", xdr_adm_policy_args, xdr_adm_info_res, kIdempotent),
    Proc<&S::Fsck>(ADMPROC_FSCK, "FSCK", xdr_adm_fsck_args, xdr_adm_fsck_res, kNotIdempotent),
    Proc<&S::Locks>(ADMPROC_LOCKS, "LOCKS", xdr_adm_name_args, xdr_adm_locks_res, kIdempotent),
    Proc<&S::BreakLocks>(ADMPROC_BREAK_LOCKS, "BREAK_LOCKS", xdr_adm_break_args, xdr_adm_break_res,
                         kNotIdempotent),
    Proc<&S::SnapshotCreate>(ADMPROC_SNAPSHOT_CREATE, "SNAPSHOT_CREATE", xdr_adm_snapshot_args,
                             xdr_adm_snapshot_res, kNotIdempotent),
    Proc<&S::SnapshotList>(ADMPROC_SNAPSHOT_LIST, "SNAPSHOT_LIST", xdr_adm_name_args,
                           xdr_adm_snapshot_list_res, kIdempotent),
    Proc<&S::SnapshotDelete>(ADMPROC_SNAPSHOT_DELETE, "SNAPSHOT_DELETE", xdr_adm_snapshot_args,
                             xdr_adm_status_res, kNotIdempotent),
    Proc<&S::Fork>(ADMPROC_FORK, "FORK", xdr_adm_fork_args, xdr_adm_fork_res, kNotIdempotent),
    Proc<&S::SnapshotRestore>(ADMPROC_SNAPSHOT_RESTORE, "SNAPSHOT_RESTORE", xdr_adm_snapshot_args,
                              xdr_adm_info_res, kNotIdempotent),
    Proc<&S::Gateways>(ADMPROC_GATEWAYS, "GATEWAYS", xdr_adm_list_args, xdr_adm_gateways_res,
                       kIdempotent),
    Proc<&S::Move>(ADMPROC_MOVE, "MOVE", xdr_adm_move_args, xdr_adm_info_res, kNotIdempotent),
};

}  // namespace

rpc::ProgramVersion AdminProgramVersion(AdminService* service) {
  return rpc::ProgramVersion{.prog = VOLUMED_ADMIN_PROG,
                             .vers = VOLUMED_ADMIN_V1,
                             .name = "admin",
                             .procedures = kProcedures,
                             .state = service,
                             .tcp = true,
                             .udp = false};
}

}  // namespace volumed::admin
