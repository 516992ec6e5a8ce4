#include "nlm/nlm_program.h"

#include <rpc/rpc.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "nlm/nlm_status.h"
#include "nlm4_prot.h"
#include "rpc/xdr_enum.h"

namespace volumed::nlm {
namespace {

using rpc::CallContext;
using rpc::Outcome;

NlmService& Svc(void* state) { return *static_cast<NlmService*>(state); }

template <typename T>
xdrproc_t X(bool_t (*fn)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(fn);
}
const xdrproc_t kXdrVoid = reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(xdr_void));

// ---- version 4 ----

Outcome Null(void*, const CallContext&, void*, void*) { return Outcome::kReply; }

Outcome Test4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Test(ctx, *static_cast<nlm4_testargs*>(a), static_cast<nlm4_testres*>(r));
  return Outcome::kReply;
}
Outcome Lock4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Lock(ctx, NLM4_VERS, *static_cast<nlm4_lockargs*>(a), true, static_cast<nlm4_res*>(r));
  return Outcome::kReply;
}
Outcome Cancel4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Cancel(ctx, *static_cast<nlm4_cancargs*>(a), static_cast<nlm4_res*>(r));
  return Outcome::kReply;
}
Outcome Unlock4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Unlock(ctx, *static_cast<nlm4_unlockargs*>(a), static_cast<nlm4_res*>(r));
  return Outcome::kReply;
}
// We never ask a client for a lock, so a grant to us is refused.
void Granted4Into(const nlm4_testargs& args, nlm4_res* res) {
  res->cookie.nlm_netobj_len = 0;
  res->cookie.nlm_netobj_val = nullptr;
  if (args.cookie.nlm_netobj_len > 0) {
    res->cookie.nlm_netobj_val = static_cast<char*>(std::malloc(args.cookie.nlm_netobj_len));
    if (res->cookie.nlm_netobj_val != nullptr) {
      std::memcpy(res->cookie.nlm_netobj_val, args.cookie.nlm_netobj_val,
                  args.cookie.nlm_netobj_len);
      res->cookie.nlm_netobj_len = args.cookie.nlm_netobj_len;
    }
  }
  res->stat.stat = NLM4_DENIED;
}
Outcome Granted4(void*, const CallContext&, void* a, void* r) {
  Granted4Into(*static_cast<nlm4_testargs*>(a), static_cast<nlm4_res*>(r));
  return Outcome::kReply;
}

// A _MSG form: run the synchronous form into a local result, send it to the caller's
// _RES procedure, and answer nothing.
template <typename Res>
Outcome Answer(NlmService& svc, const CallContext& ctx, uint32_t res_proc,
               bool_t (*xdr)(XDR*, Res*), Res* res) {
  svc.SendResult(ctx, res_proc, X(xdr), res);
  xdr_free(X(xdr), reinterpret_cast<char*>(res));
  return Outcome::kNoReply;
}
Outcome TestMsg4(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_testres res{};
  Svc(s).Test(ctx, *static_cast<nlm4_testargs*>(a), &res);
  return Answer(Svc(s), ctx, NLMPROC4_TEST_RES, xdr_nlm4_testres, &res);
}
Outcome LockMsg4(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res{};
  Svc(s).Lock(ctx, NLM4_VERS, *static_cast<nlm4_lockargs*>(a), true, &res);
  return Answer(Svc(s), ctx, NLMPROC4_LOCK_RES, xdr_nlm4_res, &res);
}
Outcome CancelMsg4(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res{};
  Svc(s).Cancel(ctx, *static_cast<nlm4_cancargs*>(a), &res);
  return Answer(Svc(s), ctx, NLMPROC4_CANCEL_RES, xdr_nlm4_res, &res);
}
Outcome UnlockMsg4(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res{};
  Svc(s).Unlock(ctx, *static_cast<nlm4_unlockargs*>(a), &res);
  return Answer(Svc(s), ctx, NLMPROC4_UNLOCK_RES, xdr_nlm4_res, &res);
}
Outcome GrantedMsg4(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res{};
  Granted4Into(*static_cast<nlm4_testargs*>(a), &res);
  return Answer(Svc(s), ctx, NLMPROC4_GRANTED_RES, xdr_nlm4_res, &res);
}
// Results of requests we never make.
Outcome IgnoredRes(void*, const CallContext&, void*, void*) { return Outcome::kNoReply; }
Outcome GrantedRes4(void* s, const CallContext& ctx, void* a, void*) {
  const auto& res = *static_cast<nlm4_res*>(a);
  // Any answer but GRANTED (including values outside nlm4_stats) refuses the lock.
  Svc(s).GrantedRes(ctx, res.cookie,
                    rpc::RawEnum(res.stat.stat) == NLM4_GRANTED ? NLM4_GRANTED : NLM4_DENIED);
  return Outcome::kNoReply;
}
Outcome Share4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Share(ctx, *static_cast<nlm4_shareargs*>(a), static_cast<nlm4_shareres*>(r));
  return Outcome::kReply;
}
Outcome Unshare4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Unshare(ctx, *static_cast<nlm4_shareargs*>(a), static_cast<nlm4_shareres*>(r));
  return Outcome::kReply;
}
Outcome NmLock4(void* s, const CallContext& ctx, void* a, void* r) {
  Svc(s).Lock(ctx, NLM4_VERS, *static_cast<nlm4_lockargs*>(a), false, static_cast<nlm4_res*>(r));
  return Outcome::kReply;
}
Outcome FreeAll4(void* s, const CallContext& ctx, void* a, void*) {
  Svc(s).FreeAll(ctx, *static_cast<nlm4_notify*>(a));
  return Outcome::kReply;
}

// ---- versions 1 and 3: widen the arguments (aliasing their buffers), narrow results ----

nlm4_lock Widen(const nlm_lock& l) {
  nlm4_lock out{};
  out.caller_name = l.caller_name;
  out.fh = l.fh;
  out.oh = l.oh;
  out.svid = l.uppid;
  out.l_offset = l.l_offset;
  out.l_len = l.l_len;
  return out;
}
nlm4_testargs Widen(const nlm_testargs& a) { return {a.cookie, a.exclusive, Widen(a.alock)}; }
nlm4_lockargs Widen(const nlm_lockargs& a) {
  return {a.cookie, a.block, a.exclusive, Widen(a.alock), a.reclaim, a.state};
}
nlm4_cancargs Widen(const nlm_cancargs& a) {
  return {a.cookie, a.block, a.exclusive, Widen(a.alock)};
}
nlm4_unlockargs Widen(const nlm_unlockargs& a) { return {a.cookie, Widen(a.alock)}; }
nlm4_shareargs Widen(const nlm_shareargs& a) {
  nlm4_shareargs out{};
  out.cookie = a.cookie;
  out.share = {a.share.caller_name, a.share.fh, a.share.oh, fsm_DN, fsa_NONE};
  // Bit for bit: a client may send values outside the enums (NlmService masks them).
  std::memcpy(&out.share.mode, &a.share.mode, sizeof(out.share.mode));
  std::memcpy(&out.share.access, &a.share.access, sizeof(out.share.access));
  out.reclaim = a.reclaim;
  return out;
}
nlm4_notify Widen(const nlm_notify& a) { return {a.name, a.state}; }

uint32_t Clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v); }

// Moves the malloc'ed parts of a v4 result into the v1 result.
void Narrow(nlm4_res&& in, nlm_res* out) {
  out->cookie = std::exchange(in.cookie, nlm_netobj{});
  out->stat.stat = Nlm1StatusOf(in.stat.stat);
}
void Narrow(nlm4_testres&& in, nlm_testres* out) {
  out->cookie = std::exchange(in.cookie, nlm_netobj{});
  out->test_stat.stat = Nlm1StatusOf(in.stat.stat);
  if (in.stat.stat == NLM4_DENIED) {
    const nlm4_holder& h = in.stat.nlm4_testrply_u.holder;
    nlm_holder& o = out->test_stat.nlm_testrply_u.holder;
    o.exclusive = h.exclusive;
    o.uppid = h.svid;
    o.oh = std::exchange(in.stat.nlm4_testrply_u.holder.oh, nlm_netobj{});
    o.l_offset = Clamp32(h.l_offset);
    o.l_len = Clamp32(h.l_len);
  }
}
void Narrow(nlm4_shareres&& in, nlm_shareres* out) {
  out->cookie = std::exchange(in.cookie, nlm_netobj{});
  out->stat = Nlm1StatusOf(in.stat);
  out->sequence = in.sequence;
}

Outcome Test1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_testres res{};
  Svc(s).Test(ctx, Widen(*static_cast<nlm_testargs*>(a)), &res);
  Narrow(std::move(res), static_cast<nlm_testres*>(r));
  return Outcome::kReply;
}
Outcome Lock1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_res res{};
  Svc(s).Lock(ctx, ctx.vers, Widen(*static_cast<nlm_lockargs*>(a)), true, &res);
  Narrow(std::move(res), static_cast<nlm_res*>(r));
  return Outcome::kReply;
}
Outcome Cancel1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_res res{};
  Svc(s).Cancel(ctx, Widen(*static_cast<nlm_cancargs*>(a)), &res);
  Narrow(std::move(res), static_cast<nlm_res*>(r));
  return Outcome::kReply;
}
Outcome Unlock1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_res res{};
  Svc(s).Unlock(ctx, Widen(*static_cast<nlm_unlockargs*>(a)), &res);
  Narrow(std::move(res), static_cast<nlm_res*>(r));
  return Outcome::kReply;
}
Outcome Granted1(void*, const CallContext&, void* a, void* r) {
  nlm4_res res{};
  Granted4Into(Widen(*static_cast<nlm_testargs*>(a)), &res);
  Narrow(std::move(res), static_cast<nlm_res*>(r));
  return Outcome::kReply;
}
template <typename Res1>
Outcome Answer1(NlmService& svc, const CallContext& ctx, uint32_t res_proc,
                bool_t (*xdr)(XDR*, Res1*), Res1* res) {
  svc.SendResult(ctx, res_proc, X(xdr), res);
  xdr_free(X(xdr), reinterpret_cast<char*>(res));
  return Outcome::kNoReply;
}
Outcome TestMsg1(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_testres res4{};
  Svc(s).Test(ctx, Widen(*static_cast<nlm_testargs*>(a)), &res4);
  nlm_testres res{};
  Narrow(std::move(res4), &res);
  return Answer1(Svc(s), ctx, NLM_TEST_RES, xdr_nlm_testres, &res);
}
Outcome LockMsg1(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res4{};
  Svc(s).Lock(ctx, ctx.vers, Widen(*static_cast<nlm_lockargs*>(a)), true, &res4);
  nlm_res res{};
  Narrow(std::move(res4), &res);
  return Answer1(Svc(s), ctx, NLM_LOCK_RES, xdr_nlm_res, &res);
}
Outcome CancelMsg1(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res4{};
  Svc(s).Cancel(ctx, Widen(*static_cast<nlm_cancargs*>(a)), &res4);
  nlm_res res{};
  Narrow(std::move(res4), &res);
  return Answer1(Svc(s), ctx, NLM_CANCEL_RES, xdr_nlm_res, &res);
}
Outcome UnlockMsg1(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res4{};
  Svc(s).Unlock(ctx, Widen(*static_cast<nlm_unlockargs*>(a)), &res4);
  nlm_res res{};
  Narrow(std::move(res4), &res);
  return Answer1(Svc(s), ctx, NLM_UNLOCK_RES, xdr_nlm_res, &res);
}
Outcome GrantedMsg1(void* s, const CallContext& ctx, void* a, void*) {
  nlm4_res res4{};
  Granted4Into(Widen(*static_cast<nlm_testargs*>(a)), &res4);
  nlm_res res{};
  Narrow(std::move(res4), &res);
  return Answer1(Svc(s), ctx, NLM_GRANTED_RES, xdr_nlm_res, &res);
}
Outcome GrantedRes1(void* s, const CallContext& ctx, void* a, void*) {
  const auto& res = *static_cast<nlm_res*>(a);
  Svc(s).GrantedRes(ctx, res.cookie,
                    rpc::RawEnum(res.stat.stat) == LCK_GRANTED ? NLM4_GRANTED : NLM4_DENIED);
  return Outcome::kNoReply;
}
Outcome Share1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_shareres res{};
  Svc(s).Share(ctx, Widen(*static_cast<nlm_shareargs*>(a)), &res);
  Narrow(std::move(res), static_cast<nlm_shareres*>(r));
  return Outcome::kReply;
}
Outcome Unshare1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_shareres res{};
  Svc(s).Unshare(ctx, Widen(*static_cast<nlm_shareargs*>(a)), &res);
  Narrow(std::move(res), static_cast<nlm_shareres*>(r));
  return Outcome::kReply;
}
Outcome NmLock1(void* s, const CallContext& ctx, void* a, void* r) {
  nlm4_res res{};
  Svc(s).Lock(ctx, ctx.vers, Widen(*static_cast<nlm_lockargs*>(a)), false, &res);
  Narrow(std::move(res), static_cast<nlm_res*>(r));
  return Outcome::kReply;
}
Outcome FreeAll1(void* s, const CallContext& ctx, void* a, void*) {
  Svc(s).FreeAll(ctx, Widen(*static_cast<nlm_notify*>(a)));
  return Outcome::kReply;
}

#define NLM_PROC(num, NAME, args, res, fn) \
  rpc::Procedure { num, NAME, X(xdr_##args), sizeof(args), X(xdr_##res), sizeof(res), fn, true }
#define NLM_MSG(num, NAME, args, fn) \
  rpc::Procedure { num, NAME, X(xdr_##args), sizeof(args), kXdrVoid, 0, fn, true }

const rpc::Procedure kNlm4[] = {
    {NLMPROC4_NULL, "NULL", kXdrVoid, 0, kXdrVoid, 0, &Null, true},
    NLM_PROC(NLMPROC4_TEST, "TEST", nlm4_testargs, nlm4_testres, &Test4),
    NLM_PROC(NLMPROC4_LOCK, "LOCK", nlm4_lockargs, nlm4_res, &Lock4),
    NLM_PROC(NLMPROC4_CANCEL, "CANCEL", nlm4_cancargs, nlm4_res, &Cancel4),
    NLM_PROC(NLMPROC4_UNLOCK, "UNLOCK", nlm4_unlockargs, nlm4_res, &Unlock4),
    NLM_PROC(NLMPROC4_GRANTED, "GRANTED", nlm4_testargs, nlm4_res, &Granted4),
    NLM_MSG(NLMPROC4_TEST_MSG, "TEST_MSG", nlm4_testargs, &TestMsg4),
    NLM_MSG(NLMPROC4_LOCK_MSG, "LOCK_MSG", nlm4_lockargs, &LockMsg4),
    NLM_MSG(NLMPROC4_CANCEL_MSG, "CANCEL_MSG", nlm4_cancargs, &CancelMsg4),
    NLM_MSG(NLMPROC4_UNLOCK_MSG, "UNLOCK_MSG", nlm4_unlockargs, &UnlockMsg4),
    NLM_MSG(NLMPROC4_GRANTED_MSG, "GRANTED_MSG", nlm4_testargs, &GrantedMsg4),
    NLM_MSG(NLMPROC4_TEST_RES, "TEST_RES", nlm4_testres, &IgnoredRes),
    NLM_MSG(NLMPROC4_LOCK_RES, "LOCK_RES", nlm4_res, &IgnoredRes),
    NLM_MSG(NLMPROC4_CANCEL_RES, "CANCEL_RES", nlm4_res, &IgnoredRes),
    NLM_MSG(NLMPROC4_UNLOCK_RES, "UNLOCK_RES", nlm4_res, &IgnoredRes),
    NLM_MSG(NLMPROC4_GRANTED_RES, "GRANTED_RES", nlm4_res, &GrantedRes4),
    NLM_PROC(NLMPROC4_SHARE, "SHARE", nlm4_shareargs, nlm4_shareres, &Share4),
    NLM_PROC(NLMPROC4_UNSHARE, "UNSHARE", nlm4_shareargs, nlm4_shareres, &Unshare4),
    NLM_PROC(NLMPROC4_NM_LOCK, "NM_LOCK", nlm4_lockargs, nlm4_res, &NmLock4),
    {NLMPROC4_FREE_ALL, "FREE_ALL", X(xdr_nlm4_notify), sizeof(nlm4_notify), kXdrVoid, 0, &FreeAll4,
     true},
};

#define NLM1_PROCEDURES                                                    \
  {NLM_NULL, "NULL", kXdrVoid, 0, kXdrVoid, 0, &Null, true},               \
      NLM_PROC(NLM_TEST, "TEST", nlm_testargs, nlm_testres, &Test1),       \
      NLM_PROC(NLM_LOCK, "LOCK", nlm_lockargs, nlm_res, &Lock1),           \
      NLM_PROC(NLM_CANCEL, "CANCEL", nlm_cancargs, nlm_res, &Cancel1),     \
      NLM_PROC(NLM_UNLOCK, "UNLOCK", nlm_unlockargs, nlm_res, &Unlock1),   \
      NLM_PROC(NLM_GRANTED, "GRANTED", nlm_testargs, nlm_res, &Granted1),  \
      NLM_MSG(NLM_TEST_MSG, "TEST_MSG", nlm_testargs, &TestMsg1),          \
      NLM_MSG(NLM_LOCK_MSG, "LOCK_MSG", nlm_lockargs, &LockMsg1),          \
      NLM_MSG(NLM_CANCEL_MSG, "CANCEL_MSG", nlm_cancargs, &CancelMsg1),    \
      NLM_MSG(NLM_UNLOCK_MSG, "UNLOCK_MSG", nlm_unlockargs, &UnlockMsg1),  \
      NLM_MSG(NLM_GRANTED_MSG, "GRANTED_MSG", nlm_testargs, &GrantedMsg1), \
      NLM_MSG(NLM_TEST_RES, "TEST_RES", nlm_testres, &IgnoredRes),         \
      NLM_MSG(NLM_LOCK_RES, "LOCK_RES", nlm_res, &IgnoredRes),             \
      NLM_MSG(NLM_CANCEL_RES, "CANCEL_RES", nlm_res, &IgnoredRes),         \
      NLM_MSG(NLM_UNLOCK_RES, "UNLOCK_RES", nlm_res, &IgnoredRes),         \
      NLM_MSG(NLM_GRANTED_RES, "GRANTED_RES", nlm_res, &GrantedRes1)

const rpc::Procedure kNlm1[] = {NLM1_PROCEDURES};
const rpc::Procedure kNlm3[] = {
    NLM1_PROCEDURES,
    NLM_PROC(NLM_SHARE, "SHARE", nlm_shareargs, nlm_shareres, &Share1),
    NLM_PROC(NLM_UNSHARE, "UNSHARE", nlm_shareargs, nlm_shareres, &Unshare1),
    NLM_PROC(NLM_NM_LOCK, "NM_LOCK", nlm_lockargs, nlm_res, &NmLock1),
    {NLM_FREE_ALL, "FREE_ALL", X(xdr_nlm_notify), sizeof(nlm_notify), kXdrVoid, 0, &FreeAll1, true},
};

}  // namespace

std::vector<rpc::ProgramVersion> NlmProgramVersions(NlmService* service) {
  auto version = [&](uint32_t vers, std::span<const rpc::Procedure> procs) {
    rpc::ProgramVersion pv{NLM_PROG, vers, "nlm", procs, service};
    pv.tcp = true;
    pv.udp = true;
    return pv;
  };
  return {version(NLM_VERS, kNlm1), version(NLM_VERSX, kNlm3), version(NLM4_VERS, kNlm4)};
}

}  // namespace volumed::nlm
