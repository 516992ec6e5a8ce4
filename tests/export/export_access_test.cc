#include "export/export_access.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>

#include "fake_catalog.h"

namespace volumed::exports {
namespace {

sockaddr_storage V4(const char* addr) {
  sockaddr_storage ss{};
  auto& sin = reinterpret_cast<sockaddr_in&>(ss);
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, addr, &sin.sin_addr);
  return ss;
}

// The policy's patterns parsed as storage::ServedVolume keeps them.
bool Allowed(const storage::ExportPolicy& p, const sockaddr_storage& peer) {
  return PeerAllowed(p, ParseCidrs(p.allowed_cidrs), peer);
}
Result<ExportAccess> Evaluate(const storage::ExportPolicy& p, const sockaddr_storage& peer,
                              const rpc::Credentials& c) {
  return EvaluateExport(p, ParseCidrs(p.allowed_cidrs), peer, c);
}

TEST(ExportAccessTest, EmptyListAllowsEveryone) {
  storage::ExportPolicy p;
  EXPECT_TRUE(Allowed(p, V4("1.2.3.4")));
}

TEST(ExportAccessTest, DeniedPeerIsAccessDenied) {
  storage::ExportPolicy p;
  p.allowed_cidrs = {"10.0.0.0/8", "not-a-cidr"};
  rpc::Credentials c;
  EXPECT_EQ(Evaluate(p, V4("11.0.0.1"), c).status().code(), Status::Code::kAccessDenied);
  EXPECT_TRUE(Evaluate(p, V4("10.9.9.9"), c).ok());
  p.allowed_cidrs = {"not-a-cidr"};  // an unparsable pattern matches nothing
  EXPECT_FALSE(Allowed(p, V4("10.9.9.9")));
  sockaddr_storage local{};
  local.ss_family = AF_UNIX;  // local tooling is always allowed
  EXPECT_TRUE(Allowed(p, local));
}

TEST(ExportAccessTest, Squashing) {
  storage::ExportPolicy p;
  p.anon_uid = 5000;
  p.anon_gid = 6000;
  rpc::Credentials root;
  root.flavor = AUTH_SYS;
  root.uid = 0;
  root.gid = 0;
  root.gids = {1, 2};
  rpc::Credentials user = root;
  user.uid = 1000;
  user.gid = 1000;

  p.squash = storage::Squash::kRoot;
  EXPECT_EQ(SquashedCredentials(p, root).uid, 5000u);
  EXPECT_EQ(SquashedCredentials(p, root).gid, 6000u);
  // As knfsd: a squashed root keeps its supplementary groups, except group 0.
  root.gids = {1, 0, 2};
  user.gids = root.gids;
  EXPECT_EQ(SquashedCredentials(p, root).groups, (std::vector<uint32_t>{1, 6000, 2}));
  EXPECT_EQ(SquashedCredentials(p, user).uid, 1000u);
  EXPECT_EQ(SquashedCredentials(p, user).gid, 1000u);
  // gid 0 is squashed whoever presents it.
  EXPECT_EQ(SquashedCredentials(p, user).groups, (std::vector<uint32_t>{1, 6000, 2}));
  user.gid = 0;
  EXPECT_EQ(SquashedCredentials(p, user).uid, 1000u);
  EXPECT_EQ(SquashedCredentials(p, user).gid, 6000u);
  EXPECT_EQ(SquashedCredentials(p, user).groups, (std::vector<uint32_t>{1, 6000, 2}));
  user.gid = 1000;

  p.squash = storage::Squash::kNone;
  EXPECT_EQ(SquashedCredentials(p, root).uid, 0u);

  p.squash = storage::Squash::kAll;
  EXPECT_EQ(SquashedCredentials(p, user).uid, 5000u);
  EXPECT_TRUE(SquashedCredentials(p, user).groups.empty());

  rpc::Credentials none;  // AUTH_NONE
  p.squash = storage::Squash::kNone;
  EXPECT_EQ(SquashedCredentials(p, none).uid, 5000u);
}

TEST(ExportAccessTest, ReadOnlyIsReported) {
  storage::ExportPolicy p;
  p.read_only = true;
  auto a = Evaluate(p, V4("127.0.0.1"), rpc::Credentials{});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->read_only);
}

// Calls other gateways forward (they checked their client's address) pass the address
// check; squash still applies. This gateway's own addresses and others' are told apart,
// and the gateway list is read once per max_age, not per call.
TEST(ExportAccessTest, OtherGatewaysPassTheAddressCheckButAreSquashed) {
  int64_t now = 0;
  admin::testing::FakeCatalog catalog([&] { return now; });
  storage::GatewayInfo self;
  self.id = "gw1";
  self.address = "10.77.0.11/24";
  self.held = {"10.77.0.11/24"};
  self.live = self.self = true;
  storage::GatewayInfo other;
  other.id = "gw2";
  other.address = "10.77.0.12/24";
  other.held = {"10.77.0.12/24", "10.77.0.13/24"};
  other.live = true;
  catalog.SetGateways({self, other});
  GatewayPeers gateways(catalog, std::chrono::hours(1));

  storage::ExportPolicy p;
  p.allowed_cidrs = {"192.168.5.0/24"};
  rpc::Credentials root;
  root.flavor = AUTH_SYS;
  root.uid = 0;
  root.gid = 0;
  auto Eval = [&](const char* peer) {
    return EvaluateExport(p, ParseCidrs(p.allowed_cidrs), V4(peer), root, &gateways);
  };
  auto forwarded = Eval("10.77.0.13");  // an address gw2 took over
  ASSERT_TRUE(forwarded.ok());
  EXPECT_EQ(forwarded->cred.uid, p.anon_uid);  // root squashed as for any client
  EXPECT_TRUE(Eval("10.77.0.12").ok());
  EXPECT_TRUE(Eval("192.168.5.7").ok());
  EXPECT_EQ(Eval("10.77.0.11").status().code(), Status::Code::kAccessDenied);  // ourselves
  EXPECT_EQ(Eval("10.77.0.50").status().code(), Status::Code::kAccessDenied);
  EXPECT_EQ(EvaluateExport(p, ParseCidrs(p.allowed_cidrs), V4("10.77.0.12"), root).status().code(),
            Status::Code::kAccessDenied);  // without the gateway list: an address like any

  catalog.SetGateways({self});  // cached: gw2 is still known until max_age
  EXPECT_EQ(gateways.GatewayAt(V4("10.77.0.12")), "gw2");
  EXPECT_EQ(OtherGatewayAt(*catalog.Gateways(), "10.77.0.12"), "");
}

}  // namespace
}  // namespace volumed::exports
