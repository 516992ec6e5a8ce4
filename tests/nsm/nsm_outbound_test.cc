// NsmService's calls to other hosts go through its OutboundCaller: SM_NOTIFY to every
// host recorded as holding locks (at start and after SM_SIMU_CRASH), and the callback to
// a local lock manager registered with SM_MON when a monitored host reboots. A recording
// fake stands in for the network; the tests decode what it was given. Also the bound on
// monitored hosts (a client cannot grow the monitor by sending new caller names).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nsm/nsm_service.h"
#include "nsm/nsm_store.h"
#include "nsm_prot.h"
#include "recording_caller.h"

namespace volumed::nsm {
namespace {

xdrproc_t X(bool_t (*fn)(XDR*, sm_stat_chge*)) { return reinterpret_cast<xdrproc_t>(fn); }
xdrproc_t X(bool_t (*fn)(XDR*, sm_status*)) { return reinterpret_cast<xdrproc_t>(fn); }

std::string Ipv4Of(const sockaddr_storage& addr) {
  if (addr.ss_family != AF_INET) return "not AF_INET";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof(text));
  return text;
}

rpc::CallContext LoopbackCaller() {
  rpc::CallContext ctx;
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ctx.peer);
  a4->sin_family = AF_INET;
  a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ctx.peer_len = sizeof(sockaddr_in);
  return ctx;
}

class NsmOutboundTest : public ::testing::Test {
 protected:
  NsmOutboundTest()
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())),
        factory_(env_.get(), storage::KvTuning{}, 1 << 20) {
    env_->CreateDir("/data");
    auto store = NsmStore::Open(factory_, "/data/nsm");
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  std::unique_ptr<NsmService> Service(NsmHooks hooks = {}) {
    NsmOptions options;
    options.our_name = "server.example";
    return std::make_unique<NsmService>(*store_, caller_, std::move(hooks), options);
  }

  std::unique_ptr<leveldb::Env> env_;
  storage::KvFactory factory_;
  std::unique_ptr<NsmStore> store_;
  RecordingCaller caller_;
};

TEST_F(NsmOutboundTest, StartNotifiesEveryRecordedHostButOurselves) {
  ASSERT_TRUE(store_->SetState(6).ok());
  // 192.0.2.0/24 is TEST-NET-1: never one of this host's addresses.
  ASSERT_TRUE(store_->PutHost({"client1", "192.0.2.7", 1}).ok());
  ASSERT_TRUE(store_->PutHost({"self", "127.0.0.1", 1}).ok());
  auto nsm = Service();
  auto hosts = nsm->Start();
  ASSERT_TRUE(hosts.ok()) << hosts.status().ToString();
  EXPECT_EQ(*hosts, 2u);
  EXPECT_EQ(nsm->state(), 7u);
  ASSERT_TRUE(caller_.WaitFor(1));
  // The other host is skipped without a call: wait for the executor to drain.
  for (int i = 0; i < 500 && nsm->pending_calls() > 0; ++i) usleep(10000);
  ASSERT_EQ(nsm->pending_calls(), 0u);
  const std::vector<RecordedCall> calls = caller_.calls();
  ASSERT_EQ(calls.size(), 1u);
  const RecordedCall& c = calls[0];
  EXPECT_EQ(Ipv4Of(c.call.addr), "192.0.2.7");
  EXPECT_EQ(c.call.prog, static_cast<uint32_t>(SM_PROG));
  EXPECT_EQ(c.call.vers, static_cast<uint32_t>(SM_VERS));
  EXPECT_EQ(c.call.proc, static_cast<uint32_t>(SM_NOTIFY));
  EXPECT_EQ(c.call.transport, rpc::Transport::kUdp);
  EXPECT_FALSE(c.call.one_way);
  sm_stat_chge args{};
  ASSERT_TRUE(c.Decode(X(xdr_sm_stat_chge), &args));
  EXPECT_STREQ(args.mon_name, "server.example");
  EXPECT_EQ(args.state, 7);
  xdr_free(X(xdr_sm_stat_chge), reinterpret_cast<char*>(&args));
}

TEST_F(NsmOutboundTest, FailedNotifyIsRetriedThroughTheCaller) {
  ASSERT_TRUE(store_->PutHost({"client1", "192.0.2.7", 1}).ok());
  caller_.set_result(Status(Status::Code::kBusy, "unreachable"));
  NsmOptions options;
  options.our_name = "server.example";
  options.notify_attempts = 3;
  options.first_retry_delay = std::chrono::milliseconds(1);
  NsmService nsm(*store_, caller_, {}, options);
  ASSERT_TRUE(nsm.Start().ok());
  ASSERT_TRUE(caller_.WaitFor(3));
  for (int i = 0; i < 500 && nsm.pending_calls() > 0; ++i) usleep(10000);
  EXPECT_EQ(caller_.count(), 3u);  // notify_attempts, then it gives up
}

TEST_F(NsmOutboundTest, RebootOfAMonitoredHostCallsTheLocalMonitorBack) {
  std::vector<std::string> rebooted;
  NsmHooks hooks;
  hooks.host_rebooted = [&](const std::string& host) {
    rebooted.push_back(host);
    return size_t{2};
  };
  auto nsm = Service(std::move(hooks));
  ASSERT_TRUE(nsm->Start().ok());

  char mon_name[] = "client1";
  char my_name[] = "localhost";
  sm_mon mon{};
  mon.mon_id.mon_name = mon_name;
  mon.mon_id.my_id = {my_name, 100021, 4, 16};
  std::memcpy(mon.priv, "0123456789abcdef", SM_PRIV_SIZE);
  sm_stat_res mon_res{};
  nsm->Mon(LoopbackCaller(), mon, &mon_res);
  ASSERT_EQ(mon_res.res_stat, SM_STAT_SUCC);

  rpc::CallContext remote = LoopbackCaller();
  reinterpret_cast<sockaddr_in*>(&remote.peer)->sin_addr.s_addr = htonl(0xc0000207);
  sm_stat_chge notify{mon_name, 41};
  nsm->Notify(remote, notify);
  EXPECT_EQ(rebooted, std::vector<std::string>{"client1"});

  ASSERT_TRUE(caller_.WaitFor(1));
  const std::vector<RecordedCall> calls = caller_.calls();
  ASSERT_EQ(calls.size(), 1u);
  const RecordedCall& c = calls[0];
  EXPECT_EQ(Ipv4Of(c.call.addr), "127.0.0.1");
  EXPECT_EQ(c.call.prog, 100021u);
  EXPECT_EQ(c.call.vers, 4u);
  EXPECT_EQ(c.call.proc, 16u);
  EXPECT_FALSE(c.call.one_way);
  sm_status args{};
  ASSERT_TRUE(c.Decode(X(xdr_sm_status), &args));
  EXPECT_STREQ(args.mon_name, "client1");
  EXPECT_EQ(args.state, 41);
  EXPECT_EQ(std::string(args.priv, SM_PRIV_SIZE), "0123456789abcdef");
  xdr_free(X(xdr_sm_status), reinterpret_cast<char*>(&args));
}

TEST_F(NsmOutboundTest, SimulatedCrashNotifiesKnownHostsWithTheNewState) {
  ASSERT_TRUE(store_->PutHost({"client1", "192.0.2.7", 1}).ok());
  auto nsm = Service();
  ASSERT_TRUE(nsm->Start().ok());
  ASSERT_TRUE(caller_.WaitFor(1));
  const uint32_t before = nsm->state();
  nsm->SimuCrash(LoopbackCaller());
  EXPECT_EQ(nsm->state(), before + 2);
  ASSERT_TRUE(caller_.WaitFor(2));
  sm_stat_chge args{};
  ASSERT_TRUE(caller_.calls().at(1).Decode(X(xdr_sm_stat_chge), &args));
  EXPECT_EQ(args.state, static_cast<int>(before + 2));
  xdr_free(X(xdr_sm_stat_chge), reinterpret_cast<char*>(&args));
}

TEST_F(NsmOutboundTest, MonitoredHostsAreBoundedUntilIdleOnesAreForgotten) {
  NsmOptions options;
  options.our_name = "server.example";
  options.max_hosts = 3;
  options.forget_after = std::chrono::seconds(0);
  NsmService nsm(*store_, caller_, {}, options);
  ASSERT_TRUE(nsm.Start().ok());
  sockaddr_storage addr = LoopbackCaller().peer;
  for (const char* host : {"a", "b", "c"}) ASSERT_TRUE(nsm.Monitor(host, addr).ok()) << host;
  const Status full = nsm.Monitor("d", addr);
  EXPECT_EQ(full.code(), Status::Code::kNoSpace) << full.ToString();
  EXPECT_TRUE(nsm.Monitor("b", addr).ok());  // a known host is still served
  auto recorded = store_->Hosts();
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded->size(), 3u);  // "d" left no record
  EXPECT_EQ(nsm.Sweep(), 3u);       // nothing held: all idle, forgotten
  EXPECT_TRUE(nsm.Monitor("d", addr).ok());
  EXPECT_EQ(nsm.hosts().size(), 1u);
}

}  // namespace
}  // namespace volumed::nsm
