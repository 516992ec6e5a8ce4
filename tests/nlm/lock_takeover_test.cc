// The locks side of gateway failover on an in-memory store: LockServices::TakeOverGateway
// reads a dead gateway's NSM database, bumps its state, copies its hosts into ours,
// notifies them in that gateway's name (a recording fake stands in for the network) and
// removes its database; and NlmService's per-volume grace period — reclaims granted and
// everything else refused with DENIED_GRACE_PERIOD on the volumes taken over, other
// volumes untouched, until it ends — beside the whole server's grace after a start.
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/socket_address.h"
#include "fake_handles.h"
#include "nlm/lock_services.h"
#include "nlm4_prot.h"
#include "nsm_prot.h"
#include "recording_caller.h"

namespace volumed::nlm {
namespace {

using nsm::MonitoredHost;
using nsm::NsmStore;
using nsm::RecordedCall;
using namespace std::chrono_literals;

template <typename T>
xdrproc_t X(bool_t (*fn)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(fn);
}

constexpr char kData[] = "/data";

// A LOCK request's arguments on inode 1 of `volume`, bytes 0-9, owner `host`.
class LockArgs {
 public:
  LockArgs(uint64_t volume, const char* host, bool reclaim) : host_(host) {
    std::memcpy(fh_, &volume, 8);
    const uint64_t inode = 1;
    std::memcpy(fh_ + 8, &inode, 8);
    args_.exclusive = 1;
    args_.reclaim = reclaim;
    args_.alock.caller_name = host_.data();
    args_.alock.fh = {sizeof(fh_), fh_};
    args_.alock.oh = {static_cast<u_int>(host_.size()), host_.data()};
    args_.alock.svid = 1;
    args_.alock.l_offset = 0;
    args_.alock.l_len = 10;
  }
  const nlm4_lockargs& lock() const { return args_; }
  nlm4_testargs test() const { return nlm4_testargs{args_.cookie, args_.exclusive, args_.alock}; }

 private:
  std::string host_;
  char fh_[16];
  nlm4_lockargs args_{};
};

class LockTakeoverTest : public ::testing::Test {
 protected:
  LockTakeoverTest()
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())),
        factory_(env_.get(), storage::KvTuning{}, 1 << 20) {
    env_->CreateDir(kData);
  }

  std::unique_ptr<LockServices> Services(std::chrono::milliseconds grace = 60s) {
    LockServicesOptions o;
    o.nsm_dir = storage::GatewayMembershipDir(kData, "gw1");
    o.kv_factory = &factory_;
    o.grace_period = grace;
    o.nsm_name = "192.0.2.101";  // how clients know this gateway
    o.check_other_monitor = false;
    o.caller = caller_.get();
    auto ls = LockServices::Open(o, FakeHandles());
    EXPECT_TRUE(ls.ok()) << ls.status().ToString();
    if (!ls.ok()) return nullptr;
    EXPECT_TRUE((*ls)->Start().ok());
    return std::move(ls).value();
  }

  // Stops `ls` and starts the services again on the same store, with a fresh caller.
  std::unique_ptr<LockServices> Restart(std::unique_ptr<LockServices> ls) {
    ls.reset();
    caller_ = std::make_unique<nsm::RecordingCaller>();
    return Services();
  }

  // The dead gateway gw2's NSM database: state 5 (up), `hosts`, `aliases`.
  std::string DeadGateway(std::vector<MonitoredHost> hosts,
                          std::vector<nsm::NsmAlias> aliases = {}) {
    const std::string dir = storage::GatewayMembershipDir(kData, "gw2");
    auto store = NsmStore::Open(factory_, dir);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->SetState(5).ok());
    for (const MonitoredHost& h : hosts) EXPECT_TRUE((*store)->PutHost(h).ok());
    for (const nsm::NsmAlias& a : aliases) EXPECT_TRUE((*store)->PutAlias(a).ok());
    return dir;
  }

  // Waits until the monitor has no SM_NOTIFY queued, then returns every call made.
  std::vector<RecordedCall> Sent(LockServices& ls, size_t at_least) {
    EXPECT_TRUE(caller_->WaitFor(at_least));
    for (int i = 0; i < 500 && ls.nsm().pending_calls() > 0; ++i) usleep(10000);
    EXPECT_EQ(ls.nsm().pending_calls(), 0u);
    return caller_->calls();
  }

  static nlm4_stats Lock(LockServices& ls, const LockArgs& a, uint32_t ip = 0xc0000207) {
    nlm4_res r{};
    ls.nlm().Lock(NlmCaller(ip), NLM4_VERS, a.lock(), /*monitored=*/true, &r);
    const nlm4_stats stat = r.stat.stat;
    xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&r));
    return stat;
  }

  static nlm4_stats Test(LockServices& ls, const LockArgs& a) {
    nlm4_testres r{};
    const nlm4_testargs args = a.test();
    ls.nlm().Test(NlmCaller(0xc0000208), args, &r);
    const nlm4_stats stat = r.stat.stat;
    xdr_free(X(xdr_nlm4_testres), reinterpret_cast<char*>(&r));
    return stat;
  }

  std::unique_ptr<leveldb::Env> env_;
  storage::KvFactory factory_;
  std::unique_ptr<nsm::RecordingCaller> caller_ = std::make_unique<nsm::RecordingCaller>();
};

struct Notified {
  std::string to;
  std::string mon_name;
  int state = 0;
  std::string source;  // "" when not bound
  bool operator<(const Notified& o) const {
    return std::tie(to, mon_name) < std::tie(o.to, o.mon_name);
  }
  bool operator==(const Notified&) const = default;
};

std::vector<Notified> Decode(const std::vector<RecordedCall>& calls) {
  std::vector<Notified> out;
  for (const RecordedCall& c : calls) {
    EXPECT_EQ(c.call.prog, static_cast<uint32_t>(SM_PROG));
    EXPECT_EQ(c.call.proc, static_cast<uint32_t>(SM_NOTIFY));
    sm_stat_chge args{};
    EXPECT_TRUE(c.Decode(X(xdr_sm_stat_chge), &args));
    out.push_back({HostText(c.call.addr), args.mon_name ? args.mon_name : "", args.state,
                   c.call.source.ss_family == AF_UNSPEC ? "" : HostText(c.call.source)});
    xdr_free(X(xdr_sm_stat_chge), reinterpret_cast<char*>(&args));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(LockTakeoverTest, NotifiesTheDeadGatewaysHostsInItsNameAndAdoptsThem) {
  const std::string dead =
      DeadGateway({{"client1", "192.0.2.7", 100}, {"client2", "192.0.2.8", 200}});
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  EXPECT_FALSE(ls->nlm().InGrace());  // nobody held locks here: no grace at start
  EXPECT_EQ(caller_->count(), 0u);

  // 198.51.100.12 (TEST-NET-2) is never an address of this host: sent unbound.
  auto n = ls->TakeOverGateway({dead, "198.51.100.12", {7}});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2u);
  // Its state 5 moved on to 7: a change every client's statd acts on.
  EXPECT_EQ(Decode(Sent(*ls, 2)), (std::vector<Notified>{{"192.0.2.7", "198.51.100.12", 7, ""},
                                                         {"192.0.2.8", "198.51.100.12", 7, ""}}));
  // Its database is gone; its hosts are ours now.
  EXPECT_FALSE(factory_.DatabaseExists(dead));
  EXPECT_FALSE(env_->FileExists(dead));
  std::vector<std::string> names;
  for (const MonitoredHost& h : ls->nsm().hosts()) names.push_back(h.name + "@" + h.address);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"client1@192.0.2.7", "client2@192.0.2.8"}));
}

TEST_F(LockTakeoverTest, TheDeadGatewaysOwnAliasesMoveWithIt) {
  // gw2 had itself taken over 198.51.100.13 (its state there 3): its clients are told in
  // that name too.
  const std::string dead =
      DeadGateway({{"client1", "192.0.2.7", 100}}, {{"198.51.100.13", 3}, {"192.0.2.101", 1}});
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  auto n = ls->TakeOverGateway({dead, "198.51.100.12", {7}});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  // Not under our own name (192.0.2.101): that one is ours alone.
  EXPECT_EQ(Decode(Sent(*ls, 2)), (std::vector<Notified>{{"192.0.2.7", "198.51.100.12", 7, ""},
                                                         {"192.0.2.7", "198.51.100.13", 5, ""}}));
  // And on our restart: under our name and both of gw2's, each moved on.
  ls = Restart(std::move(ls));
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(Decode(Sent(*ls, 3)), (std::vector<Notified>{{"192.0.2.7", "192.0.2.101", 3, ""},
                                                         {"192.0.2.7", "198.51.100.12", 9, ""},
                                                         {"192.0.2.7", "198.51.100.13", 7, ""}}));
}

TEST_F(LockTakeoverTest, OurRestartsNotifyInTheTakenOverNameUntilItIsReleased) {
  const std::string dead =
      DeadGateway({{"client1", "192.0.2.7", 100}, {"client2", "192.0.2.8", 200}});
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  ASSERT_TRUE(ls->TakeOverGateway({dead, "198.51.100.12", {7}}).ok());
  EXPECT_EQ(Sent(*ls, 2).size(), 2u);
  // Our next start notifies them in our own name (state 1 → 3) and in the
  // taken-over one (its state moved on again, 7 → 9), whichever they mounted.
  ls = Restart(std::move(ls));
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(Decode(Sent(*ls, 4)), (std::vector<Notified>{{"192.0.2.7", "192.0.2.101", 3, ""},
                                                         {"192.0.2.7", "198.51.100.12", 9, ""},
                                                         {"192.0.2.8", "192.0.2.101", 3, ""},
                                                         {"192.0.2.8", "198.51.100.12", 9, ""}}));
  EXPECT_TRUE(ls->nlm().InGrace());  // they may reclaim: the whole server's grace

  // The address moved on: later starts notify in our own name only.
  ASSERT_TRUE(ls->ReleaseGatewayAddress("198.51.100.12").ok());
  ls = Restart(std::move(ls));
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(Decode(Sent(*ls, 2)), (std::vector<Notified>{{"192.0.2.7", "192.0.2.101", 5, ""},
                                                         {"192.0.2.8", "192.0.2.101", 5, ""}}));
}

TEST_F(LockTakeoverTest, SendsFromTheTakenOverAddressWhenItIsOurs) {
  const std::string dead = DeadGateway({{"client1", "192.0.2.7", 100}});
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  // Loopback stands for a service address already added to this host's interface.
  auto n = ls->TakeOverGateway({dead, "127.0.0.1", {7}});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(Decode(Sent(*ls, 1)),
            (std::vector<Notified>{{"192.0.2.7", "127.0.0.1", 7, "127.0.0.1"}}));
}

TEST_F(LockTakeoverTest, AGatewayWithoutHostsIsTakenOverWithoutGrace) {
  const std::string dead = DeadGateway({});
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  auto n = ls->TakeOverGateway({dead, "198.51.100.12", {7}});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0u);
  EXPECT_FALSE(ls->nlm().InGrace(7));
  EXPECT_EQ(Lock(*ls, LockArgs(7, "client3", false)), NLM4_GRANTED);
  EXPECT_FALSE(factory_.DatabaseExists(dead));
}

TEST_F(LockTakeoverTest, RefusesOurOwnDatabaseAndAMissingAddress) {
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(ls->TakeOverGateway({storage::GatewayMembershipDir(kData, "gw1"), "198.51.100.12", {7}})
                .status()
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(
      ls->TakeOverGateway({storage::GatewayMembershipDir(kData, "gw2"), "", {7}}).status().code(),
      Status::Code::kInvalidArgument);
}

TEST_F(LockTakeoverTest, OnlyTheVolumesTakenOverAreInGraceUntilItEnds) {
  const std::string dead = DeadGateway({{"client1", "192.0.2.7", 100}});
  auto ls = Services(/*grace=*/500ms);
  ASSERT_NE(ls, nullptr);
  // A lock on volume 8 (ours all along) is held before the takeover.
  EXPECT_EQ(Lock(*ls, LockArgs(8, "client9", false), 0xc0000209), NLM4_GRANTED);
  ASSERT_TRUE(ls->TakeOverGateway({dead, "198.51.100.12", {7, 9}}).ok());
  EXPECT_FALSE(ls->nlm().InGrace());
  EXPECT_TRUE(ls->nlm().InGrace(7));
  EXPECT_TRUE(ls->nlm().InGrace(9));
  EXPECT_FALSE(ls->nlm().InGrace(8));

  // Volume 7: a third party waits; the old holder reclaims; then TEST still says grace.
  EXPECT_EQ(Lock(*ls, LockArgs(7, "client3", false), 0xc0000203), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(Lock(*ls, LockArgs(7, "client1", true)), NLM4_GRANTED);
  EXPECT_EQ(Test(*ls, LockArgs(7, "client3", false)), NLM4_DENIED_GRACE_PERIOD);
  // Volume 8 is untouched: locks and tests as usual, a reclaim there is refused.
  EXPECT_EQ(Test(*ls, LockArgs(8, "client3", false)), NLM4_DENIED);
  EXPECT_EQ(Lock(*ls, LockArgs(8, "client3", true), 0xc0000203), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(Lock(*ls, LockArgs(10, "client3", false), 0xc0000203), NLM4_GRANTED);

  // After the grace period: the reclaimed lock still excludes the third party, and a late
  // reclaim is refused.
  for (int i = 0; i < 300 && ls->nlm().InGrace(7); ++i) usleep(10000);
  ASSERT_FALSE(ls->nlm().InGrace(7));
  EXPECT_EQ(Lock(*ls, LockArgs(7, "client3", false), 0xc0000203), NLM4_DENIED);
  EXPECT_EQ(Test(*ls, LockArgs(7, "client3", false)), NLM4_DENIED);
  EXPECT_EQ(Lock(*ls, LockArgs(9, "client1", true)), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(Lock(*ls, LockArgs(9, "client3", false), 0xc0000203), NLM4_GRANTED);
}

TEST_F(LockTakeoverTest, TheWholeServersGraceCoversEveryVolume) {
  auto ls = Services();
  ASSERT_NE(ls, nullptr);
  ls->nlm().StartGrace(60s);
  EXPECT_TRUE(ls->nlm().InGrace(8));
  EXPECT_EQ(Lock(*ls, LockArgs(8, "client3", false)), NLM4_DENIED_GRACE_PERIOD);
  EXPECT_EQ(Lock(*ls, LockArgs(8, "client1", true)), NLM4_GRANTED);
  // A volume grace ending sooner does not end the server's.
  const uint64_t volumes[] = {8};
  ls->nlm().StartVolumeGrace(volumes, 0ms);
  EXPECT_TRUE(ls->nlm().InGrace(8));
  ls->nlm().StartGrace(0ms);
  EXPECT_FALSE(ls->nlm().InGrace(8));
  EXPECT_EQ(Lock(*ls, LockArgs(8, "client3", false)), NLM4_DENIED);
}

}  // namespace
}  // namespace volumed::nlm
