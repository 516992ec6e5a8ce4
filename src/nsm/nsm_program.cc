#include "nsm/nsm_program.h"

#include <rpc/rpc.h>

namespace volumed::nsm {
namespace {

using rpc::CallContext;
using rpc::Outcome;

NsmService& Svc(void* state) { return *static_cast<NsmService*>(state); }

template <typename T>
xdrproc_t X(bool_t (*fn)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(fn);
}
const xdrproc_t kXdrVoid = reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(xdr_void));

Outcome Null(void*, const CallContext&, void*, void*) { return Outcome::kReply; }
Outcome Stat(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Stat(ctx, *static_cast<sm_name*>(a), static_cast<sm_stat_res*>(r));
  return Outcome::kReply;
}
Outcome Mon(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Mon(ctx, *static_cast<sm_mon*>(a), static_cast<sm_stat_res*>(r));
  return Outcome::kReply;
}
Outcome Unmon(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Unmon(ctx, *static_cast<sm_mon_id*>(a), static_cast<sm_stat*>(r));
  return Outcome::kReply;
}
Outcome UnmonAll(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).UnmonAll(ctx, *static_cast<sm_my_id*>(a), static_cast<sm_stat*>(r));
  return Outcome::kReply;
}
Outcome SimuCrash(void* s, const CallContext& ctx, void*, void*) {
  Svc(s).SimuCrash(ctx);
  return Outcome::kReply;
}
Outcome Notify(void* s, const CallContext& ctx, void* a, void*) {
  Svc(s).Notify(ctx, *static_cast<sm_stat_chge*>(a));
  return Outcome::kReply;
}

const rpc::Procedure kNsm[] = {
    {SM_NULL, "SM_NULL", kXdrVoid, 0, kXdrVoid, 0, &Null, true},
    {SM_STAT, "SM_STAT", X(xdr_sm_name), sizeof(sm_name), X(xdr_sm_stat_res), sizeof(sm_stat_res),
     &Stat, true},
    {SM_MON, "SM_MON", X(xdr_sm_mon), sizeof(sm_mon), X(xdr_sm_stat_res), sizeof(sm_stat_res), &Mon,
     true},
    {SM_UNMON, "SM_UNMON", X(xdr_sm_mon_id), sizeof(sm_mon_id), X(xdr_sm_stat), sizeof(sm_stat),
     &Unmon, true},
    {SM_UNMON_ALL, "SM_UNMON_ALL", X(xdr_sm_my_id), sizeof(sm_my_id), X(xdr_sm_stat),
     sizeof(sm_stat), &UnmonAll, true},
    {SM_SIMU_CRASH, "SM_SIMU_CRASH", kXdrVoid, 0, kXdrVoid, 0, &SimuCrash, false},
    {SM_NOTIFY, "SM_NOTIFY", X(xdr_sm_stat_chge), sizeof(sm_stat_chge), kXdrVoid, 0, &Notify, true},
};

}  // namespace

rpc::ProgramVersion NsmProgramVersion(NsmService* service) {
  rpc::ProgramVersion pv{SM_PROG, SM_VERS, "nsm", kNsm, service};
  pv.tcp = true;
  pv.udp = true;
  return pv;
}

}  // namespace volumed::nsm
