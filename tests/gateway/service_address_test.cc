// ServiceAddress parsing and the interface-name rule; RunTool's exit codes, output bound,
// timeout and missing tools. Nothing here touches the network configuration.
#include "gateway/service_address.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "gateway/tool_runner.h"

namespace volumed::gateway {
namespace {

using std::chrono::milliseconds;

TEST(ServiceAddressTest, ParsesIpv4WithPrefix) {
  auto a = ServiceAddress::Parse("10.77.0.11/24");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->host(), "10.77.0.11");
  EXPECT_EQ(a->prefix(), 24u);
  EXPECT_EQ(a->ToString(), "10.77.0.11/24");
  auto host = ServiceAddress::Parse("192.168.1.7/32");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->ToString(), "192.168.1.7/32");
  EXPECT_EQ(*ServiceAddress::Parse("10.0.0.1/8"), *ServiceAddress::Parse("10.0.0.1/08"));
  EXPECT_FALSE(*ServiceAddress::Parse("10.0.0.1/8") == *ServiceAddress::Parse("10.0.0.1/9"));
}

TEST(ServiceAddressTest, RejectsWithAMessageNamingTheText) {
  for (const char* bad : {"", "10.77.0.11", "10.77.0.11/", "10.77.0.11/33", "10.77.0.11/0",
                          "fd00::1/64", "10.77.0/24", "gw1/24", "10.77.0.11/24/1"}) {
    const Status s = ServiceAddress::Parse(bad).status();
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find(std::string("service address '") + bad + "'"), std::string::npos)
        << s.message();
  }
}

TEST(ServiceAddressTest, InterfaceNamesLeaveRoomForTheLabel) {
  for (const char* ok : {"eth0", "ens3", "enp0s31f6", "veth-gw1", "br0.100", "twelve_chars"}) {
    EXPECT_TRUE(CheckServiceInterface(ok).ok()) << ok;
  }
  for (const char* bad : {"", "thirteen-char", "eth0:1", "eth 0", "a/b", ".", ".."}) {
    const Status s = CheckServiceInterface(bad);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ServiceLabel("eth0"), "eth0:vd");
  EXPECT_LE(ServiceLabel("twelve_chars").size(), 15u);
}

TEST(RunToolTest, ReturnsExitCodeAndOutput) {
  auto ok = RunTool({"sh", "-c", "echo out; echo err >&2"}, milliseconds(5000));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->exit_code, 0);
  EXPECT_EQ(ok->output, "out\nerr\n");
  auto failed = RunTool({"sh", "-c", "exit 3"}, milliseconds(5000));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->exit_code, 3);
  // stdin is /dev/null, so a tool that reads it ends at once.
  auto cat = RunTool({"cat"}, milliseconds(5000));
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ(cat->output, "");
}

TEST(RunToolTest, BoundsTheOutputItKeeps) {
  auto chatty = RunTool({"sh", "-c", "head -c 200000 /dev/zero; exit 0"}, milliseconds(10000));
  ASSERT_TRUE(chatty.ok()) << chatty.status().ToString();
  EXPECT_EQ(chatty->exit_code, 0);
  EXPECT_EQ(chatty->output.size(), kMaxToolOutput);
}

TEST(RunToolTest, KillsAToolPastItsDeadline) {
  const auto start = std::chrono::steady_clock::now();
  auto slow = RunTool({"sleep", "30"}, milliseconds(200));
  EXPECT_EQ(slow.status().code(), Status::Code::kIoError);
  EXPECT_NE(slow.status().message().find("sleep 30"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Output closed early does not extend the deadline either.
  auto quiet = RunTool({"sh", "-c", "exec >/dev/null 2>&1; sleep 30"}, milliseconds(200));
  EXPECT_EQ(quiet.status().code(), Status::Code::kIoError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(RunToolTest, AMissingToolIsAnErrorNamingIt) {
  auto missing = RunTool({"volumed-no-such-tool"}, milliseconds(1000));
  EXPECT_EQ(missing.status().code(), Status::Code::kIoError);
  EXPECT_NE(missing.status().message().find("volumed-no-such-tool"), std::string::npos);
}

}  // namespace
}  // namespace volumed::gateway
