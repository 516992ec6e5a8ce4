#include "nlm/nlm_program.h"

#include <rpc/rpc.h>

#include <cstring>
#include <utility>

#include "nlm/nlm_status.h"
#include "nlm4_prot.h"
#include "rpc/procedure_table.h"
#include "rpc/xdr_alloc.h"
#include "rpc/xdr_enum.h"

namespace volumed::nlm {
namespace {

using rpc::CallContext;
using rpc::kIdempotent;
using rpc::kXdrVoid;
using rpc::Outcome;
using rpc::Proc;
using S = NlmService;

// ---- version 4: NlmService's methods, and these for what they do not cover ----

// The version the client spoke is the one its GRANTED callback will use.
void Lock(NlmService& s, const CallContext& ctx, const nlm4_lockargs& args, nlm4_res& res) {
  s.Lock(ctx, ctx.vers, args, /*monitored=*/true, &res);
}
void NmLock(NlmService& s, const CallContext& ctx, const nlm4_lockargs& args, nlm4_res& res) {
  s.Lock(ctx, ctx.vers, args, /*monitored=*/false, &res);
}
// We never ask a client for a lock, so a grant to us is refused.
void Granted(NlmService&, const CallContext&, const nlm4_testargs& args, nlm4_res& res) {
  res.cookie.nlm_netobj_val =
      rpc::XdrDupBytes(args.cookie.nlm_netobj_val, args.cookie.nlm_netobj_len);
  res.cookie.nlm_netobj_len = args.cookie.nlm_netobj_len;
  res.stat.stat = NLM4_DENIED;
}
void FreeAll(NlmService& s, const CallContext& ctx, const nlm4_notify& args, rpc::Void&) {
  s.FreeAll(ctx, args);
}
// GRANTED_RES settles a GRANTED_MSG we sent. Any answer but GRANTED (including values
// outside the enum) refuses the lock.
Outcome GrantedRes(NlmService& s, const CallContext& ctx, const nlm4_res& res, rpc::Void&) {
  s.GrantedRes(ctx, res.cookie,
               rpc::RawEnum(res.stat.stat) == NLM4_GRANTED ? NLM4_GRANTED : NLM4_DENIED);
  return Outcome::kNoReply;
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

// A v1/v3 procedure: the v4 procedure `V4` on widened arguments, its result narrowed.
template <auto V4, typename Args1, typename Res1>
void Compat(NlmService& s, const CallContext& ctx, const Args1& args, Res1& res) {
  rpc::HandlerResult<V4> res4{};
  rpc::CallHandler<V4>(s, ctx, Widen(args), res4);
  Narrow(std::move(res4), &res);
}
template <auto V4, typename Args1>
void CompatNoResult(NlmService& s, const CallContext& ctx, const Args1& args, rpc::Void& none) {
  rpc::CallHandler<V4>(s, ctx, Widen(args), none);
}
Outcome GrantedRes1(NlmService& s, const CallContext& ctx, const nlm_res& res, rpc::Void&) {
  s.GrantedRes(ctx, res.cookie,
               rpc::RawEnum(res.stat.stat) == LCK_GRANTED ? NLM4_GRANTED : NLM4_DENIED);
  return Outcome::kNoReply;
}

// The synchronous v1/v3 procedures, named once for their table rows and _MSG forms.
constexpr auto kTest1 = &Compat<&S::Test, nlm_testargs, nlm_testres>;
constexpr auto kLock1 = &Compat<&Lock, nlm_lockargs, nlm_res>;
constexpr auto kCancel1 = &Compat<&S::Cancel, nlm_cancargs, nlm_res>;
constexpr auto kUnlock1 = &Compat<&S::Unlock, nlm_unlockargs, nlm_res>;
constexpr auto kGranted1 = &Compat<&Granted, nlm_testargs, nlm_res>;

// ---- the forms every version shares ----

// A _MSG form: runs the synchronous procedure `Sync` into a local result, sends that to
// the caller's _RES procedure `kResProc`, and answers nothing.
template <auto Sync, uint32_t kResProc, auto kXdrResult>
Outcome Msg(NlmService& s, const CallContext& ctx, const rpc::HandlerArgs<Sync>& args, rpc::Void&) {
  rpc::HandlerResult<Sync> res{};
  rpc::CallHandler<Sync>(s, ctx, args, res);
  s.SendResult(ctx, kResProc, rpc::XdrProc(kXdrResult), &res);
  xdr_free(rpc::XdrProc(kXdrResult), reinterpret_cast<char*>(&res));
  return Outcome::kNoReply;
}
template <auto Sync, uint32_t kResProc, auto kXdrResult>
rpc::Procedure MsgProc(uint32_t number, const char* name,
                       bool_t (*xdr_args)(XDR*, rpc::HandlerArgs<Sync>*)) {
  return Proc<&Msg<Sync, kResProc, kXdrResult>>(number, name, xdr_args, kXdrVoid, kIdempotent);
}

// A _RES form of a request we never make: ignored.
template <typename Res>
Outcome Ignore(NlmService&, const CallContext&, const Res&, rpc::Void&) {
  return Outcome::kNoReply;
}
template <typename Res>
rpc::Procedure IgnoredProc(uint32_t number, const char* name, bool_t (*xdr_res)(XDR*, Res*)) {
  return Proc<&Ignore<Res>>(number, name, xdr_res, kXdrVoid, kIdempotent);
}

// Every lock procedure is idempotent in effect (the lock manager is keyed by owner and
// range), so none needs the duplicate-request cache.
const rpc::Procedure kNlm4[] = {
    rpc::NullProc(NLMPROC4_NULL),
    Proc<&S::Test>(NLMPROC4_TEST, "TEST", xdr_nlm4_testargs, xdr_nlm4_testres, kIdempotent),
    Proc<&Lock>(NLMPROC4_LOCK, "LOCK", xdr_nlm4_lockargs, xdr_nlm4_res, kIdempotent),
    Proc<&S::Cancel>(NLMPROC4_CANCEL, "CANCEL", xdr_nlm4_cancargs, xdr_nlm4_res, kIdempotent),
    Proc<&S::Unlock>(NLMPROC4_UNLOCK, "UNLOCK", xdr_nlm4_unlockargs, xdr_nlm4_res, kIdempotent),
    Proc<&Granted>(NLMPROC4_GRANTED, "GRANTED", xdr_nlm4_testargs, xdr_nlm4_res, kIdempotent),
    MsgProc<&S::Test, NLMPROC4_TEST_RES, xdr_nlm4_testres>(NLMPROC4_TEST_MSG, "TEST_MSG",
                                                           xdr_nlm4_testargs),
    MsgProc<&Lock, NLMPROC4_LOCK_RES, xdr_nlm4_res>(NLMPROC4_LOCK_MSG, "LOCK_MSG",
                                                    xdr_nlm4_lockargs),
    MsgProc<&S::Cancel, NLMPROC4_CANCEL_RES, xdr_nlm4_res>(NLMPROC4_CANCEL_MSG, "CANCEL_MSG",
                                                           xdr_nlm4_cancargs),
    MsgProc<&S::Unlock, NLMPROC4_UNLOCK_RES, xdr_nlm4_res>(NLMPROC4_UNLOCK_MSG, "UNLOCK_MSG",
                                                           xdr_nlm4_unlockargs),
    MsgProc<&Granted, NLMPROC4_GRANTED_RES, xdr_nlm4_res>(NLMPROC4_GRANTED_MSG, "GRANTED_MSG",
                                                          xdr_nlm4_testargs),
    IgnoredProc(NLMPROC4_TEST_RES, "TEST_RES", xdr_nlm4_testres),
    IgnoredProc(NLMPROC4_LOCK_RES, "LOCK_RES", xdr_nlm4_res),
    IgnoredProc(NLMPROC4_CANCEL_RES, "CANCEL_RES", xdr_nlm4_res),
    IgnoredProc(NLMPROC4_UNLOCK_RES, "UNLOCK_RES", xdr_nlm4_res),
    Proc<&GrantedRes>(NLMPROC4_GRANTED_RES, "GRANTED_RES", xdr_nlm4_res, kXdrVoid, kIdempotent),
    Proc<&S::Share>(NLMPROC4_SHARE, "SHARE", xdr_nlm4_shareargs, xdr_nlm4_shareres, kIdempotent),
    Proc<&S::Unshare>(NLMPROC4_UNSHARE, "UNSHARE", xdr_nlm4_shareargs, xdr_nlm4_shareres,
                      kIdempotent),
    Proc<&NmLock>(NLMPROC4_NM_LOCK, "NM_LOCK", xdr_nlm4_lockargs, xdr_nlm4_res, kIdempotent),
    Proc<&FreeAll>(NLMPROC4_FREE_ALL, "FREE_ALL", xdr_nlm4_notify, kXdrVoid, kIdempotent),
};

// Version 1: procedures 0-15.
const rpc::Procedure kNlm1[] = {
    rpc::NullProc(NLM_NULL),
    Proc<kTest1>(NLM_TEST, "TEST", xdr_nlm_testargs, xdr_nlm_testres, kIdempotent),
    Proc<kLock1>(NLM_LOCK, "LOCK", xdr_nlm_lockargs, xdr_nlm_res, kIdempotent),
    Proc<kCancel1>(NLM_CANCEL, "CANCEL", xdr_nlm_cancargs, xdr_nlm_res, kIdempotent),
    Proc<kUnlock1>(NLM_UNLOCK, "UNLOCK", xdr_nlm_unlockargs, xdr_nlm_res, kIdempotent),
    Proc<kGranted1>(NLM_GRANTED, "GRANTED", xdr_nlm_testargs, xdr_nlm_res, kIdempotent),
    MsgProc<kTest1, NLM_TEST_RES, xdr_nlm_testres>(NLM_TEST_MSG, "TEST_MSG", xdr_nlm_testargs),
    MsgProc<kLock1, NLM_LOCK_RES, xdr_nlm_res>(NLM_LOCK_MSG, "LOCK_MSG", xdr_nlm_lockargs),
    MsgProc<kCancel1, NLM_CANCEL_RES, xdr_nlm_res>(NLM_CANCEL_MSG, "CANCEL_MSG", xdr_nlm_cancargs),
    MsgProc<kUnlock1, NLM_UNLOCK_RES, xdr_nlm_res>(NLM_UNLOCK_MSG, "UNLOCK_MSG",
                                                   xdr_nlm_unlockargs),
    MsgProc<kGranted1, NLM_GRANTED_RES, xdr_nlm_res>(NLM_GRANTED_MSG, "GRANTED_MSG",
                                                     xdr_nlm_testargs),
    IgnoredProc(NLM_TEST_RES, "TEST_RES", xdr_nlm_testres),
    IgnoredProc(NLM_LOCK_RES, "LOCK_RES", xdr_nlm_res),
    IgnoredProc(NLM_CANCEL_RES, "CANCEL_RES", xdr_nlm_res),
    IgnoredProc(NLM_UNLOCK_RES, "UNLOCK_RES", xdr_nlm_res),
    Proc<&GrantedRes1>(NLM_GRANTED_RES, "GRANTED_RES", xdr_nlm_res, kXdrVoid, kIdempotent),
};

// Version 3: version 1 plus procedures 20-23.
const rpc::Procedure kNlm3Extra[] = {
    Proc<&Compat<&S::Share, nlm_shareargs, nlm_shareres>>(NLM_SHARE, "SHARE", xdr_nlm_shareargs,
                                                          xdr_nlm_shareres, kIdempotent),
    Proc<&Compat<&S::Unshare, nlm_shareargs, nlm_shareres>>(
        NLM_UNSHARE, "UNSHARE", xdr_nlm_shareargs, xdr_nlm_shareres, kIdempotent),
    Proc<&Compat<&NmLock, nlm_lockargs, nlm_res>>(NLM_NM_LOCK, "NM_LOCK", xdr_nlm_lockargs,
                                                  xdr_nlm_res, kIdempotent),
    Proc<&CompatNoResult<&FreeAll, nlm_notify>>(NLM_FREE_ALL, "FREE_ALL", xdr_nlm_notify, kXdrVoid,
                                                kIdempotent),
};

std::span<const rpc::Procedure> Nlm3() {
  static const std::vector<rpc::Procedure> kNlm3 = [] {
    std::vector<rpc::Procedure> all(std::begin(kNlm1), std::end(kNlm1));
    all.insert(all.end(), std::begin(kNlm3Extra), std::end(kNlm3Extra));
    return all;
  }();
  return kNlm3;
}

// nlm4_stats (and nlm_stats of versions 1 and 3, which are its first five), without the
// version prefix so that one name serves every version.
constexpr rpc::NamedStatus kNlmStatuses[] = {
    {0, "GRANTED"},
    {1, "DENIED"},
    {2, "DENIED_NOLOCKS"},
    {3, "BLOCKED"},
    {4, "DENIED_GRACE_PERIOD"},
    {5, "DEADLCK"},
    {6, "ROFS"},
    {7, "STALE_FH"},
    {8, "FBIG"},
    {9, "FAILED"},
};
// The procedures answered with nlm_res / nlm4_res / nlm_testres (TEST, LOCK, CANCEL,
// UNLOCK, GRANTED; SHARE, UNSHARE, NM_LOCK).
constexpr uint32_t kStatusProcedures[] = {1, 2, 3, 4, 5, 20, 21, 22};

}  // namespace

std::vector<rpc::ProgramVersion> NlmProgramVersions(NlmService* service) {
  auto version = [&](uint32_t vers, std::span<const rpc::Procedure> procs) {
    return rpc::ProgramVersion{.prog = NLM_PROG,
                               .vers = vers,
                               .name = "nlm",
                               .procedures = procs,
                               .state = service,
                               .tcp = true,
                               .udp = true,
                               .result_status = {.at = rpc::ResultStatus::At::kAfterCookie,
                                                 .names = kNlmStatuses,
                                                 .procedures = kStatusProcedures}};
  };
  return {version(NLM_VERS, kNlm1), version(NLM_VERSX, Nlm3()), version(NLM4_VERS, kNlm4)};
}

}  // namespace volumed::nlm
