// Where GatewayForwarder sends a call of a volume another gateway owns (ForwardingHost):
// to the owner's service address when it is live, never again a call that came from a
// gateway, and nowhere when this gateway, nobody or a dead gateway owns the volume.
#include "services/gateway_forwarder.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

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

}  // namespace
}  // namespace volumed::services
