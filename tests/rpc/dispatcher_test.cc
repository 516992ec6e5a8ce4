// Every reject and accept status the dispatcher produces, and the duplicate-request
// cache as seen through it.
#include "rpc/dispatcher.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <thread>

#include "dispatch_now.h"
#include "rpc/auth_sys.h"
#include "rpc/call_codec.h"
#include "rpc/call_forwarder.h"
#include "rpc/wire.h"
#include "rpc_test_util.h"
#include "test_program.h"

namespace volumed::rpc {
namespace {

using testing::kTestProg;
using testing::ParsedReply;
using testing::ParseReply;

std::vector<uint8_t> U32Arg(uint32_t v) {
  WireWriter w;
  w.U32(v);
  return std::move(w).Take();
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : drc_(100, 1 << 20), dispatcher_(&drc_) {
    EXPECT_TRUE(dispatcher_.Add(testing::TestProgram(2, &state_)).ok());
    EXPECT_TRUE(dispatcher_.Add(testing::TestProgram(4, &state_)).ok());
    auto* sin = reinterpret_cast<sockaddr_in*>(&base_.peer);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(800);
    sin->sin_addr.s_addr = htonl(0x0a000001);
    base_.peer_len = sizeof(sockaddr_in);
  }

  std::optional<std::vector<uint8_t>> Raw(const std::vector<uint8_t>& record) {
    return testing::DispatchNow(dispatcher_, record, base_);
  }
  ParsedReply Call(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                   std::vector<uint8_t> args = {}, uint32_t flavor = AUTH_NONE,
                   std::vector<uint8_t> cred = {}) {
    auto reply = Raw(EncodeCall(xid, prog, vers, proc, flavor, cred, args));
    EXPECT_TRUE(reply.has_value());
    if (!reply) return {};
    auto parsed = ParseReply(ReplyPayload(*reply));
    EXPECT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->xid, xid);
    return parsed.value_or(ParsedReply{});
  }

  testing::TestState state_;
  DuplicateRequestCache drc_;
  Dispatcher dispatcher_;
  CallContext base_;
};

TEST_F(DispatcherTest, Success) {
  ParsedReply r = Call(1, kTestProg, 2, testing::kEcho, U32Arg(41));
  EXPECT_EQ(r.reply_stat, 0u);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
  EXPECT_EQ(r.results, U32Arg(42));
  r = Call(2, kTestProg, 4, testing::kNull);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
  EXPECT_TRUE(r.results.empty());
}

// The reactor asks where a call runs before decoding it: the table's answer for the
// program, version and procedure in the header; kWorker for anything it cannot place.
TEST_F(DispatcherTest, WhereToRunFollowsTheProcedureTable) {
  auto where = [&](uint32_t prog, uint32_t vers, uint32_t proc) {
    return dispatcher_.WhereToRun(EncodeCall(1, prog, vers, proc, AUTH_NONE, {}, U32Arg(1)));
  };
  EXPECT_EQ(where(kTestProg, 2, testing::kNull), Runs::kReactor);
  EXPECT_EQ(where(kTestProg, 4, testing::kEcho), Runs::kReactorWhenIdle);
  EXPECT_EQ(where(kTestProg, 2, testing::kCount), Runs::kWorker);
  EXPECT_EQ(where(kTestProg, 2, 999), Runs::kWorker);             // no such procedure
  EXPECT_EQ(where(kTestProg, 3, testing::kEcho), Runs::kWorker);  // no such version
  EXPECT_EQ(where(kTestProg + 1, 2, testing::kEcho), Runs::kWorker);
  std::vector<uint8_t> call = EncodeCall(1, kTestProg, 2, testing::kEcho, AUTH_NONE, {}, {});
  std::vector<uint8_t> reply = call;
  reply[7] = REPLY;  // msg_type, the second word
  EXPECT_EQ(dispatcher_.WhereToRun(reply), Runs::kWorker);
  call.resize(22);  // cut inside the procedure number (bytes 20-23)
  EXPECT_EQ(dispatcher_.WhereToRun(call), Runs::kWorker);
}

// A procedure with a LightCall runs on the reactor only for the calls it says are light;
// arguments it cannot read, or a header that does not decode, send the call to a worker.
TEST_F(DispatcherTest, WhereToRunAsksTheProceduresLightCall) {
  auto where = [&](std::vector<uint8_t> args, uint32_t flavor = AUTH_NONE) {
    std::vector<uint8_t> cred(flavor == AUTH_NONE ? 0 : 3);  // 3 bytes: never valid
    return dispatcher_.WhereToRun(EncodeCall(1, kTestProg, 4, testing::kEcho, flavor, cred, args));
  };
  EXPECT_EQ(where(U32Arg(7)), Runs::kReactorWhenIdle);
  EXPECT_EQ(where(U32Arg(testing::kHeavyEcho)), Runs::kWorker);
  EXPECT_EQ(where({}), Runs::kWorker);                   // no argument to judge
  EXPECT_EQ(where(U32Arg(7), AUTH_SYS), Runs::kWorker);  // a malformed credential
}

TEST_F(DispatcherTest, RpcMismatch) {
  WireWriter w;
  for (uint32_t v : {5u, 0u, 3u, kTestProg, 2u, 0u, 0u, 0u, 0u, 0u}) w.U32(v);
  auto reply = Raw(w.bytes());
  ASSERT_TRUE(reply.has_value());
  auto r = ParseReply(ReplyPayload(*reply));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->xid, 5u);
  EXPECT_EQ(r->reply_stat, 1u);
  EXPECT_EQ(r->reject_stat, 0u);
  EXPECT_EQ(r->low, 2u);
  EXPECT_EQ(r->high, 2u);
}

TEST_F(DispatcherTest, AuthErrors) {
  ParsedReply r = Call(3, kTestProg, 2, testing::kNull, {}, 6 /*RPCSEC_GSS*/, {});
  EXPECT_EQ(r.reply_stat, 1u);
  EXPECT_EQ(r.reject_stat, 1u);
  EXPECT_EQ(r.auth_stat, static_cast<uint32_t>(AUTH_BADCRED));
  r = Call(4, kTestProg, 2, testing::kNull, {}, 2 /*AUTH_SHORT*/, {0, 0, 0, 1});
  EXPECT_EQ(r.auth_stat, static_cast<uint32_t>(AUTH_REJECTEDCRED));
  std::vector<uint32_t> gids(17, 1);
  r = Call(5, kTestProg, 2, testing::kNull, {}, AUTH_SYS, EncodeAuthSys(0, "h", 0, 0, gids));
  EXPECT_EQ(r.auth_stat, static_cast<uint32_t>(AUTH_BADCRED));
}

TEST_F(DispatcherTest, AuthTooWeakWhenTheProgramRequiresAuthSys) {
  DuplicateRequestCache drc(10, 1000);
  Dispatcher strict(&drc);
  ProgramVersion pv = testing::TestProgram(1, &state_);
  pv.require_auth_sys = true;
  ASSERT_TRUE(strict.Add(pv).ok());
  auto reply = testing::DispatchNow(
      strict, EncodeCall(6, kTestProg, 1, testing::kEcho, AUTH_NONE, {}, U32Arg(1)), base_);
  ASSERT_TRUE(reply.has_value());
  auto r = ParseReply(ReplyPayload(*reply));
  EXPECT_EQ(r->reject_stat, 1u);
  EXPECT_EQ(r->auth_stat, static_cast<uint32_t>(AUTH_TOOWEAK));
  // NULL stays reachable without credentials; AUTH_SYS passes.
  reply = testing::DispatchNow(strict, EncodeCall(7, kTestProg, 1, 0, AUTH_NONE, {}), base_);
  EXPECT_EQ(ParseReply(ReplyPayload(*reply))->accept_stat, 0u);
  reply = testing::DispatchNow(strict,
                               EncodeCall(8, kTestProg, 1, testing::kEcho, AUTH_SYS,
                                          EncodeAuthSys(0, "h", 1, 1, {}), U32Arg(1)),
                               base_);
  EXPECT_EQ(ParseReply(ReplyPayload(*reply))->accept_stat, 0u);
}

TEST_F(DispatcherTest, AuthTooWeakFromAnUnprivilegedPortWhenRequired) {
  DuplicateRequestCache drc(10, 1000);
  Dispatcher strict(&drc);
  ProgramVersion pv = testing::TestProgram(1, &state_);
  pv.require_privileged_port = true;
  ASSERT_TRUE(strict.Add(pv).ok());
  auto from_port = [&](Transport t, uint16_t port, uint32_t xid, uint32_t proc) {
    CallContext ctx = base_;
    ctx.transport = t;
    reinterpret_cast<sockaddr_in*>(&ctx.peer)->sin_port = htons(port);
    auto reply = testing::DispatchNow(
        strict,
        EncodeCall(xid, kTestProg, 1, proc, AUTH_SYS, EncodeAuthSys(0, "h", 1, 1, {}), U32Arg(1)),
        ctx);
    EXPECT_TRUE(reply.has_value());
    return ParseReply(ReplyPayload(*reply)).value_or(ParsedReply{});
  };
  for (Transport t : {Transport::kTcp, Transport::kUdp}) {
    ParsedReply r = from_port(t, 1024, 20, testing::kEcho);
    EXPECT_EQ(r.reply_stat, 1u);
    EXPECT_EQ(r.reject_stat, 1u);
    EXPECT_EQ(r.auth_stat, static_cast<uint32_t>(AUTH_TOOWEAK));
    r = from_port(t, 40000, 21, testing::kEcho);
    EXPECT_EQ(r.auth_stat, static_cast<uint32_t>(AUTH_TOOWEAK));
    r = from_port(t, 1023, 22, testing::kEcho);
    EXPECT_EQ(r.reply_stat, 0u);
    EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
    EXPECT_EQ(r.results, U32Arg(2));
    // NULL stays reachable from any port (a ping).
    r = from_port(t, 40000, 23, testing::kNull);
    EXPECT_EQ(r.reply_stat, 0u);
    EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
  }
  // The Unix socket has no ports and is never refused.
  CallContext local;
  local.transport = Transport::kLocal;
  local.peer.ss_family = AF_UNIX;
  auto reply = testing::DispatchNow(strict,
                                    EncodeCall(24, kTestProg, 1, testing::kEcho, AUTH_SYS,
                                               EncodeAuthSys(0, "h", 1, 1, {}), U32Arg(1)),
                                    local);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(ParseReply(ReplyPayload(*reply))->accept_stat, 0u);
  // Without the flag an unprivileged port is served.
  reinterpret_cast<sockaddr_in*>(&base_.peer)->sin_port = htons(40000);
  ParsedReply r = Call(25, kTestProg, 2, testing::kEcho, U32Arg(1));
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
}

TEST_F(DispatcherTest, ProgUnavailAndMismatch) {
  ParsedReply r = Call(10, 100003, 3, 0);
  EXPECT_EQ(r.reply_stat, 0u);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(PROG_UNAVAIL));
  r = Call(11, kTestProg, 3, 0);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(PROG_MISMATCH));
  EXPECT_EQ(r.low, 2u);
  EXPECT_EQ(r.high, 4u);
}

TEST_F(DispatcherTest, ProcUnavail) {
  ParsedReply r = Call(12, kTestProg, 2, 99);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(PROC_UNAVAIL));
}

TEST_F(DispatcherTest, GarbageArgs) {
  ParsedReply r = Call(13, kTestProg, 2, testing::kEcho, {0, 1});  // half a u_int
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
  r = Call(14, kTestProg, 2, testing::kGarbage);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
  r = Call(15, kTestProg, 2, testing::kEcho, {});  // no arguments at all
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
}

TEST_F(DispatcherTest, SystemErr) {
  EXPECT_EQ(Call(16, kTestProg, 2, testing::kThrows).accept_stat,
            static_cast<uint32_t>(SYSTEM_ERR));
  EXPECT_EQ(Call(17, kTestProg, 2, testing::kFails).accept_stat, static_cast<uint32_t>(SYSTEM_ERR));
  EXPECT_EQ(Call(18, kTestProg, 2, testing::kBadResult).accept_stat,
            static_cast<uint32_t>(SYSTEM_ERR));
}

TEST_F(DispatcherTest, NoReplyAndDroppedMessages) {
  EXPECT_FALSE(Raw(EncodeCall(19, kTestProg, 2, testing::kNoReply, AUTH_NONE, {})).has_value());
  EXPECT_EQ(state_.count.load(), 1u);
  EXPECT_FALSE(Raw({}).has_value());
  EXPECT_FALSE(Raw({0, 0, 0, 1, 0, 0, 0, 1}).has_value());  // a REPLY, not a call
}

TEST_F(DispatcherTest, DuplicateNonIdempotentCallIsReplayed) {
  ParsedReply first = Call(20, kTestProg, 2, testing::kCount);
  ParsedReply again = Call(20, kTestProg, 2, testing::kCount);
  EXPECT_EQ(state_.count.load(), 1u);
  EXPECT_EQ(first.results, again.results);
  // A new xid runs again; so does the same xid from another port.
  Call(21, kTestProg, 2, testing::kCount);
  EXPECT_EQ(state_.count.load(), 2u);
  reinterpret_cast<sockaddr_in*>(&base_.peer)->sin_port = htons(801);
  Call(20, kTestProg, 2, testing::kCount);
  EXPECT_EQ(state_.count.load(), 3u);
  // Idempotent procedures are never cached.
  Call(22, kTestProg, 2, testing::kEcho, U32Arg(1));
  Call(22, kTestProg, 2, testing::kEcho, U32Arg(1));
  EXPECT_EQ(drc_.size(), 3u);
  // A cached "no reply" stays silent on replay and does not run twice.
  EXPECT_FALSE(Raw(EncodeCall(23, kTestProg, 2, testing::kNoReply, AUTH_NONE, {})).has_value());
  EXPECT_FALSE(Raw(EncodeCall(23, kTestProg, 2, testing::kNoReply, AUTH_NONE, {})).has_value());
  EXPECT_EQ(state_.count.load(), 4u);
}

TEST_F(DispatcherTest, CredentialsReachTheHandler) {
  std::vector<uint32_t> gids = {1, 2, 3};
  ParsedReply r =
      Call(30, kTestProg, 2, testing::kWhoAmI, {}, AUTH_SYS, EncodeAuthSys(0, "m", 1000, 50, gids));
  ASSERT_EQ(r.accept_stat, 0u);
  WireReader in(r.results);
  uint32_t uid = 0, gid = 0, ngids = 0;
  ASSERT_TRUE(in.U32(&uid) && in.U32(&gid) && in.U32(&ngids));
  EXPECT_EQ(uid, 1000u);
  EXPECT_EQ(gid, 50u);
  EXPECT_EQ(ngids, 3u);
}

// A gated reply is sent only when its gate opens, by the thread that opens it; until then
// a retransmission is dropped (in progress), afterwards it is replayed from the cache.
TEST_F(DispatcherTest, GatedReplyWaitsForItsGateAndIsCachedWhenSent) {
  std::vector<std::optional<std::vector<uint8_t>>> sent;
  const auto call = EncodeCall(40, kTestProg, 2, testing::kGated, AUTH_NONE, {}, U32Arg(7));
  auto keep = [&](std::optional<Reply> reply) {
    sent.push_back(reply ? std::optional(reply->Flatten()) : std::nullopt);
  };
  dispatcher_.Dispatch(call, base_, keep);
  EXPECT_TRUE(sent.empty());
  ASSERT_EQ(state_.gates.size(), 1u);
  dispatcher_.Dispatch(call, base_, keep);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].has_value());   // the duplicate of an in-progress call: dropped
  EXPECT_EQ(state_.gates.size(), 1u);  // and not executed again

  std::thread opener([&] { state_.gates[0](true); });
  opener.join();
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(sent[1].has_value());
  auto r = ParseReply(ReplyPayload(*sent[1]));
  EXPECT_EQ(r->xid, 40u);
  EXPECT_EQ(r->results, U32Arg(8));
  auto replay = Raw(call);  // now answered from the cache, without the handler
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(*replay, *sent[1]);
  EXPECT_EQ(state_.gates.size(), 1u);
}

// A gate that fails (the store could not make the change durable) answers SYSTEM_ERR and
// leaves nothing cached: a retransmission executes again.
TEST_F(DispatcherTest, FailedGateAnswersSystemErrAndCachesNothing) {
  std::optional<std::vector<uint8_t>> sent;
  const auto call = EncodeCall(41, kTestProg, 2, testing::kGated, AUTH_NONE, {}, U32Arg(1));
  dispatcher_.Dispatch(call, base_, [&](std::optional<Reply> reply) {
    sent = reply ? std::optional(reply->Flatten()) : std::nullopt;
  });
  ASSERT_EQ(state_.gates.size(), 1u);
  state_.gates[0](false);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(ParseReply(ReplyPayload(*sent))->accept_stat, static_cast<uint32_t>(SYSTEM_ERR));
  dispatcher_.Dispatch(call, base_, [&](std::optional<Reply> reply) {
    sent = reply ? std::optional(reply->Flatten()) : std::nullopt;
  });
  EXPECT_EQ(state_.gates.size(), 2u);
}

TEST_F(DispatcherTest, DuplicateRegistrationIsRefused) {
  EXPECT_FALSE(dispatcher_.Add(testing::TestProgram(2, &state_)).ok());
}

// A forwarder that answers at once: 1000 + target, or declines targets >= 100.
class FakeForwarder : public CallForwarder {
 public:
  void Forward(ForwardedCall call, void* result, Done done) override {
    calls.push_back(call);
    if (call.target >= 100) return done(Status(Status::Code::kBusy, "declined"));
    *static_cast<u_int*>(result) = 1000 + static_cast<u_int>(call.target);
    done(Status::Ok());
  }
  std::vector<ForwardedCall> calls;
};

class ForwardingDispatcherTest : public DispatcherTest {
 protected:
  ForwardingDispatcherTest() : forwarding_(&drc_) {
    ProgramVersion pv = testing::TestProgram(2, &state_);
    pv.forwarder = &forwarder_;
    EXPECT_TRUE(forwarding_.Add(pv).ok());
  }
  ParsedReply Forwarded(uint32_t xid, uint32_t target, std::vector<uint8_t> cred = {}) {
    auto reply =
        testing::DispatchNow(forwarding_,
                             EncodeCall(xid, kTestProg, 2, testing::kRedirect,
                                        cred.empty() ? AUTH_NONE : AUTH_SYS, cred, U32Arg(target)),
                             base_);
    EXPECT_TRUE(reply.has_value());
    auto parsed = ParseReply(ReplyPayload(reply.value_or(std::vector<uint8_t>{})));
    EXPECT_TRUE(parsed.has_value());
    return parsed.value_or(ParsedReply{});
  }

  FakeForwarder forwarder_;
  Dispatcher forwarding_;
};

// A redirected call of a version with a forwarder is answered with the other server's
// result; the forwarder gets the arguments as they arrived and the caller's identity.
TEST_F(ForwardingDispatcherTest, ARedirectedCallIsAnsweredWithTheForwardedResult) {
  const std::vector<uint32_t> gids = {4, 27};
  const std::vector<uint8_t> who = EncodeAuthSys(0, "client", 1000, 100, gids);
  ParsedReply r = Forwarded(7, 5, who);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
  EXPECT_EQ(r.results, U32Arg(1005));
  ASSERT_EQ(forwarder_.calls.size(), 1u);
  const ForwardedCall& call = forwarder_.calls[0];
  EXPECT_EQ(call.target, 5u);
  EXPECT_EQ(call.prog, kTestProg);
  EXPECT_EQ(call.vers, 2u);
  EXPECT_EQ(call.proc, static_cast<uint32_t>(testing::kRedirect));
  EXPECT_STREQ(call.name, "REDIRECT");
  EXPECT_EQ(call.args, U32Arg(5));
  EXPECT_EQ(call.cred.uid, 1000u);
  EXPECT_EQ(call.cred.gid, 100u);
  EXPECT_EQ(call.cred.machine_name, "client");
  EXPECT_EQ(call.cred.gids, (std::vector<uint32_t>{4, 27}));
  EXPECT_EQ(reinterpret_cast<const sockaddr_in&>(call.peer).sin_addr.s_addr, htonl(0x0a000001));

  // The relayed answer is what the duplicate-request cache replays.
  r = Forwarded(7, 5, who);
  EXPECT_EQ(r.results, U32Arg(1005));
  EXPECT_EQ(forwarder_.calls.size(), 1u);
  EXPECT_EQ(state_.count.load(), 1u);
}

// Declined: the handler's own result is the answer.
TEST_F(ForwardingDispatcherTest, ADeclinedForwardIsAnsweredByTheHandler) {
  ParsedReply r = Forwarded(8, 100);
  EXPECT_EQ(r.accept_stat, static_cast<uint32_t>(SUCCESS));
  EXPECT_EQ(r.results, U32Arg(0xdead));
  EXPECT_EQ(forwarder_.calls.size(), 1u);
}

// Calls that are not redirected, and versions without a forwarder, never reach it.
TEST_F(ForwardingDispatcherTest, OnlyRedirectedCallsOfForwardingVersionsAreForwarded) {
  auto echo = testing::DispatchNow(
      forwarding_, EncodeCall(9, kTestProg, 2, testing::kEcho, AUTH_NONE, {}, U32Arg(1)), base_);
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(ParseReply(ReplyPayload(*echo))->results, U32Arg(2));
  ParsedReply own = Call(10, kTestProg, 2, testing::kRedirect, U32Arg(5));  // no forwarder
  EXPECT_EQ(own.results, U32Arg(0xdead));
  EXPECT_TRUE(forwarder_.calls.empty());
}

}  // namespace
}  // namespace volumed::rpc
