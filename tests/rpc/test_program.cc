#include "test_program.h"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "base/big_endian.h"
#include "rpc/null_program.h"

namespace volumed::rpc::testing {

namespace {

xdrproc_t P(bool_t (*f)(XDR*, u_int*)) { return reinterpret_cast<xdrproc_t>(f); }

Outcome Echo(void* s, const CallContext&, void* args, void* res) {
  const u_int arg = *static_cast<u_int*>(args);
  auto* st = static_cast<TestState*>(s);
  {
    std::lock_guard<std::mutex> l(st->echo_mu);
    st->echoes.emplace_back(arg, std::this_thread::get_id());
  }
  *static_cast<u_int*>(res) = arg + 1;
  return Outcome::kReply;
}
Outcome Throws(void*, const CallContext&, void*, void*) { throw std::runtime_error("boom"); }
Outcome Fails(void*, const CallContext&, void*, void*) { return Outcome::kSystemError; }
Outcome Garbage(void*, const CallContext&, void*, void*) { return Outcome::kGarbageArgs; }
Outcome NoReply(void* s, const CallContext&, void*, void*) {
  static_cast<TestState*>(s)->count++;
  return Outcome::kNoReply;
}
Outcome Count(void* s, const CallContext&, void*, void* res) {
  *static_cast<u_int*>(res) = ++static_cast<TestState*>(s)->count;
  return Outcome::kReply;
}
Outcome BadResult(void*, const CallContext&, void*, void*) { return Outcome::kReply; }
// An encoder that always fails, as one does on a value it cannot represent.
bool_t XdrUnencodable(XDR* xdrs, u_int*) { return xdrs->x_op == XDR_ENCODE ? FALSE : TRUE; }
Outcome Sleep(void* s, const CallContext&, void* args, void* res) {
  auto* st = static_cast<TestState*>(s);
  const uint32_t now = ++st->running;
  uint32_t prev = st->max_running.load();
  while (now > prev && !st->max_running.compare_exchange_weak(prev, now)) {
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(*static_cast<u_int*>(args)));
  --st->running;
  *static_cast<u_int*>(res) = *static_cast<u_int*>(args);
  return Outcome::kReply;
}
Outcome Who(void*, const CallContext& ctx, void*, void* res) {
  auto* w = static_cast<WhoAmI*>(res);
  w->uid = ctx.cred.uid;
  w->gid = ctx.cred.gid;
  w->ngids = static_cast<u_int>(ctx.cred.gids.size());
  w->local_peer_uid = static_cast<int>(ctx.local_peer_uid);
  return Outcome::kReply;
}
Outcome Gated(void* s, const CallContext& ctx, void* args, void* res) {
  *static_cast<u_int*>(res) = *static_cast<u_int*>(args) + 1;
  auto* state = static_cast<TestState*>(s);
  ctx.gate->Add([state](ReplyGate::Done done) {
    std::lock_guard<std::mutex> l(state->gate_mu);
    state->gates.push_back(std::move(done));
  });
  return Outcome::kReply;
}

// Answers 0xdead itself, and redirects the call to target `args` (CallContext::redirect).
Outcome Redirected(void* s, const CallContext& ctx, void* args, void* res) {
  static_cast<TestState*>(s)->count++;
  *static_cast<u_int*>(res) = 0xdead;
  if (ctx.redirect != nullptr) ctx.redirect->To(*static_cast<u_int*>(args));
  return Outcome::kReply;
}

Outcome Big(void*, const CallContext&, void* args, void* res) {
  const u_int n = *static_cast<u_int*>(args);
  auto* b = static_cast<Blob*>(res);
  b->val = static_cast<char*>(std::malloc(n ? n : 1));
  b->len = n;
  for (u_int i = 0; i < n; ++i) b->val[i] = static_cast<char>(i & 0xff);
  return Outcome::kReply;
}

}  // namespace

bool_t XdrBlob(XDR* xdrs, Blob* b) { return xdr_bytes(xdrs, &b->val, &b->len, 8u << 20); }
bool_t XdrWhoAmI(XDR* xdrs, WhoAmI* w) {
  return xdr_u_int(xdrs, &w->uid) && xdr_u_int(xdrs, &w->gid) && xdr_u_int(xdrs, &w->ngids) &&
         xdr_int(xdrs, &w->local_peer_uid);
}

// An ECHO of a number below kHeavyEcho is light (rpc/program.h, LightCall).
bool LightEcho(std::span<const uint8_t> args) {
  return args.size() >= 4 && LoadBigEndian<uint32_t>(args.data()) < kHeavyEcho;
}

std::span<const Procedure> TestProcedures() {
  static const Procedure kTable[] = {
      NullProcedure(),
      {kEcho, "ECHO", P(xdr_u_int), sizeof(u_int), P(xdr_u_int), sizeof(u_int), Echo, true,
       Runs::kReactorWhenIdle, LightEcho},
      {kThrows, "THROWS", XdrVoid(), 0, XdrVoid(), 0, Throws, true},
      {kFails, "FAILS", XdrVoid(), 0, XdrVoid(), 0, Fails, true},
      {kGarbage, "GARBAGE", XdrVoid(), 0, XdrVoid(), 0, Garbage, true},
      {kNoReply, "NOREPLY", XdrVoid(), 0, XdrVoid(), 0, NoReply, false},
      {kCount, "COUNT", XdrVoid(), 0, P(xdr_u_int), sizeof(u_int), Count, false},
      {kBadResult, "BADRESULT", XdrVoid(), 0, P(XdrUnencodable), sizeof(u_int), BadResult, true},
      {kSleep, "SLEEP", P(xdr_u_int), sizeof(u_int), P(xdr_u_int), sizeof(u_int), Sleep, true},
      {kWhoAmI, "WHOAMI", XdrVoid(), 0, reinterpret_cast<xdrproc_t>(XdrWhoAmI), sizeof(WhoAmI), Who,
       true},
      {kBig, "BIG", P(xdr_u_int), sizeof(u_int), reinterpret_cast<xdrproc_t>(XdrBlob), sizeof(Blob),
       Big, true},
      {kGated, "GATED", P(xdr_u_int), sizeof(u_int), P(xdr_u_int), sizeof(u_int), Gated, false},
      {kRedirect, "REDIRECT", P(xdr_u_int), sizeof(u_int), P(xdr_u_int), sizeof(u_int), Redirected,
       false, Runs::kReactorWhenIdle},
  };
  return kTable;
}

ProgramVersion TestProgram(uint32_t vers, TestState* state, bool tcp, bool udp) {
  ProgramVersion pv;
  pv.prog = kTestProg;
  pv.vers = vers;
  pv.name = "test";
  pv.procedures = TestProcedures();
  pv.state = state;
  pv.tcp = tcp;
  pv.udp = udp;
  return pv;
}

}  // namespace volumed::rpc::testing
