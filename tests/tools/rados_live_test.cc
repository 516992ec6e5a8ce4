// volumed --store rados, live: the catalog and volumes in a Ceph pool (a throw-away
// cluster started by tests/support/with_ceph.sh, which sets CEPH_CONF and CEPH_POOL),
// driven through volumectl — files put and got over NFS (libnfs), `info` naming the store,
// the data still there after a clean restart and after a kill -9 (the restarted server
// fences its dead predecessor and takes the volumes over at once), a second server on the
// same pool refused while the first one owns the catalog, a paused owner fenced by the
// server that takes over after its lease lapsed, and FSSTAT reporting the pool's capacity
// (the cluster runs a ceph-mgr for it: CEPH_MGR=1).
#include <gtest/gtest.h>
#include <nfsc/libnfs.h>
#include <signal.h>
#include <stdio.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_tool.h"
#include "support/read_file.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace volumed::testing {
namespace {

namespace fs = std::filesystem;

// As CEPH_USER (with_ceph.sh: the gateway user with the caps README names, no admin caps).
// Every test's first server is the same gateway "gw-live" (a restart of it, with another
// data directory); the second server is another gateway of the same store.
// `store`: the --ceph-namespace ("" = the pool's default store).
std::vector<std::string> RadosFlags(int lease_s = 10, const std::string& gateway = "gw-live",
                                    const std::string& store = "") {
  const char* user = std::getenv("CEPH_USER");
  return {"--ceph-namespace",  store,
          "--store",           "rados",
          "--ceph-conf",       std::getenv("CEPH_CONF"),
          "--ceph-pool",       std::getenv("CEPH_POOL"),
          "--ceph-user",       user != nullptr ? user : "admin",
          "--ceph-lease",      std::to_string(lease_s),
          "--ceph-gateway-id", gateway,
          "--grace-period",    "0"};
}

using volumed::testing::ReadFile;

class RadosLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("CEPH_CONF") == nullptr || std::getenv("CEPH_POOL") == nullptr) {
      GTEST_SKIP() << "no Ceph cluster: run through tests/support/with_ceph.sh";
    }
    ServerProcessOptions o;
    o.extra_args = RadosFlags();
    o.extra_args.insert(o.extra_args.end(), {"--volume", "data"});
    auto s = ServerProcess::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }
  // A clean stop releases the leases, so that the next test's server (the same gateway,
  // another data directory) takes its volumes over at once.
  void TearDown() override {
    if (server_ && server_->running()) (void)server_->Stop();
  }

  ToolResult Run(const std::vector<std::string>& args) { return RunOn(*server_, args); }
  static ToolResult RunOn(const ServerProcess& server, const std::vector<std::string>& args) {
    ToolOptions o;
    o.env = {{"VOLUMED_ADMIN_SOCKET", server.admin_socket()},
             {"VOLUMED_SERVER", "127.0.0.1"},
             {"VOLUMED_NFS_PORT", std::to_string(server.nfs_port())},
             {"VOLUMED_MOUNT_PORT", std::to_string(server.mount_port())}};
    o.unset_env = {"VOLUMED_ADMIN_TCP"};
    return RunTool(Volumectl(), args, o);
  }
  static ServerProcessOptions SecondServer(int lease_s, const std::string& store = "") {
    ServerProcessOptions o;
    o.extra_args = RadosFlags(lease_s, "gw-second", store);
    o.nfs_port = 12049;
    o.mount_port = 12048;
    o.nlm_port = 12803;
    o.nsm_port = 12765;
    o.rpcbind = false;
    o.start_timeout = std::chrono::milliseconds(20000);
    return o;
  }

  void ExpectFileBack(const std::string& want, const std::string& tag) {
    const std::string out = dir_ / ("got." + tag);
    ToolResult r = Run({"get", "data:/big.bin", out});
    ASSERT_EQ(r.exit_code, 0) << tag << ": " << r.err;
    EXPECT_TRUE(ReadFile(out) == want) << tag;
    r = Run({"get", "data:/small.txt", "-"});
    ASSERT_EQ(r.exit_code, 0) << tag << ": " << r.err;
    EXPECT_EQ(r.out, "hello from rados\n") << tag;
  }

  TempDir dir_{"rados-live"};
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(RadosLiveTest, FilesSurviveRestartsAndTheStoreIsNamed) {
  // The pool is one store: its catalog may hold volumes of earlier tests, so the id is
  // whatever `info` reports.
  ToolResult r = Run({"info", "data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t id_at = r.out.find("id:       ");
  ASSERT_NE(id_at, std::string::npos) << r.out;
  const std::string id = r.out.substr(id_at + 10, r.out.find(' ', id_at + 10) - id_at - 10);
  EXPECT_NE(r.out.find("store:    rados (pool '" + std::string(std::getenv("CEPH_POOL")) +
                       "', namespace 'volumes/" + id + "')"),
            std::string::npos)
      << r.out;

  std::string big(3 << 20, '\0');
  std::mt19937 rng(11);
  for (char& c : big) c = static_cast<char>(rng());
  {
    std::ofstream(dir_ / "big.bin", std::ios::binary) << big;
    std::ofstream(dir_ / "small.txt") << "hello from rados\n";
  }
  r = Run({"put", dir_ / "big.bin", dir_ / "small.txt", "data:/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectFileBack(big, "live");

  ASSERT_TRUE(server_->Restart().ok());  // SIGTERM: leases released cleanly
  ExpectFileBack(big, "after restart");

  server_->Kill();                       // leases held by a dead client
  ASSERT_TRUE(server_->Restart().ok());  // same gateway id: fences it, takes over at once
  ExpectFileBack(big, "after kill -9");
}

// A second server on the store is a second gateway: it shares the catalog, but a volume
// the first one owns is not mounted from it (NFSv3 has no referral: MNT says "no such
// export", and volumectl names the owner).
TEST_F(RadosLiveTest, ASecondGatewaySharesTheCatalogButNotTheFirstsVolumes) {
  auto second = ServerProcess::Start(SecondServer(10));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ToolResult r = RunOn(**second, {"list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("data"), std::string::npos) << r.out;
  r = RunOn(**second, {"ls", "data:/"});
  EXPECT_NE(r.exit_code, 0) << "listed a volume another gateway owns: " << r.out;
  // The first one still serves it.
  r = Run({"info", "data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  (void)(*second)->Stop();
}

// Two gateways; the one owning volume "paused" is paused (SIGSTOP) past its lease: the other one
// adopts it — fencing it first — and serves everything it acknowledged; continued
// (SIGCONT), the old owner finds its membership gone and exits without writing again.
TEST_F(RadosLiveTest, APausedGatewayIsFencedAndItsVolumesAdopted) {
  ASSERT_TRUE(server_->Stop().ok());
  ServerProcessOptions first;
  // A store of their own (the fixture's gateway, stopped, would be adopted too).
  first.extra_args = RadosFlags(3, "gw-paused", "paused-test");
  first.extra_args.insert(first.extra_args.end(), {"--volume", "paused"});
  auto old_owner = ServerProcess::Start(first);
  ASSERT_TRUE(old_owner.ok()) << old_owner.status().ToString();
  auto survivor = ServerProcess::Start(SecondServer(3, "paused-test"));
  ASSERT_TRUE(survivor.ok()) << survivor.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));  // past one lease: renewed
  std::ofstream(dir_ / "before.txt") << "acknowledged before the pause\n";
  ToolResult r = RunOn(**old_owner, {"put", dir_ / "before.txt", "paused:/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunOn(**survivor, {"get", "paused:/before.txt", "-"});
  EXPECT_NE(r.exit_code, 0) << "the survivor served a volume the live owner holds";

  ASSERT_EQ(kill((*old_owner)->pid(), SIGSTOP), 0);
  const auto paused = std::chrono::steady_clock::now();
  const auto deadline = paused + std::chrono::seconds(30);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    r = RunOn(**survivor, {"get", "paused:/before.txt", "-"});
  } while (r.exit_code != 0 && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(r.exit_code, 0) << "not adopted within 30 s: " << r.err;
  EXPECT_EQ(r.out, "acknowledged before the pause\n");
  std::printf("adopted %lld ms after the pause (lease 3 s)\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - paused)
                                         .count()));

  ASSERT_EQ(kill((*old_owner)->pid(), SIGCONT), 0);
  std::ofstream(dir_ / "after.txt") << "written after the takeover\n";
  r = RunOn(**old_owner, {"put", dir_ / "after.txt", "paused:/"});
  EXPECT_NE(r.exit_code, 0) << "the fenced owner still wrote: " << r.out;
  Result<int> exited = (*old_owner)->WaitExit(std::chrono::seconds(10));
  ASSERT_TRUE(exited.ok()) << "the fenced gateway did not stop serving";
  EXPECT_EQ(*exited, 75);
  r = RunOn(**survivor, {"ls", "paused:/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("after.txt"), std::string::npos) << r.out;
  (void)(*survivor)->Stop();
}

// The cluster's raw size in bytes as `rados df` (librados' cluster stat) reports it; 0
// while the ceph-mgr has not reported yet.
uint64_t ClusterRawBytes() {
  const std::string cmd =
      "rados -c '" + std::string(std::getenv("CEPH_CONF")) + "' df --format json 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  pclose(p);
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.contains("total_space") || !j["total_space"].is_number()) return 0;
  return j["total_space"].get<uint64_t>() * 1024;  // KiB
}

// FSSTAT of a volume without a quota is the pool's size as `ceph df` shows it (STORED + MAX
// AVAIL: at most the raw space of this one-OSD, one-replica pool, less the full-ratio
// margin), not the nominal 1 PiB and not the local disk, once the mgr has reported.
TEST_F(RadosLiveTest, FsstatReportsThePoolsCapacity) {
  nfs_context* nfs = nfs_init_context();
  ASSERT_NE(nfs, nullptr);
  ASSERT_EQ(nfs_mount(nfs, "127.0.0.1", "/data"), 0) << nfs_get_error(nfs);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  nfs_statvfs_64 vfs{};
  uint64_t raw = 0;
  uint64_t total = 0;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    raw = ClusterRawBytes();
    ASSERT_EQ(nfs_statvfs64(nfs, "/", &vfs), 0) << nfs_get_error(nfs);
    total = vfs.f_blocks * vfs.f_frsize;
  } while ((raw == 0 || total == uint64_t{1} << 50) && std::chrono::steady_clock::now() < deadline);
  nfs_destroy_context(nfs);
  ASSERT_GT(raw, 0u) << "the cluster never reported its size (is the mgr running?)";
  EXPECT_LE(total, raw);
  EXPECT_GE(total, raw / 10 * 9) << "FSSTAT total " << total << ", cluster raw " << raw;
  const uint64_t avail = vfs.f_bavail * vfs.f_frsize;
  EXPECT_GT(avail, 0u);
  EXPECT_LE(avail, total);
}

}  // namespace
}  // namespace volumed::testing
