// NlmService's calls to clients go through its OutboundCaller: the GRANTED_MSG callback
// when a blocked LOCK is granted (in the version the client spoke, to its address, with
// the lock it asked for), and the _RES answer to each _MSG request. A recording fake
// stands in for the network; the tests decode what it was given.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "fake_handles.h"
#include "nlm/nlm_program.h"
#include "nlm/nlm_service.h"
#include "nlm4_prot.h"
#include "recording_caller.h"

namespace volumed::nlm {
namespace {

using nsm::RecordedCall;

template <typename T>
xdrproc_t X(bool_t (*fn)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(fn);
}

std::string Ipv4Of(const sockaddr_storage& addr) {
  if (addr.ss_family != AF_INET) return "not AF_INET";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof(text));
  return text + std::string(":") +
         std::to_string(ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port));
}

class NlmOutboundTest : public ::testing::Test {
 protected:
  NlmOutboundTest() : nlm_(locks_, caller_, FakeHandles()) { std::memcpy(fh_, &kInode, 8); }

  nlm4_lock Lock(char* host, int32_t svid, char* oh) {
    nlm4_lock l{};
    l.caller_name = host;
    l.fh = {8, fh_};
    l.oh = {static_cast<u_int>(std::strlen(oh)), oh};
    l.svid = svid;
    l.l_offset = 100;
    l.l_len = 50;
    return l;
  }

  // hostA (192.0.2.1) takes an exclusive lock on bytes 100-149; `waiter`'s blocking
  // request from hostB (`b`, speaking `vers`) then waits, until hostA unlocks and the
  // request is granted.
  void HandOver(NlmService& nlm, const rpc::CallContext& b, uint32_t vers, nlm4_lockargs waiter) {
    static char host_a[] = "hostA", oh_a[] = "owner-a";
    const rpc::CallContext a = NlmCaller(0xc0000201, NLM4_VERS, rpc::Transport::kTcp);
    nlm4_lockargs la{};
    la.exclusive = 1;
    la.alock = Lock(host_a, 1, oh_a);
    nlm4_res r{};
    nlm.Lock(a, NLM4_VERS, la, true, &r);
    EXPECT_EQ(r.stat.stat, NLM4_GRANTED);
    xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&r));
    waiter.block = 1;
    nlm.Lock(b, vers, waiter, true, &r);
    EXPECT_EQ(r.stat.stat, NLM4_BLOCKED);
    xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&r));
    EXPECT_EQ(caller_.count(), 0u);
    nlm4_unlockargs ua{la.cookie, la.alock};
    nlm.Unlock(a, ua, &r);
    EXPECT_EQ(r.stat.stat, NLM4_GRANTED);
    xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&r));
  }

  // The GRANTED_MSG callback for hostB's exclusive request (svid 2, called as `b`),
  // blocked behind hostA's lock and then granted.
  RecordedCall GrantedCallbackFor(const rpc::CallContext& b) {
    static char host_b[] = "hostB", oh_b[] = "owner-b";
    nlm4_lockargs lb{};
    lb.exclusive = 1;
    lb.alock = Lock(host_b, 2, oh_b);
    HandOver(nlm_, b, NLM4_VERS, lb);
    EXPECT_TRUE(caller_.WaitFor(1));
    return caller_.calls().at(0);
  }

  static constexpr uint64_t kInode = 77;
  char fh_[8];
  LockManager locks_;
  nsm::RecordingCaller caller_;
  NlmService nlm_;
};

TEST_F(NlmOutboundTest, BlockedLockIsGrantedByACallbackToTheWaiter) {
  char host_b[] = "hostB", oh_b[] = "owner-b", cookie[] = "ck";
  const rpc::CallContext b = NlmCaller(0xc0000202, NLM4_VERS, rpc::Transport::kUdp);
  nlm4_lockargs lb{};
  lb.cookie = {2, cookie};
  lb.exclusive = 1;
  lb.alock = Lock(host_b, 2, oh_b);
  HandOver(nlm_, b, NLM4_VERS, lb);

  ASSERT_TRUE(caller_.WaitFor(1));
  const RecordedCall c = caller_.calls().at(0);
  EXPECT_EQ(Ipv4Of(c.call.addr), "192.0.2.2:0");  // the waiter's rpcbind is asked
  EXPECT_EQ(c.call.prog, static_cast<uint32_t>(NLM_PROG));
  EXPECT_EQ(c.call.vers, static_cast<uint32_t>(NLM4_VERS));
  EXPECT_EQ(c.call.proc, static_cast<uint32_t>(NLMPROC4_GRANTED_MSG));
  EXPECT_EQ(c.call.transport, rpc::Transport::kUdp);
  nlm4_testargs g{};
  ASSERT_TRUE(c.Decode(X(xdr_nlm4_testargs), &g));
  EXPECT_TRUE(g.exclusive);
  EXPECT_EQ(g.alock.svid, 2);
  EXPECT_EQ(std::string(g.alock.oh.nlm_netobj_val, g.alock.oh.nlm_netobj_len), "owner-b");
  EXPECT_EQ(std::string(g.alock.fh.nlm_fh_val, g.alock.fh.nlm_fh_len), std::string(fh_, 8));
  EXPECT_EQ(g.alock.l_offset, 100u);
  EXPECT_EQ(g.alock.l_len, 50u);
  ASSERT_EQ(g.cookie.nlm_netobj_len, 8u);

  // The lock is B's now; B's GRANTED_RES settles the callback.
  const LockRequest a_again{LockOwner{"hostA", 1, "owner-a"}, ByteRange{100, 149},
                            LockMode::kExclusive};
  EXPECT_EQ(locks_.Test(FileKey{1, kInode}, a_again)->owner.host, "hostB");
  ASSERT_EQ(nlm_.pending_grants(), 1u);
  nlm_.GrantedRes(b, g.cookie, NLM4_GRANTED);
  EXPECT_EQ(nlm_.pending_grants(), 0u);
  xdr_free(X(xdr_nlm4_testargs), reinterpret_cast<char*>(&g));
}

// A call that came to one of several local addresses (a gateway's service address, or one
// it took over) — the callback must leave from that address: Linux's lockd accepts a
// GRANTED only from the address it sent the LOCK to.
rpc::CallContext CalledAt(rpc::CallContext ctx, uint32_t local_ip) {
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ctx.local);
  a4->sin_family = AF_INET;
  a4->sin_addr.s_addr = htonl(local_ip);
  a4->sin_port = htons(4045);
  return ctx;
}

TEST_F(NlmOutboundTest, GrantedCallbackLeavesFromTheAddressTheWaiterCalled) {
  const RecordedCall c = GrantedCallbackFor(
      CalledAt(NlmCaller(0xc0000202, NLM4_VERS, rpc::Transport::kTcp), 0xc000020c));
  EXPECT_EQ(c.call.proc, static_cast<uint32_t>(NLMPROC4_GRANTED_MSG));
  EXPECT_EQ(Ipv4Of(c.call.addr), "192.0.2.2:0");
  EXPECT_EQ(Ipv4Of(c.call.source), "192.0.2.12:0");  // the called address, any port
}

TEST_F(NlmOutboundTest, CallbackSourceIsLeftToTheRouteWhenTheCalledAddressIsUnknown) {
  const RecordedCall c = GrantedCallbackFor(NlmCaller(0xc0000202, NLM4_VERS, rpc::Transport::kTcp));
  EXPECT_EQ(c.call.source.ss_family, AF_UNSPEC);
}

TEST_F(NlmOutboundTest, Version1WaiterGetsAVersion1Callback) {
  char host_b[] = "hostB", oh_b[] = "b";
  const rpc::CallContext b = NlmCaller(0xc0000202, NLM_VERS, rpc::Transport::kTcp);
  nlm4_lockargs lb{};
  lb.alock = Lock(host_b, 9, oh_b);
  lb.alock.l_len = 0;  // to EOF
  HandOver(nlm_, b, NLM_VERS, lb);

  ASSERT_TRUE(caller_.WaitFor(1));
  const RecordedCall c = caller_.calls().at(0);
  EXPECT_EQ(Ipv4Of(c.call.addr), "192.0.2.2:0");
  EXPECT_EQ(c.call.vers, static_cast<uint32_t>(NLM_VERS));
  EXPECT_EQ(c.call.proc, static_cast<uint32_t>(NLM_GRANTED_MSG));
  EXPECT_EQ(c.call.transport, rpc::Transport::kTcp);
  nlm_testargs g{};
  ASSERT_TRUE(c.Decode(X(xdr_nlm_testargs), &g));
  EXPECT_FALSE(g.exclusive);
  EXPECT_EQ(g.alock.uppid, 9);
  EXPECT_EQ(g.alock.l_offset, 100u);
  EXPECT_EQ(g.alock.l_len, 0u);
  xdr_free(X(xdr_nlm_testargs), reinterpret_cast<char*>(&g));
}

TEST_F(NlmOutboundTest, UnansweredGrantIsRetriedThenTakenBack) {
  NlmOptions options;
  options.grant_attempts = 2;
  options.grant_retry_delay = std::chrono::milliseconds(1);
  LockManager locks;
  nsm::RecordingCaller caller;
  caller.set_result(Status(Status::Code::kBusy, "no answer"));
  NlmService nlm(locks, caller, FakeHandles(), options);
  char host_b[] = "hostB", oh[] = "o";
  const rpc::CallContext b = NlmCaller(0xc0000202, NLM4_VERS, rpc::Transport::kUdp);
  nlm4_lockargs lb{};
  lb.exclusive = 1;
  lb.alock = Lock(host_b, 2, oh);
  HandOver(nlm, b, NLM4_VERS, lb);
  ASSERT_TRUE(caller.WaitFor(2));
  for (int i = 0; i < 500 && nlm.pending_grants() > 0; ++i) usleep(10000);
  EXPECT_EQ(nlm.pending_grants(), 0u);
  EXPECT_EQ(caller.count(), 2u);
  EXPECT_TRUE(locks.ListVolume(1).empty());  // B never acknowledged: released
}

TEST_F(NlmOutboundTest, MsgRequestIsAnsweredByAOneWayResCall) {
  char host[] = "hostA", oh[] = "o", cookie[] = "cookie-7";
  const rpc::CallContext a =
      CalledAt(NlmCaller(0xc0000201, NLM4_VERS, rpc::Transport::kUdp), 0xc000020b);
  const std::vector<rpc::ProgramVersion> versions = NlmProgramVersions(&nlm_);
  ASSERT_EQ(versions.size(), 3u);
  const rpc::ProgramVersion& v4 = versions[2];
  ASSERT_EQ(v4.vers, static_cast<uint32_t>(NLM4_VERS));
  const rpc::Procedure* test_msg = nullptr;
  for (const rpc::Procedure& p : v4.procedures) {
    if (p.number == NLMPROC4_TEST_MSG) test_msg = &p;
  }
  ASSERT_NE(test_msg, nullptr);
  nlm4_testargs args{};
  args.cookie = {8, cookie};
  args.exclusive = 1;
  args.alock = Lock(host, 3, oh);
  EXPECT_EQ(test_msg->handler(v4.state, a, &args, nullptr), rpc::Outcome::kNoReply);

  ASSERT_TRUE(caller_.WaitFor(1));
  const RecordedCall c = caller_.calls().at(0);
  EXPECT_EQ(Ipv4Of(c.call.addr), "192.0.2.1:0");
  EXPECT_EQ(Ipv4Of(c.call.source), "192.0.2.11:0");  // from the address A called
  EXPECT_EQ(c.call.prog, static_cast<uint32_t>(NLM_PROG));
  EXPECT_EQ(c.call.vers, static_cast<uint32_t>(NLM4_VERS));
  EXPECT_EQ(c.call.proc, static_cast<uint32_t>(NLMPROC4_TEST_RES));
  EXPECT_TRUE(c.call.one_way);
  nlm4_testres res{};
  ASSERT_TRUE(c.Decode(X(xdr_nlm4_testres), &res));
  EXPECT_EQ(std::string(res.cookie.nlm_netobj_val, res.cookie.nlm_netobj_len), "cookie-7");
  EXPECT_EQ(res.stat.stat, NLM4_GRANTED);  // nothing in the way
  xdr_free(X(xdr_nlm4_testres), reinterpret_cast<char*>(&res));
}

}  // namespace
}  // namespace volumed::nlm
