// base/socket_address.h (one name per host: IPv4-mapped IPv6 unwrapped) and base/cidr.h
// (the one CIDR parser).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "base/cidr.h"
#include "base/socket_address.h"

namespace volumed {
namespace {

sockaddr_storage V4(const char* addr, uint16_t port = 0) {
  sockaddr_storage ss{};
  auto& sin = reinterpret_cast<sockaddr_in&>(ss);
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET, addr, &sin.sin_addr), 1) << addr;
  return ss;
}

sockaddr_storage V6(const char* addr, uint16_t port = 0) {
  sockaddr_storage ss{};
  auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, addr, &sin6.sin6_addr), 1) << addr;
  return ss;
}

TEST(SocketAddress, Ipv4) {
  const sockaddr_storage a = V4("192.0.2.7", 2049);
  EXPECT_EQ(HostText(a), "192.0.2.7");
  EXPECT_EQ(AddressLiteral(a), "192.0.2.7");
  EXPECT_EQ(PortOf(a), 2049);
  EXPECT_EQ(FormatPeer(a), "192.0.2.7:2049");
}

TEST(SocketAddress, Ipv6) {
  const sockaddr_storage a = V6("fd00::1", 111);
  EXPECT_EQ(HostText(a), "fd00::1");
  EXPECT_EQ(AddressLiteral(a), "fd00::1");
  EXPECT_EQ(PortOf(a), 111);
  EXPECT_EQ(FormatPeer(a), "[fd00::1]:111");
  EXPECT_EQ(Unmapped(a).ss_family, AF_INET6);
}

// The same host reaching a dual-stack socket has the name it has over IPv4.
TEST(SocketAddress, Ipv4MappedIpv6IsTheIpv4Host) {
  const sockaddr_storage mapped = V6("::ffff:192.0.2.7", 800);
  EXPECT_EQ(HostText(mapped), "192.0.2.7");
  EXPECT_EQ(HostText(mapped), HostText(V4("192.0.2.7")));
  EXPECT_EQ(FormatPeer(mapped), "192.0.2.7:800");
  const sockaddr_storage plain = Unmapped(mapped);
  ASSERT_EQ(plain.ss_family, AF_INET);
  EXPECT_EQ(PortOf(plain), 800);
  // The literal keeps the family, for wire formats that carry it.
  EXPECT_EQ(AddressLiteral(mapped), "::ffff:192.0.2.7");
  // Only ::ffff:0:0/96 is mapped; the deprecated IPv4-compatible form is not.
  EXPECT_EQ(HostText(V6("::192.0.2.7")), "::192.0.2.7");
}

TEST(SocketAddress, LocalAndUnknownFamilies) {
  sockaddr_storage local{};
  local.ss_family = AF_UNIX;
  EXPECT_EQ(HostText(local), "local");
  EXPECT_EQ(FormatPeer(local), "local");
  EXPECT_EQ(PortOf(local), 0);
  EXPECT_EQ(AddressLiteral(local), "");
  sockaddr_storage none{};
  EXPECT_EQ(HostText(none), "");
}

TEST(Cidr, Ipv4Prefixes) {
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
  sockaddr_storage local{};
  local.ss_family = AF_UNIX;
  EXPECT_FALSE(all->Contains(local));
}

TEST(Cidr, KeepsTheAddressItWasGiven) {
  auto host_in_net = Cidr::Parse("10.77.0.11/24");
  ASSERT_TRUE(host_in_net.ok());
  EXPECT_TRUE(host_in_net->is_ipv4());
  EXPECT_EQ(host_in_net->prefix(), 24u);
  EXPECT_EQ(host_in_net->AddressText(), "10.77.0.11");  // host bits kept, not masked
  auto bare = Cidr::Parse("fd00::7");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->is_ipv4());
  EXPECT_EQ(bare->prefix(), 128u);
  EXPECT_EQ(bare->AddressText(), "fd00::7");
}

TEST(Cidr, Ipv6Prefixes) {
  auto net = Cidr::Parse("fd00:1::/32");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net->Contains(V6("fd00:1::5")));
  EXPECT_FALSE(net->Contains(V6("fd00:2::5")));
  EXPECT_FALSE(net->Contains(V4("10.0.0.1")));
}

TEST(Cidr, AcceptsAddressesAndPrefixes) {
  for (const char* ok : {"127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.7/32", "::1",
                         "fd00::/8", "2001:db8::/128", "10.0.0.0/08"}) {
    EXPECT_TRUE(Cidr::Parse(ok).ok()) << ok;
  }
}

TEST(Cidr, RejectsWithAMessageNamingTheEntry) {
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/8x", "fd00::/129", "::/129",
        "host.example", "x.y.z.w", "10.0.0.0/-1", "10.0.0.0/+8", "1.2.3.4/08/1", "10.0.0.0/0008"}) {
    const Status s = Cidr::Parse(bad).status();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("is not a CIDR"), std::string::npos) << bad;
    EXPECT_NE(s.message().find(std::string("'") + bad + "'"), std::string::npos) << bad;
  }
  const std::string longest(Cidr::kMaxTextLength + 1, '1');
  EXPECT_EQ(Cidr::Parse(longest).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace volumed
