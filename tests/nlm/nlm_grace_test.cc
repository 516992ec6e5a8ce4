// Grace period and NSM against a live volumed: after a restart (clean or kill -9) only
// reclaims are granted until the grace period ends, late reclaims are refused, the NSM
// state moves to the next odd number; a client's reboot notification (SM_NOTIFY) releases
// its locks; SM_MON registrations from this host are called back.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "nlm_test_client.h"
#include "nsm_prot.h"
#include "rpc/procedure_table.h"
#include "support/server_process.h"

namespace volumed::nlmtest {
namespace {

using namespace std::chrono_literals;
using testing::ServerProcess;

const Owner kA{"hostA", 101, "owner-a"};
const Owner kB{"hostB", 202, "owner-b"};

using rpc::XdrVoid;

sockaddr_storage Loopback() {
  sockaddr_storage ss{};
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ss;
}

std::unique_ptr<rpc::RpcClient> Nsm() {
  auto c = rpc::RpcClient::Create(Loopback(), kNsmPort, SM_PROG, SM_VERS, rpc::Transport::kUdp, 3s);
  return c.ok() ? std::move(c).value() : nullptr;
}

int NsmState() {
  auto nsm = Nsm();
  if (!nsm) return -1;
  std::string name = "probe";
  sm_name args{name.data()};
  sm_stat_res res{};
  if (!nsm->Call(SM_STAT, reinterpret_cast<xdrproc_t>(xdr_sm_name), &args,
                 reinterpret_cast<xdrproc_t>(xdr_sm_stat_res), &res, 3s)
           .ok()) {
    return -1;
  }
  return res.res_stat == SM_STAT_SUCC ? res.state : -1;
}

std::unique_ptr<ServerProcess> StartServer() {
  volumed::testing::ServerProcessOptions opts;
  opts.rpcbind = false;
  opts.extra_args = {"--volume", "locks", "--grace-period", "5"};
  auto server = ServerProcess::Start(opts);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

// Waits until TEST stops answering DENIED_GRACE_PERIOD; returns that answer.
TestReply AfterGrace(NlmClient& c, const std::string& fh, const Owner& o) {
  TestReply t;
  for (int i = 0; i < 200; ++i) {
    t = c.Test(fh, o, 0, 10, true);
    if (t.stat != NLM4_DENIED_GRACE_PERIOD) break;
    std::this_thread::sleep_for(100ms);
  }
  return t;
}

void ExpectGraceThenReclaim(ServerProcess& server, const std::string& fh, int previous_state) {
  auto c = NlmClient::Connect(rpc::Transport::kTcp);
  ASSERT_NE(c, nullptr);
  const int state = NsmState();
  EXPECT_EQ(state, previous_state + 2);
  EXPECT_EQ(state % 2, 1);
  EXPECT_EQ(c->Test(fh, kB, 0, 10, true).stat, NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(c->Lock(fh, kB, 0, 10, true, false), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(c->Share(fh, kB, fsm_DN, fsa_R), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(c->Lock(fh, kA, 0, 10, true, false, /*reclaim=*/true), NLM4_GRANTED);
  // After the grace period: the reclaimed lock holds; a late reclaim is refused.
  TestReply t = AfterGrace(*c, fh, kB);
  ASSERT_EQ(t.stat, NLM4_DENIED);
  EXPECT_EQ(t.svid, kA.svid);
  EXPECT_EQ(c->Lock(fh, kB, 0, 10, true, false, /*reclaim=*/true), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(c->Lock(fh, kB, 0, 10, true, false), NLM4_DENIED);
  (void)server;
}

TEST(NlmGraceTest, OnlyReclaimsDuringGraceAfterRestartAndCrash) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string fh = VolumeHandle("locks");
  ASSERT_FALSE(fh.empty()) << "MNT /locks failed";
  int state = NsmState();
  ASSERT_GT(state, 0);
  EXPECT_EQ(state % 2, 1);
  {
    auto c = NlmClient::Connect(rpc::Transport::kTcp);
    ASSERT_NE(c, nullptr);
    // First start: nobody held locks before, so no grace period.
    ASSERT_EQ(c->Lock(fh, kA, 0, 10, true, false), NLM4_GRANTED);
  }
  ASSERT_TRUE(server->Restart().ok());
  ExpectGraceThenReclaim(*server, fh, state);
  state += 2;

  server->Kill();  // a crash: the monitored hosts were on disk before the grant
  ASSERT_TRUE(server->Restart().ok());
  ExpectGraceThenReclaim(*server, fh, state);
}

TEST(NsmProtocolTest, RebootNotificationReleasesLocksAndCallsLocalMonitors) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto listener = CallbackListener::Start();
  ASSERT_NE(listener, nullptr);
  const std::string fh = VolumeHandle("locks");
  ASSERT_FALSE(fh.empty()) << "MNT /locks failed";
  auto c = NlmClient::Connect(rpc::Transport::kUdp);
  auto nsm = Nsm();
  ASSERT_NE(c, nullptr);
  ASSERT_NE(nsm, nullptr);
  EXPECT_TRUE(nsm->Call(SM_NULL, XdrVoid(), nullptr, XdrVoid(), nullptr, 3s).ok());

  // A lock manager on this host asks to hear about hostA.
  std::string mon_name = kA.host, my_name = "localhost";
  sm_mon mon{};
  mon.mon_id.mon_name = mon_name.data();
  mon.mon_id.my_id = {my_name.data(), static_cast<int>(NLM_PROG), static_cast<int>(NLM4_VERS),
                      static_cast<int>(kNsmCallbackProc)};
  std::memcpy(mon.priv, "0123456789abcdef", 16);
  sm_stat_res mon_res{};
  ASSERT_TRUE(nsm->Call(SM_MON, reinterpret_cast<xdrproc_t>(xdr_sm_mon), &mon,
                        reinterpret_cast<xdrproc_t>(xdr_sm_stat_res), &mon_res, 3s)
                  .ok());
  EXPECT_EQ(mon_res.res_stat, SM_STAT_SUCC);
  EXPECT_EQ(mon_res.state, NsmState());

  ASSERT_EQ(c->Lock(fh, kA, 0, 0, true, false), NLM4_GRANTED);
  ASSERT_EQ(c->Lock(fh, kB, 0, 1, true, false), NLM4_DENIED);

  std::string rebooted = kA.host;
  sm_stat_chge notify{rebooted.data(), 7};
  ASSERT_TRUE(nsm->Call(SM_NOTIFY, reinterpret_cast<xdrproc_t>(xdr_sm_stat_chge), &notify,
                        XdrVoid(), nullptr, 3s)
                  .ok());
  EXPECT_EQ(c->Lock(fh, kB, 0, 1, true, false), NLM4_GRANTED);
  auto cb = listener->WaitFor(kNsmCallbackProc, 5s);
  ASSERT_TRUE(cb.has_value());
  EXPECT_EQ(cb->cookie, kA.host);
  EXPECT_EQ(cb->svid, 7);

  // After SM_UNMON_ALL, no more callbacks.
  sm_my_id me{my_name.data(), static_cast<int>(NLM_PROG), static_cast<int>(NLM4_VERS),
              static_cast<int>(kNsmCallbackProc)};
  sm_stat st{};
  ASSERT_TRUE(nsm->Call(SM_UNMON_ALL, reinterpret_cast<xdrproc_t>(xdr_sm_my_id), &me,
                        reinterpret_cast<xdrproc_t>(xdr_sm_stat), &st, 3s)
                  .ok());
  ASSERT_TRUE(nsm->Call(SM_NOTIFY, reinterpret_cast<xdrproc_t>(xdr_sm_stat_chge), &notify,
                        XdrVoid(), nullptr, 3s)
                  .ok());
  EXPECT_FALSE(listener->WaitFor(kNsmCallbackProc, 500ms, /*skip=*/1).has_value());
}

}  // namespace
}  // namespace volumed::nlmtest
