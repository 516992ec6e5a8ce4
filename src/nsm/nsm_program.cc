#include "nsm/nsm_program.h"

#include "rpc/procedure_table.h"

namespace volumed::nsm {
namespace {

using rpc::CallContext;
using rpc::kIdempotent;
using rpc::kNotIdempotent;
using rpc::kXdrVoid;
using rpc::Proc;
using S = NsmService;

void SimuCrash(NsmService& s, const CallContext& ctx, const rpc::Void&, rpc::Void&) {
  s.SimuCrash(ctx);
}
void Notify(NsmService& s, const CallContext& ctx, const sm_stat_chge& args, rpc::Void&) {
  s.Notify(ctx, args);
}

const rpc::Procedure kNsm[] = {
    rpc::NullProc(SM_NULL, "SM_NULL"),
    Proc<&S::Stat>(SM_STAT, "SM_STAT", xdr_sm_name, xdr_sm_stat_res, kIdempotent),
    Proc<&S::Mon>(SM_MON, "SM_MON", xdr_sm_mon, xdr_sm_stat_res, kIdempotent),
    Proc<&S::Unmon>(SM_UNMON, "SM_UNMON", xdr_sm_mon_id, xdr_sm_stat, kIdempotent),
    Proc<&S::UnmonAll>(SM_UNMON_ALL, "SM_UNMON_ALL", xdr_sm_my_id, xdr_sm_stat, kIdempotent),
    Proc<&SimuCrash>(SM_SIMU_CRASH, "SM_SIMU_CRASH", kXdrVoid, kXdrVoid, kNotIdempotent),
    Proc<&Notify>(SM_NOTIFY, "SM_NOTIFY", xdr_sm_stat_chge, kXdrVoid, kIdempotent),
};

}  // namespace

rpc::ProgramVersion NsmProgramVersion(NsmService* service) {
  return rpc::ProgramVersion{.prog = SM_PROG,
                             .vers = SM_VERS,
                             .name = "nsm",
                             .procedures = kNsm,
                             .state = service,
                             .tcp = true,
                             .udp = true};
}

}  // namespace volumed::nsm
