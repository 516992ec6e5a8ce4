#include "export/export_access.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

#include "export/cidr.h"

namespace volumed::exports {
namespace {

sockaddr_storage V4(const char* addr) {
  sockaddr_storage ss{};
  auto& sin = reinterpret_cast<sockaddr_in&>(ss);
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, addr, &sin.sin_addr);
  return ss;
}

sockaddr_storage V6(const char* addr) {
  sockaddr_storage ss{};
  auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
  sin6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, addr, &sin6.sin6_addr);
  return ss;
}

TEST(CidrTest, Ipv4Prefixes) {
  auto net = Cidr::Parse("10.1.0.0/16");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net->Contains(V4("10.1.200.3")));
  EXPECT_FALSE(net->Contains(V4("10.2.0.1")));
  EXPECT_TRUE(net->Contains(V6("::ffff:10.1.2.3")));  // v4-mapped peer
  EXPECT_FALSE(net->Contains(V6("fd00::1")));
  auto odd = Cidr::Parse("192.168.1.128/25");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->Contains(V4("192.168.1.200")));
  EXPECT_FALSE(odd->Contains(V4("192.168.1.100")));
  auto host = Cidr::Parse("127.0.0.1");
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->Contains(V4("127.0.0.1")));
  EXPECT_FALSE(host->Contains(V4("127.0.0.2")));
  auto all = Cidr::Parse("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains(V4("8.8.8.8")));
}

TEST(CidrTest, Ipv6Prefixes) {
  auto net = Cidr::Parse("fd00:1::/32");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net->Contains(V6("fd00:1::5")));
  EXPECT_FALSE(net->Contains(V6("fd00:2::5")));
  EXPECT_FALSE(net->Contains(V4("10.0.0.1")));
}

TEST(CidrTest, RejectsGarbage) {
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0.0/", "x.y.z.w", "10.0.0.0/8x", "::/129", "10.0.0.0/-1"}) {
    EXPECT_FALSE(Cidr::Parse(bad).ok()) << bad;
  }
}

TEST(ExportAccessTest, EmptyListAllowsEveryone) {
  storage::ExportPolicy p;
  EXPECT_TRUE(PeerAllowed(p, V4("1.2.3.4")));
}

TEST(ExportAccessTest, DeniedPeerIsAccessDenied) {
  storage::ExportPolicy p;
  p.allowed_cidrs = {"10.0.0.0/8", "not-a-cidr"};
  rpc::Credentials c;
  EXPECT_EQ(EvaluateExport(p, V4("11.0.0.1"), c).status().code(), Status::Code::kAccessDenied);
  EXPECT_TRUE(EvaluateExport(p, V4("10.9.9.9"), c).ok());
  p.allowed_cidrs = {"not-a-cidr"};  // an unparsable pattern matches nothing
  EXPECT_FALSE(PeerAllowed(p, V4("10.9.9.9")));
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
  EXPECT_TRUE(SquashedCredentials(p, root).groups.empty());
  EXPECT_EQ(SquashedCredentials(p, user).uid, 1000u);
  EXPECT_EQ(SquashedCredentials(p, user).groups, (std::vector<uint32_t>{1, 2}));

  p.squash = storage::Squash::kNone;
  EXPECT_EQ(SquashedCredentials(p, root).uid, 0u);

  p.squash = storage::Squash::kAll;
  EXPECT_EQ(SquashedCredentials(p, user).uid, 5000u);

  rpc::Credentials none;  // AUTH_NONE
  p.squash = storage::Squash::kNone;
  EXPECT_EQ(SquashedCredentials(p, none).uid, 5000u);
}

TEST(ExportAccessTest, ReadOnlyIsReported) {
  storage::ExportPolicy p;
  p.read_only = true;
  auto a = EvaluateExport(p, V4("127.0.0.1"), rpc::Credentials{});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->read_only);
}

}  // namespace
}  // namespace volumed::exports
