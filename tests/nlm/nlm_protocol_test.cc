// NLM protocol tests against a live volumed (run under tests/support/netns_run.sh):
// every procedure of v4 over TCP and UDP, v1/v3 narrowing, blocking locks granted by a
// GRANTED_MSG callback to the test's own NLM listener, the _MSG/_RES forms, shares,
// NM_LOCK and FREE_ALL. volumed runs with --no-rpcbind so the listener can own the NLM
// entry of the namespace's rpcbind (which the server asks to find the client).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "nlm_test_client.h"
#include "rpc/procedure_table.h"
#include "support/server_process.h"

namespace volumed::nlmtest {
namespace {

using namespace std::chrono_literals;
using testing::ServerProcess;

const Owner kA{"hostA", 101, "owner-a"};
const Owner kB{"hostB", 202, "owner-b"};
const Owner kC{"hostC", 303, "owner-c"};

class NlmProtocolTest : public ::testing::TestWithParam<rpc::Transport> {
 protected:
  static void SetUpTestSuite() {
    volumed::testing::ServerProcessOptions opts;
    opts.rpcbind = false;
    opts.extra_args = {"--volume", "locks", "--grace-period", "2"};
    auto server = ServerProcess::Start(opts);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
    fh_ = new std::string(VolumeHandle("locks"));
    ASSERT_FALSE(fh_->empty()) << "MNT /locks failed";
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete fh_;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = NlmClient::Connect(GetParam());
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    for (const Owner* o : {&kA, &kB, &kC}) EXPECT_TRUE(client_->FreeAll(o->host).ok());
  }
  const std::string& fh() const { return *fh_; }

  static ServerProcess* server_;
  static std::string* fh_;
  std::unique_ptr<NlmClient> client_;
};
ServerProcess* NlmProtocolTest::server_ = nullptr;
std::string* NlmProtocolTest::fh_ = nullptr;

TEST_P(NlmProtocolTest, NullOnEveryVersion) {
  for (uint32_t vers : {NLM_VERS, NLM_VERSX, NLM4_VERS}) {
    auto c = NlmClient::Connect(GetParam(), vers);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->Null().ok()) << "version " << vers;
  }
}

TEST_P(NlmProtocolTest, LockTestUnlock) {
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 100, true, false), NLM4_GRANTED);
  TestReply t = client_->Test(fh(), kB, 50, 10, false, "cookie-42");
  EXPECT_EQ(t.cookie, "cookie-42");
  ASSERT_EQ(t.stat, NLM4_DENIED);
  EXPECT_TRUE(t.exclusive);
  EXPECT_EQ(t.svid, kA.svid);
  EXPECT_EQ(t.oh, kA.oh);
  EXPECT_EQ(t.offset, 0u);
  EXPECT_EQ(t.length, 100u);
  std::string cookie;
  EXPECT_EQ(client_->Lock(fh(), kB, 99, 0, false, false, false, &cookie), NLM4_DENIED);
  EXPECT_EQ(cookie, "c-lock");
  EXPECT_EQ(client_->Lock(fh(), kB, 100, 0, true, false), NLM4_GRANTED);  // adjacent
  // The holder itself never conflicts with its own lock.
  EXPECT_EQ(client_->Test(fh(), kA, 0, 100, true).stat, NLM4_GRANTED);
  EXPECT_EQ(client_->Unlock(fh(), kA, 0, 100), NLM4_GRANTED);
  EXPECT_EQ(client_->Test(fh(), kC, 0, 100, true).stat, NLM4_GRANTED);
  EXPECT_EQ(client_->Test(fh(), kC, 0, 0, true).stat, NLM4_DENIED);  // kB to EOF
  EXPECT_EQ(client_->Unlock(fh(), kB, 0, 0), NLM4_GRANTED);
}

TEST_P(NlmProtocolTest, UnlockSplitsAndSharedLocksCoexist) {
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 100, false, false), NLM4_GRANTED);
  ASSERT_EQ(client_->Lock(fh(), kB, 50, 100, false, false), NLM4_GRANTED);
  EXPECT_EQ(client_->Unlock(fh(), kA, 40, 20), NLM4_GRANTED);
  // kA now holds [0,40) and [60,100); kB [50,150).
  EXPECT_EQ(client_->Lock(fh(), kC, 40, 10, true, false), NLM4_GRANTED);
  TestReply t = client_->Test(fh(), kC, 10, 1, true);
  ASSERT_EQ(t.stat, NLM4_DENIED);
  EXPECT_FALSE(t.exclusive);
  EXPECT_EQ(t.offset, 0u);
  EXPECT_EQ(t.length, 40u);
  // Upgrade by the same owner fails while another shared holder overlaps.
  EXPECT_EQ(client_->Lock(fh(), kA, 60, 40, true, false), NLM4_DENIED);
}

TEST_P(NlmProtocolTest, BadHandleIsStale) {
  const std::string bad = "not-a-handle";
  EXPECT_EQ(client_->Test(fh().substr(0, 5), kA, 0, 1, true).stat, NLM4_STALE_FH);
  EXPECT_EQ(client_->Lock(bad, kA, 0, 1, true, false), NLM4_STALE_FH);
  EXPECT_EQ(client_->Unlock(bad, kA, 0, 1), NLM4_STALE_FH);
}

// A well-formed handle of a volume that does not exist: nothing can be acquired on it
// (the NFS resolver says STALE), but releasing is always accepted.
TEST_P(NlmProtocolTest, HandleOfUnknownVolumeIsStaleForAcquireOnly) {
  std::string gone = fh();
  for (size_t i = 4; i < 12; ++i) gone[i] = static_cast<char>(0x7e);  // the volume id
  EXPECT_EQ(client_->Test(gone, kA, 0, 1, true).stat, NLM4_STALE_FH);
  EXPECT_EQ(client_->Lock(gone, kA, 0, 1, true, false), NLM4_STALE_FH);
  EXPECT_EQ(client_->Share(gone, kA, fsm_DN, fsa_R), NLM4_STALE_FH);
  EXPECT_EQ(client_->Unlock(gone, kA, 0, 1), NLM4_GRANTED);
  EXPECT_EQ(client_->Cancel(gone, kA, 0, 1, true), NLM4_GRANTED);
}

TEST_P(NlmProtocolTest, BlockedLockIsGrantedByCallback) {
  auto listener = CallbackListener::Start();
  ASSERT_NE(listener, nullptr);
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 0, true, false), NLM4_GRANTED);
  ASSERT_EQ(client_->Lock(fh(), kB, 10, 20, true, true), NLM4_BLOCKED);
  EXPECT_FALSE(listener->WaitFor(NLMPROC4_GRANTED_MSG, 300ms).has_value());
  const auto unlocked_at = std::chrono::steady_clock::now();
  ASSERT_EQ(client_->Unlock(fh(), kA, 0, 0), NLM4_GRANTED);
  auto granted = listener->WaitFor(NLMPROC4_GRANTED_MSG, 5s);
  ASSERT_TRUE(granted.has_value());
  EXPECT_LT(granted->at - unlocked_at, 1s);
  EXPECT_EQ(granted->svid, kB.svid);
  EXPECT_EQ(granted->offset, 10u);
  EXPECT_EQ(granted->length, 20u);
  EXPECT_TRUE(granted->exclusive);
  // kB holds it now, and keeps it after its GRANTED_RES(GRANTED).
  std::this_thread::sleep_for(200ms);
  TestReply t = client_->Test(fh(), kC, 15, 1, false);
  ASSERT_EQ(t.stat, NLM4_DENIED);
  EXPECT_EQ(t.svid, kB.svid);
}

TEST_P(NlmProtocolTest, RefusedGrantIsReleased) {
  auto listener = CallbackListener::Start(/*refuse_grants=*/true);
  ASSERT_NE(listener, nullptr);
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 0, true, false), NLM4_GRANTED);
  ASSERT_EQ(client_->Lock(fh(), kB, 0, 0, true, true), NLM4_BLOCKED);
  ASSERT_EQ(client_->Unlock(fh(), kA, 0, 0), NLM4_GRANTED);
  ASSERT_TRUE(listener->WaitFor(NLMPROC4_GRANTED_MSG, 5s).has_value());
  // The client said DENIED to the grant: the server takes the lock back.
  bool free = false;
  for (int i = 0; i < 200 && !free; ++i) {
    free = client_->Test(fh(), kC, 0, 0, true).stat == NLM4_GRANTED;
    if (!free) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(free);
}

TEST_P(NlmProtocolTest, CancelWithdrawsWaiter) {
  auto listener = CallbackListener::Start();
  ASSERT_NE(listener, nullptr);
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 0, true, false), NLM4_GRANTED);
  ASSERT_EQ(client_->Lock(fh(), kB, 0, 0, false, true), NLM4_BLOCKED);
  EXPECT_EQ(client_->Cancel(fh(), kB, 0, 0, false), NLM4_GRANTED);
  ASSERT_EQ(client_->Unlock(fh(), kA, 0, 0), NLM4_GRANTED);
  EXPECT_FALSE(listener->WaitFor(NLMPROC4_GRANTED_MSG, 500ms).has_value());
  EXPECT_EQ(client_->Test(fh(), kC, 0, 0, true).stat, NLM4_GRANTED);
}

TEST_P(NlmProtocolTest, MsgFormsAnswerThroughResCalls) {
  auto listener = CallbackListener::Start();
  ASSERT_NE(listener, nullptr);
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 10, true, false), NLM4_GRANTED);

  nlm4_testargs test{{5, const_cast<char*>("msg-t")}, true, NlmClient::MakeLock(fh(), kB, 5, 1)};
  ASSERT_TRUE(
      client_->SendMsg(NLMPROC4_TEST_MSG, reinterpret_cast<xdrproc_t>(xdr_nlm4_testargs), &test)
          .ok());
  auto test_res = listener->WaitFor(NLMPROC4_TEST_RES, 5s);
  ASSERT_TRUE(test_res.has_value());
  EXPECT_EQ(test_res->cookie, "msg-t");
  EXPECT_EQ(test_res->stat, NLM4_DENIED);
  EXPECT_EQ(test_res->svid, kA.svid);
  EXPECT_EQ(test_res->length, 10u);

  nlm4_lockargs lock{{5, const_cast<char*>("msg-l")},      false, true,
                     NlmClient::MakeLock(fh(), kB, 20, 5), false, 1};
  ASSERT_TRUE(
      client_->SendMsg(NLMPROC4_LOCK_MSG, reinterpret_cast<xdrproc_t>(xdr_nlm4_lockargs), &lock)
          .ok());
  auto lock_res = listener->WaitFor(NLMPROC4_LOCK_RES, 5s);
  ASSERT_TRUE(lock_res.has_value());
  EXPECT_EQ(lock_res->cookie, "msg-l");
  EXPECT_EQ(lock_res->stat, NLM4_GRANTED);

  nlm4_cancargs cancel{
      {5, const_cast<char*>("msg-c")}, true, true, NlmClient::MakeLock(fh(), kC, 0, 1)};
  ASSERT_TRUE(
      client_->SendMsg(NLMPROC4_CANCEL_MSG, reinterpret_cast<xdrproc_t>(xdr_nlm4_cancargs), &cancel)
          .ok());
  auto cancel_res = listener->WaitFor(NLMPROC4_CANCEL_RES, 5s);
  ASSERT_TRUE(cancel_res.has_value());
  EXPECT_EQ(cancel_res->stat, NLM4_GRANTED);

  nlm4_unlockargs unlock{{5, const_cast<char*>("msg-u")}, NlmClient::MakeLock(fh(), kB, 20, 5)};
  ASSERT_TRUE(
      client_
          ->SendMsg(NLMPROC4_UNLOCK_MSG, reinterpret_cast<xdrproc_t>(xdr_nlm4_unlockargs), &unlock)
          .ok());
  auto unlock_res = listener->WaitFor(NLMPROC4_UNLOCK_RES, 5s);
  ASSERT_TRUE(unlock_res.has_value());
  EXPECT_EQ(unlock_res->cookie, "msg-u");
  EXPECT_EQ(unlock_res->stat, NLM4_GRANTED);
  EXPECT_EQ(client_->Test(fh(), kC, 20, 5, true).stat, NLM4_GRANTED);

  // A grant sent to the server (we hold no requests of its) is refused.
  nlm4_testargs grant{{5, const_cast<char*>("msg-g")}, true, NlmClient::MakeLock(fh(), kB, 0, 1)};
  ASSERT_TRUE(
      client_->SendMsg(NLMPROC4_GRANTED_MSG, reinterpret_cast<xdrproc_t>(xdr_nlm4_testargs), &grant)
          .ok());
  auto grant_res = listener->WaitFor(NLMPROC4_GRANTED_RES, 5s);
  ASSERT_TRUE(grant_res.has_value());
  EXPECT_EQ(grant_res->cookie, "msg-g");
  EXPECT_EQ(grant_res->stat, NLM4_DENIED);
}

TEST_P(NlmProtocolTest, SynchronousGrantedIsRefused) {
  nlm4_testargs args{{1, const_cast<char*>("g")}, true, NlmClient::MakeLock(fh(), kA, 0, 1)};
  nlm4_res res{};
  ASSERT_TRUE(client_->raw()
                  .Call(NLMPROC4_GRANTED, reinterpret_cast<xdrproc_t>(xdr_nlm4_testargs), &args,
                        reinterpret_cast<xdrproc_t>(xdr_nlm4_res), &res, 3s)
                  .ok());
  EXPECT_EQ(res.stat.stat, NLM4_DENIED);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_nlm4_res), reinterpret_cast<char*>(&res));
}

TEST_P(NlmProtocolTest, ShareReservations) {
  EXPECT_EQ(client_->Share(fh(), kA, fsm_DW, fsa_RW), NLM4_GRANTED);
  EXPECT_EQ(client_->Share(fh(), kB, fsm_DN, fsa_W), NLM4_DENIED);   // A denies writers
  EXPECT_EQ(client_->Share(fh(), kB, fsm_DN, fsa_R), NLM4_GRANTED);  // readers are fine
  EXPECT_EQ(client_->Share(fh(), kC, fsm_DR, fsa_R), NLM4_DENIED);   // would deny A's reads
  EXPECT_EQ(client_->Share(fh(), kA, fsm_DN, fsa_R, /*unshare=*/true), NLM4_GRANTED);
  EXPECT_EQ(client_->Share(fh(), kC, fsm_DN, fsa_W), NLM4_GRANTED);
  EXPECT_EQ(client_->Share(fh(), kB, fsm_DN, fsa_R, true), NLM4_GRANTED);
  EXPECT_EQ(client_->Share(fh(), kC, fsm_DN, fsa_W, true), NLM4_GRANTED);
}

TEST_P(NlmProtocolTest, NmLockNeverBlocks) {
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 0, true, false), NLM4_GRANTED);
  EXPECT_EQ(client_->Lock(fh(), kB, 0, 1, true, /*block=*/true, false, nullptr, NLMPROC4_NM_LOCK),
            NLM4_DENIED);
  ASSERT_EQ(client_->Unlock(fh(), kA, 0, 0), NLM4_GRANTED);
  EXPECT_EQ(client_->Lock(fh(), kB, 0, 1, true, true, false, nullptr, NLMPROC4_NM_LOCK),
            NLM4_GRANTED);
}

TEST_P(NlmProtocolTest, FreeAllReleasesOneHost) {
  ASSERT_EQ(client_->Lock(fh(), kA, 0, 10, true, false), NLM4_GRANTED);
  ASSERT_EQ(client_->Lock(fh(), kB, 20, 10, true, false), NLM4_GRANTED);
  ASSERT_TRUE(client_->FreeAll(kA.host).ok());
  EXPECT_EQ(client_->Test(fh(), kC, 0, 10, true).stat, NLM4_GRANTED);
  EXPECT_EQ(client_->Test(fh(), kC, 20, 10, true).stat, NLM4_DENIED);
}

// A client that sends no caller_name is known by its address.
TEST_P(NlmProtocolTest, EmptyCallerNameMeansTheCallersAddress) {
  const Owner anonymous{"", 7, "anon"};
  ASSERT_EQ(client_->Lock(fh(), anonymous, 0, 10, true, false), NLM4_GRANTED);
  EXPECT_EQ(client_->Test(fh(), kB, 0, 10, true).stat, NLM4_DENIED);
  ASSERT_TRUE(client_->FreeAll("127.0.0.1").ok());
  EXPECT_EQ(client_->Test(fh(), kB, 0, 10, true).stat, NLM4_GRANTED);
}

// Versions 1 and 3: 32-bit offsets, LCK_* statuses, the same lock table.
TEST_P(NlmProtocolTest, Version1And3) {
  auto v1 = NlmClient::Connect(GetParam(), NLM_VERS);
  auto v3 = NlmClient::Connect(GetParam(), NLM_VERSX);
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v3, nullptr);
  const std::string& f = fh();
  auto lock_args = [&](const Owner& o, uint32_t off, uint32_t len) {
    nlm_lockargs a{};
    a.cookie = {2, const_cast<char*>("v1")};
    a.exclusive = true;
    a.alock.caller_name = const_cast<char*>(o.host.c_str());
    a.alock.fh = {static_cast<u_int>(f.size()), const_cast<char*>(f.data())};
    a.alock.oh = {static_cast<u_int>(o.oh.size()), const_cast<char*>(o.oh.data())};
    a.alock.uppid = o.svid;
    a.alock.l_offset = off;
    a.alock.l_len = len;
    a.state = 1;
    return a;
  };
  nlm_lockargs a = lock_args(kA, 1000, 10);
  nlm_res res{};
  ASSERT_TRUE(v1->raw()
                  .Call(NLM_LOCK, reinterpret_cast<xdrproc_t>(xdr_nlm_lockargs), &a,
                        reinterpret_cast<xdrproc_t>(xdr_nlm_res), &res, 3s)
                  .ok());
  EXPECT_EQ(res.stat.stat, LCK_GRANTED);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_nlm_res), reinterpret_cast<char*>(&res));
  // v4 sees the v1 lock.
  TestReply t = client_->Test(fh(), kB, 1005, 1, false);
  ASSERT_EQ(t.stat, NLM4_DENIED);
  EXPECT_EQ(t.offset, 1000u);
  EXPECT_EQ(t.length, 10u);
  // v3 TEST reports the holder in 32-bit form.
  nlm_testargs ta{{2, const_cast<char*>("v3")}, false, lock_args(kB, 1009, 1).alock};
  nlm_testres tr{};
  ASSERT_TRUE(v3->raw()
                  .Call(NLM_TEST, reinterpret_cast<xdrproc_t>(xdr_nlm_testargs), &ta,
                        reinterpret_cast<xdrproc_t>(xdr_nlm_testres), &tr, 3s)
                  .ok());
  ASSERT_EQ(tr.test_stat.stat, LCK_DENIED);
  EXPECT_EQ(tr.test_stat.nlm_testrply_u.holder.uppid, kA.svid);
  EXPECT_EQ(tr.test_stat.nlm_testrply_u.holder.l_offset, 1000u);
  EXPECT_EQ(tr.test_stat.nlm_testrply_u.holder.l_len, 10u);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_nlm_testres), reinterpret_cast<char*>(&tr));
  // v3 SHARE and FREE_ALL exist.
  nlm_shareargs sa{};
  sa.cookie = {2, const_cast<char*>("v3")};
  sa.share.caller_name = const_cast<char*>(kC.host.c_str());
  sa.share.fh = {static_cast<u_int>(f.size()), const_cast<char*>(f.data())};
  sa.share.oh = {static_cast<u_int>(kC.oh.size()), const_cast<char*>(kC.oh.data())};
  sa.share.mode = fsm_DN;
  sa.share.access = fsa_R;
  nlm_shareres sr{};
  ASSERT_TRUE(v3->raw()
                  .Call(NLM_SHARE, reinterpret_cast<xdrproc_t>(xdr_nlm_shareargs), &sa,
                        reinterpret_cast<xdrproc_t>(xdr_nlm_shareres), &sr, 3s)
                  .ok());
  EXPECT_EQ(sr.stat, LCK_GRANTED);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_nlm_shareres), reinterpret_cast<char*>(&sr));
  nlm_notify n{const_cast<char*>(kA.host.c_str()), 5};
  ASSERT_TRUE(v3->raw()
                  .Call(NLM_FREE_ALL, reinterpret_cast<xdrproc_t>(xdr_nlm_notify), &n,
                        rpc::XdrVoid(), nullptr, 3s)
                  .ok());
  EXPECT_EQ(client_->Test(fh(), kB, 1005, 1, true).stat, NLM4_GRANTED);
}

// Many short lock/unlock pairs, as lockf-serialised counters make them; every reply must
// be right. Prints the rate (a measurement, not a threshold).
TEST_P(NlmProtocolTest, ManyLockUnlockPairs) {
  constexpr int kPairs = 1000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPairs; ++i) {
    const Owner& o = (i % 2) ? kA : kB;
    ASSERT_EQ(client_->Lock(fh(), o, 0, 0, true, false), NLM4_GRANTED) << i;
    ASSERT_EQ(client_->Unlock(fh(), o, 0, 0), NLM4_GRANTED) << i;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d lock+unlock pairs in %.2f s: %.0f pairs/s\n", kPairs, secs, kPairs / secs);
  RecordProperty("pairs_per_second", static_cast<int>(kPairs / secs));
}

INSTANTIATE_TEST_SUITE_P(Transports, NlmProtocolTest,
                         ::testing::Values(rpc::Transport::kTcp, rpc::Transport::kUdp),
                         [](const auto& info) {
                           return info.param == rpc::Transport::kTcp ? "Tcp" : "Udp";
                         });

}  // namespace
}  // namespace volumed::nlmtest
