// Where GatewayForwarder sends a call of a volume another gateway owns (ForwardingHost):
// to the owner's service address when it is live, never again a call that came from a
// gateway, and nowhere when this gateway, nobody or a dead gateway owns the volume. Which
// owner answers say it may not own the volume any more (OwnerRefused). And, with an owner
// in-process on loopback, how often the forwarder reads the volume's owner from the
// catalog: once per owner_ttl while calls are relayed, again at once after a failed call
// or a decline.
#include "services/gateway_forwarder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "mount/mount_service.h"
#include "mount3_prot.h"
#include "nfs3/fake_catalog.h"
#include "nfs3/nfs_service.h"
#include "nfs3_prot.h"
#include "rpc/server.h"
#include "rpc/socket_util.h"
#include "test_program.h"

namespace volumed::services {
namespace {

storage::GatewayInfo Gateway(std::string id, std::string address, std::vector<std::string> held,
                             bool live, bool self = false) {
  storage::GatewayInfo g;
  g.id = std::move(id);
  g.address = std::move(address);
  g.held = std::move(held);
  g.live = live;
  g.self = self;
  return g;
}

std::vector<storage::GatewayInfo> Gateways() {
  return {Gateway("gw1", "10.77.0.11/24", {"10.77.0.11/24"}, true, /*self=*/true),
          Gateway("gw2", "10.77.0.12/24", {"10.77.0.12/24", "10.77.0.13/24"}, true),
          Gateway("gw3", "10.77.0.13/24", {}, false),  // dead, adopted by gw2
          Gateway("gw4", "", {}, true)};               // no service address
}

std::string Declined(std::string_view owner, std::string_view peer) {
  auto host = ForwardingHost(Gateways(), owner, peer);
  EXPECT_FALSE(host.ok()) << *host;
  EXPECT_EQ(host.status().code(), Status::Code::kBusy);  // answered JUKEBOX: the client retries
  return host.ok() ? std::string() : host.status().message();
}

TEST(ForwardingHostTest, AClientsCallGoesToTheLiveOwnersServiceAddress) {
  auto host = ForwardingHost(Gateways(), "gw2", "10.77.0.200");
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(*host, "10.77.0.12");
  // A client on a gateway's own machine, calling its service address, is a client.
  host = ForwardingHost(Gateways(), "gw2", "10.77.0.11");
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(*host, "10.77.0.12");
}

TEST(ForwardingHostTest, ACallFromAnotherGatewayIsNeverForwardedAgain) {
  EXPECT_EQ(Declined("gw2", "10.77.0.12"),
            "the call came from gateway gw2 (10.77.0.12): a call is forwarded at most once");
  // From an address a gateway took over, too.
  EXPECT_EQ(Declined("gw2", "10.77.0.13"),
            "the call came from gateway gw2 (10.77.0.13): a call is forwarded at most once");
}

TEST(ForwardingHostTest, NoLiveOwnerElsewhereMeansNoForward) {
  EXPECT_EQ(Declined("gw1", "10.77.0.200"), "this gateway owns the volume now");
  EXPECT_EQ(Declined("", "10.77.0.200"), "the volume has no owner");
  EXPECT_EQ(Declined("gw3", "10.77.0.200"), "owner gw3 is not live");
  EXPECT_EQ(Declined("gw4", "10.77.0.200"), "owner gw4 has no service address");
  EXPECT_EQ(Declined("gw9", "10.77.0.200"), "owner gw9 has no record");
}

TEST(OwnerRefusedTest, JukeboxFromNfsAndAnyMntErrorMayMeanAnotherOwner) {
  GETATTR3res getattr{};
  getattr.status = NFS3ERR_JUKEBOX;
  EXPECT_TRUE(OwnerRefused(nfs3::kNfsProgram, NFSPROC3_GETATTR, &getattr));
  getattr.status = NFS3ERR_STALE;
  EXPECT_FALSE(OwnerRefused(nfs3::kNfsProgram, NFSPROC3_GETATTR, &getattr));
  WRITE3res write{};
  write.status = NFS3_OK;
  EXPECT_FALSE(OwnerRefused(nfs3::kNfsProgram, NFSPROC3_WRITE, &write));
  write.status = NFS3ERR_JUKEBOX;
  EXPECT_TRUE(OwnerRefused(nfs3::kNfsProgram, NFSPROC3_WRITE, &write));
  mountres3 mnt{};
  mnt.fhs_status = MNT3ERR_NOENT;
  EXPECT_TRUE(OwnerRefused(mount::kMountProgram, MOUNTPROC3_MNT, &mnt));
  mnt.fhs_status = MNT3_OK;
  EXPECT_FALSE(OwnerRefused(mount::kMountProgram, MOUNTPROC3_MNT, &mnt));
  const uint32_t other = 1;
  EXPECT_FALSE(OwnerRefused(0x20000099, 1, &other));  // not a program with volumes
}

// The fake catalog's one volume (id 7), owned by gw2; counts the reads of its record.
class OwnedElsewhere : public testing::FakeCatalog {
 public:
  Result<storage::VolumeInfo> DescribeById(uint64_t id) override {
    ++reads;
    return FakeCatalog::DescribeById(id);
  }
  Result<std::vector<storage::GatewayInfo>> Gateways() override { return gateways; }

  std::atomic<int> reads{0};
  std::vector<storage::GatewayInfo> gateways;
};

class ForwarderOwnerCacheTest : public ::testing::Test {
 protected:
  using Clock = OwnerCache::Clock;

  ForwarderOwnerCacheTest() {
    catalog_.info.owner = "gw2";
    catalog_.gateways = {Gateway("gw1", "10.77.0.11/24", {}, true, /*self=*/true),
                         Gateway("gw2", "127.0.0.1/8", {}, true)};
    rpc::ServerOptions o;
    o.listen_address = "127.0.0.1";
    o.use_rpcbind = false;
    o.threads = 2;
    owner_ = std::make_unique<rpc::Server>(o);
    EXPECT_TRUE(owner_->Register(rpc::testing::TestProgram(1, &state_), {}).ok());
    EXPECT_TRUE(owner_->Start().ok());
    port_ = owner_->BoundPort(rpc::testing::kTestProg, rpc::Transport::kTcp);
    forwarder_ = Make(port_);
  }
  ~ForwarderOwnerCacheTest() override {
    forwarder_.reset();
    owner_->Stop();
  }

  std::unique_ptr<GatewayForwarder> Make(uint16_t port) {
    GatewayForwarder::Options o;
    o.ports[rpc::testing::kTestProg] = port;
    o.threads = 1;
    o.timeout = std::chrono::milliseconds(5000);
    o.owner_ttl = std::chrono::milliseconds(1000);
    return std::make_unique<GatewayForwarder>(catalog_, peers_, o, [this] { return now_; });
  }

  // ECHO of `n` by a client at 10.9.9.9 on volume 7: the owner's n + 1, or why not.
  Result<uint32_t> Echo(GatewayForwarder& forwarder, uint32_t n) {
    rpc::ForwardedCall call;
    call.target = catalog_.info.id;
    call.prog = rpc::testing::kTestProg;
    call.vers = 1;
    call.proc = rpc::testing::kEcho;
    call.peer = rpc::ParseAddress("10.9.9.9", 700).value();
    call.local = rpc::ParseAddress("127.0.0.1", 2049).value();
    call.args = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                 static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    call.decode_result = reinterpret_cast<xdrproc_t>(xdr_u_int);
    u_int result = 0;
    VOLUMED_RETURN_IF_ERROR(forwarder.ForwardNow(call, &result));
    return result;
  }

  OwnedElsewhere catalog_;
  exports::GatewayPeers peers_{catalog_, Clock::duration::zero()};  // the list read afresh
  rpc::testing::TestState state_;
  std::unique_ptr<rpc::Server> owner_;
  uint16_t port_ = 0;
  Clock::time_point now_{};
  std::unique_ptr<GatewayForwarder> forwarder_;
};

TEST_F(ForwarderOwnerCacheTest, TheOwnerIsReadOncePerTtlWhileCallsAreRelayed) {
  for (uint32_t i = 0; i < 20; ++i) {
    auto r = Echo(*forwarder_, i);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, i + 1);
  }
  EXPECT_EQ(catalog_.reads, 1);  // without the cache: 20
  now_ += std::chrono::milliseconds(999);
  ASSERT_TRUE(Echo(*forwarder_, 1).ok());
  EXPECT_EQ(catalog_.reads, 1);
  now_ += std::chrono::milliseconds(1);  // expired: read again, then kept again
  ASSERT_TRUE(Echo(*forwarder_, 1).ok());
  ASSERT_TRUE(Echo(*forwarder_, 1).ok());
  EXPECT_EQ(catalog_.reads, 2);
  const OwnerCache::Stats stats = forwarder_->owner_cache_stats();
  EXPECT_EQ(stats.hits, 21u);
  EXPECT_EQ(stats.misses, 2u);
}

TEST_F(ForwarderOwnerCacheTest, AFailedCallDropsTheEntry) {
  ASSERT_TRUE(Echo(*forwarder_, 1).ok());
  EXPECT_EQ(catalog_.reads, 1);
  owner_->Stop();  // the owner stops answering: the call fails (the client gets JUKEBOX)
  EXPECT_FALSE(Echo(*forwarder_, 1).ok());
  EXPECT_EQ(forwarder_->owner_cache_stats().invalidations, 1u);
  EXPECT_FALSE(Echo(*forwarder_, 1).ok());
  EXPECT_EQ(catalog_.reads, 2);  // the retry read the owner afresh
}

TEST_F(ForwarderOwnerCacheTest, AnOwnerChangeIsSeenWhenTheCachedOwnerIsDeclined) {
  ASSERT_TRUE(Echo(*forwarder_, 1).ok());
  // The volume moved to this gateway and gw2 went away: a cached "gw2" is declined, read
  // again — this gateway owns it — and declined (the handler's catalog lookup serves it).
  catalog_.info.owner = "gw1";
  catalog_.gateways[1].live = false;
  now_ += std::chrono::milliseconds(1);  // well within owner_ttl
  auto r = Echo(*forwarder_, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "this gateway owns the volume now");
  EXPECT_EQ(catalog_.reads, 2);
  // A decline keeps nothing: the next call reads again.
  EXPECT_FALSE(Echo(*forwarder_, 1).ok());
  EXPECT_EQ(catalog_.reads, 3);
}

}  // namespace
}  // namespace volumed::services
