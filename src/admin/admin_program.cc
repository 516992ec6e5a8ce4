#include "admin/admin_program.h"

#include <array>

#include "admin_prot.h"

namespace volumed::admin {
namespace {

using rpc::CallContext;
using rpc::Outcome;

// Binds an AdminService method to the engine's handler signature.
template <typename Args, typename Res,
          void (AdminService::*Method)(const CallContext&, const Args&, Res*)>
Outcome Call(void* state, const CallContext& ctx, void* args, void* result) {
  (static_cast<AdminService*>(state)->*Method)(ctx, *static_cast<const Args*>(args),
                                               static_cast<Res*>(result));
  return Outcome::kReply;
}

Outcome Null(void*, const CallContext&, void*, void*) { return Outcome::kReply; }

// Through void(*)(), the one cast GCC accepts between unrelated function types.
#define ADM_XDR(fn) reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(fn))

// clang-format off
const std::array<rpc::Procedure, 10> kProcedures = {{
  {ADMPROC_NULL, "NULL", ADM_XDR(xdr_void), 0, ADM_XDR(xdr_void), 0, Null, true},
  {ADMPROC_CREATE, "CREATE", ADM_XDR(xdr_adm_create_args), sizeof(adm_create_args),
   ADM_XDR(xdr_adm_info_res), sizeof(adm_info_res),
   Call<adm_create_args, adm_info_res, &AdminService::Create>, false},
  {ADMPROC_LIST, "LIST", ADM_XDR(xdr_adm_list_args), sizeof(adm_list_args),
   ADM_XDR(xdr_adm_list_res), sizeof(adm_list_res),
   Call<adm_list_args, adm_list_res, &AdminService::List>, true},
  {ADMPROC_INFO, "INFO", ADM_XDR(xdr_adm_name_args), sizeof(adm_name_args),
   ADM_XDR(xdr_adm_info_res), sizeof(adm_info_res),
   Call<adm_name_args, adm_info_res, &AdminService::Info>, true},
  {ADMPROC_DELETE, "DELETE", ADM_XDR(xdr_adm_name_args), sizeof(adm_name_args),
   ADM_XDR(xdr_adm_status_res), sizeof(adm_status_res),
   Call<adm_name_args, adm_status_res, &AdminService::Delete>, false},
  {ADMPROC_RENEW, "RENEW", ADM_XDR(xdr_adm_renew_args), sizeof(adm_renew_args),
   ADM_XDR(xdr_adm_renew_res), sizeof(adm_renew_res),
   Call<adm_renew_args, adm_renew_res, &AdminService::Renew>, true},
  {ADMPROC_POLICY, "POLICY", ADM_XDR(xdr_adm_policy_args), sizeof(adm_policy_args),
   ADM_XDR(xdr_adm_info_res), sizeof(adm_info_res),
   Call<adm_policy_args, adm_info_res, &AdminService::Policy>, true},
  {ADMPROC_FSCK, "FSCK", ADM_XDR(xdr_adm_fsck_args), sizeof(adm_fsck_args),
   ADM_XDR(xdr_adm_fsck_res), sizeof(adm_fsck_res),
   Call<adm_fsck_args, adm_fsck_res, &AdminService::Fsck>, false},
  {ADMPROC_LOCKS, "LOCKS", ADM_XDR(xdr_adm_name_args), sizeof(adm_name_args),
   ADM_XDR(xdr_adm_locks_res), sizeof(adm_locks_res),
   Call<adm_name_args, adm_locks_res, &AdminService::Locks>, true},
  {ADMPROC_BREAK_LOCKS, "BREAK_LOCKS", ADM_XDR(xdr_adm_break_args), sizeof(adm_break_args),
   ADM_XDR(xdr_adm_break_res), sizeof(adm_break_res),
   Call<adm_break_args, adm_break_res, &AdminService::BreakLocks>, false},
}};
// clang-format on

#undef ADM_XDR

}  // namespace

rpc::ProgramVersion AdminProgramVersion(AdminService* service) {
  rpc::ProgramVersion v{};
  v.prog = VOLUMED_ADMIN_PROG;
  v.vers = VOLUMED_ADMIN_V1;
  v.name = "admin";
  v.procedures = kProcedures;
  v.state = service;
  v.tcp = true;
  v.udp = false;
  return v;
}

}  // namespace volumed::admin
