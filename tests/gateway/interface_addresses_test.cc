// InterfaceAddresses for real, inside a throw-away network namespace (run it under
// tests/support/netns_run.sh): a veth pair whose one end is "the service interface" and
// whose other end a packet socket watches for the gratuitous ARP. Checks that Add puts the
// labelled address on, is idempotent, announces; that Remove and RemoveAll take off only
// what volumed added; and that an address the administrator configured is left alone.
#include "gateway/interface_addresses.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>

#include "gateway/tool_runner.h"

namespace volumed::gateway {
namespace {

using std::chrono::milliseconds;

constexpr const char* kInterface = "gwt0";
constexpr const char* kPeer = "gwt0peer";

std::string Sh(const std::vector<std::string>& argv) {
  auto run = RunTool(argv, milliseconds(5000));
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  if (!run.ok()) return "";
  EXPECT_EQ(run->exit_code, 0) << CommandLine(argv) << ": " << run->output;
  return run->output;
}

// The addresses on kInterface as `ip -o -4 addr show` lists them.
std::string Listing() { return Sh({"ip", "-o", "-4", "addr", "show", "dev", kInterface}); }

ServiceAddress Address(const char* text) {
  auto a = ServiceAddress::Parse(text);
  EXPECT_TRUE(a.ok());
  return *a;
}

class InterfaceAddressesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (getenv("VOLUMED_NETNS_INNER") == nullptr) {
      GTEST_SKIP() << "changes interfaces: run under tests/support/netns_run.sh";
    }
    Sh({"ip", "link", "add", kInterface, "type", "veth", "peer", "name", kPeer});
    Sh({"ip", "link", "set", kInterface, "up"});
    Sh({"ip", "link", "set", kPeer, "up"});
    auto opened = InterfaceAddresses::Open({.interface = kInterface});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    addresses_ = std::move(*opened);
  }
  void TearDown() override {
    if (getenv("VOLUMED_NETNS_INNER") != nullptr) Sh({"ip", "link", "del", kInterface});
  }
  std::unique_ptr<InterfaceAddresses> addresses_;
};

TEST_F(InterfaceAddressesTest, OpenNeedsAnExistingInterface) {
  auto missing = InterfaceAddresses::Open({.interface = "nosuch0"});
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("nosuch0"), std::string::npos);
  EXPECT_EQ(InterfaceAddresses::Open({.interface = "bad:name"}).status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(InterfaceAddressesTest, AddIsLabelledAndIdempotentRemoveTakesItOff) {
  const ServiceAddress a = Address("10.77.0.11/24");
  EXPECT_FALSE(*addresses_->Present(a));
  ASSERT_TRUE(addresses_->Add(a).ok());
  EXPECT_TRUE(*addresses_->Present(a));
  EXPECT_NE(Listing().find("inet 10.77.0.11/24 scope global gwt0:vd"), std::string::npos)
      << Listing();
  ASSERT_TRUE(addresses_->Add(a).ok());  // already there: fine, still one address
  const std::string listing = Listing();
  EXPECT_EQ(listing.find("10.77.0.11"), listing.rfind("10.77.0.11")) << listing;
  EXPECT_EQ(addresses_->Held(), std::vector<ServiceAddress>{a});

  ASSERT_TRUE(addresses_->Remove(a).ok());
  EXPECT_FALSE(*addresses_->Present(a));
  EXPECT_TRUE(addresses_->Held().empty());
  EXPECT_TRUE(addresses_->Remove(a).ok());  // not there: fine
}

TEST_F(InterfaceAddressesTest, AnAddressAddedByAnotherInstanceIsTakenOver) {
  // What a previous volumed on this machine left (its wrapper had not run yet).
  const ServiceAddress a = Address("10.77.0.12/24");
  Sh({"ip", "-4", "addr", "add", "10.77.0.12/24", "dev", kInterface, "label", "gwt0:vd"});
  ASSERT_TRUE(addresses_->Add(a).ok());
  EXPECT_EQ(addresses_->Held(), std::vector<ServiceAddress>{a});
  ASSERT_TRUE(addresses_->RemoveAll().ok());
  EXPECT_FALSE(*addresses_->Present(a));
}

TEST_F(InterfaceAddressesTest, AnAdministratorsAddressIsAnnouncedButNeverRemoved) {
  Sh({"ip", "-4", "addr", "add", "10.77.0.1/24", "dev", kInterface});
  const ServiceAddress admin = Address("10.77.0.1/24");
  ASSERT_TRUE(addresses_->Add(admin).ok());
  EXPECT_TRUE(addresses_->Held().empty());
  ASSERT_TRUE(addresses_->Remove(admin).ok());
  EXPECT_TRUE(*addresses_->Present(admin));
  ASSERT_TRUE(addresses_->RemoveAll().ok());
  EXPECT_TRUE(*addresses_->Present(admin));
}

TEST_F(InterfaceAddressesTest, RemoveAllTakesOffEveryAddressAdded) {
  const ServiceAddress own = Address("10.77.0.11/24");
  const ServiceAddress taken_over = Address("10.77.0.12/24");
  ASSERT_TRUE(addresses_->Add(own).ok());
  ASSERT_TRUE(addresses_->Add(taken_over).ok());
  EXPECT_EQ(addresses_->Held(), (std::vector<ServiceAddress>{own, taken_over}));
  // Removing the first address of the subnet leaves the second (promote_secondaries).
  ASSERT_TRUE(addresses_->Remove(own).ok());
  EXPECT_TRUE(*addresses_->Present(taken_over));
  ASSERT_TRUE(addresses_->Add(own).ok());
  ASSERT_TRUE(addresses_->RemoveAll().ok());
  EXPECT_TRUE(addresses_->Held().empty());
  EXPECT_EQ(Listing().find("10.77.0.1"), std::string::npos) << Listing();
}

TEST_F(InterfaceAddressesTest, AnAddressThatCannotBeAnnouncedIsNotLeftBehind) {
  auto no_arping = InterfaceAddresses::Open({.interface = kInterface, .arping_tool = "false"});
  ASSERT_TRUE(no_arping.ok());
  const ServiceAddress a = Address("10.77.0.14/24");
  const Status s = (*no_arping)->Add(a);
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("cannot announce 10.77.0.14"), std::string::npos) << s.message();
  EXPECT_FALSE(*addresses_->Present(a));
  EXPECT_TRUE((*no_arping)->Held().empty());
}

// The gratuitous ARP reaches the other end of the link: an ARP request whose sender and
// target protocol addresses are both the service address, from the interface's MAC.
TEST_F(InterfaceAddressesTest, AddAnnouncesWithGratuitousArp) {
  const int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP));
  ASSERT_GE(fd, 0) << std::strerror(errno);
  sockaddr_ll bind_to{};
  bind_to.sll_family = AF_PACKET;
  bind_to.sll_protocol = htons(ETH_P_ARP);
  bind_to.sll_ifindex = static_cast<int>(if_nametoindex(kPeer));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&bind_to), sizeof bind_to), 0);
  timeval wait{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);

  const ServiceAddress a = Address("10.77.0.13/24");
  ASSERT_TRUE(addresses_->Add(a).ok());
  in_addr expected{};
  inet_pton(AF_INET, "10.77.0.13", &expected);
  bool seen = false;
  uint8_t frame[128];
  // arphdr (8) + sender MAC (6) + sender IP (4) + target MAC (6) + target IP (4).
  for (int i = 0; i < 10 && !seen; ++i) {
    const ssize_t n = recv(fd, frame, sizeof frame, 0);
    if (n < 0) break;
    if (n < 28) continue;
    arphdr header;
    std::memcpy(&header, frame, sizeof header);
    seen = ntohs(header.ar_op) == ARPOP_REQUEST && std::memcmp(frame + 14, &expected, 4) == 0 &&
           std::memcmp(frame + 24, &expected, 4) == 0;
  }
  close(fd);
  EXPECT_TRUE(seen) << "no gratuitous ARP for 10.77.0.13 on " << kPeer;
  ASSERT_TRUE(addresses_->RemoveAll().ok());
}

}  // namespace
}  // namespace volumed::gateway
