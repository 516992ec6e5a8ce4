// volumectl's lifecycle commands end to end: the real volumectl binary talks to the real
// RPC engine serving the admin program on a Unix socket (and TCP), over an in-memory
// catalog. Every command, success and failure, with the message and exit code a user
// sees; ephemeral leases lapsing; `run` deleting its volume.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "admin/admin_program.h"
#include "admin/admin_service.h"
#include "admin/lease_reaper.h"
#include "fake_catalog.h"
#include "rpc/server.h"
#include "run_tool.h"
#include "support/temp_dir.h"

namespace volumed::admin {
namespace {

using volumed::testing::RunTool;
using volumed::testing::ToolOptions;
using volumed::testing::ToolResult;
using volumed::testing::Volumectl;

class VolumectlAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_ = dir_ + "/admin.sock";
    StartServer({});
  }
  void TearDown() override { server_.reset(); }

  void StartServer(AdminAccess access) {
    server_.reset();
    service_ =
        std::make_unique<AdminService>(&catalog_, AdminAuthorizer(std::move(access)), AdminHooks{});
    rpc::ServerOptions options;
    options.use_rpcbind = false;
    options.listen_address = "127.0.0.1";
    options.threads = 2;
    server_ = std::make_unique<rpc::Server>(options);
    const rpc::ProgramVersion pv = AdminProgramVersion(service_.get());
    ASSERT_TRUE(server_->RegisterLocal(pv, socket_).ok());
    ASSERT_TRUE(server_->Register(pv, {.tcp = 0}).ok());
    ASSERT_TRUE(server_->Start().ok());
    tcp_port_ = server_->BoundPort(pv.prog, rpc::Transport::kTcp);
  }

  ToolResult Run(std::vector<std::string> args, ToolOptions options = {}) {
    options.env.emplace_back("VOLUMED_ADMIN_SOCKET", socket_);
    options.unset_env.push_back("VOLUMED_ADMIN_TCP");
    return RunTool(volumectl_, args, options);
  }

  const volumed::testing::TempDir tmp_{"volumectl-test"};
  const std::string dir_ = tmp_.path();
  std::string socket_;
  std::string volumectl_ = Volumectl();  // the binary Run() starts
  uint16_t tcp_port_ = 0;
  testing::FakeCatalog catalog_{WallNowNs};
  std::unique_ptr<AdminService> service_;
  std::unique_ptr<rpc::Server> server_;
};

TEST_F(VolumectlAdminTest, HelpListsCommandsAndExitCodes) {
  ToolResult r = RunTool(Volumectl(), {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"create", "list", "info", "delete", "renew", "run", "policy", "fsck",
                           "gateways", "move", "ls", "put", "get", "rm", "du", "Exit codes"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
  r = RunTool(Volumectl(), {"create", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--ephemeral"), std::string::npos);
}

TEST_F(VolumectlAdminTest, CreateListInfoDelete) {
  ToolResult r = Run({"create", "data", "--quota-bytes", "10M", "--quota-files", "100", "--allow",
                      "10.0.0.0/8", "--allow", "127.0.0.1", "--read-only", "--squash", "all",
                      "--anon-uid", "1000", "--anon-gid", "1001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "created volume 'data'\n");
  auto info = catalog_.Describe("data");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->quota.max_bytes, 10u << 20);
  EXPECT_EQ(info->quota.max_files, 100u);
  EXPECT_EQ(info->policy.allowed_cidrs, (std::vector<std::string>{"10.0.0.0/8", "127.0.0.1"}));
  EXPECT_TRUE(info->policy.read_only);
  EXPECT_EQ(info->policy.squash, storage::Squash::kAll);
  EXPECT_EQ(info->policy.anon_uid, 1000u);
  EXPECT_EQ(info->policy.anon_gid, 1001u);

  ASSERT_EQ(Run({"create", "other"}).exit_code, 0);
  r = Run({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NAME"), std::string::npos);
  EXPECT_LT(r.out.find("data"), r.out.find("other"));
  r = Run({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("[{\"name\":\"data\"", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\"allowed\":[\"10.0.0.0/8\",\"127.0.0.1\"]"), std::string::npos);
  EXPECT_NE(r.out.find("\"squash\":\"all\""), std::string::npos);

  r = Run({"info", "data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kind:     persisted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("quota:    10.0 MiB, 100 files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("access:   read-only, squash all (anonymous 1000:1001)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("clients:  10.0.0.0/8, 127.0.0.1"), std::string::npos) << r.out;
  r = Run({"info", "data", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"kind\":\"persisted\",\"created_ns\":"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"lease_expiry_ns\":null"), std::string::npos);

  r = Run({"delete", "data", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deleted volume 'data'\n");
  EXPECT_FALSE(catalog_.Describe("data").ok());
}

TEST_F(VolumectlAdminTest, FailuresSayWhatIsWrong) {
  ASSERT_EQ(Run({"create", "dup"}).exit_code, 0);
  ToolResult r = Run({"create", "dup"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, "volumectl: a volume named 'dup' already exists\n");

  r = Run({"info", "nope"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'nope'\n");
  r = Run({"delete", "nope", "--yes"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'nope'\n");
  r = Run({"renew", "nope"});
  EXPECT_EQ(r.exit_code, 3);

  r = Run({"create", "bad/name"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'bad/name' is not a valid volume name"), std::string::npos) << r.err;
  r = Run({"create", std::string(65, 'x')});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("longer than 64 characters"), std::string::npos) << r.err;

  r = Run({"create", "c", "--allow", "300.1.1.1/8"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'300.1.1.1/8' is not a CIDR"), std::string::npos) << r.err;
  r = Run({"create", "c", "--squash", "some"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--squash must be root, all or none"), std::string::npos);
  r = Run({"create", "c", "--ephemeral", "--ttl", "soon"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'soon' is not a duration"), std::string::npos);
  r = Run({"create", "c", "--quota-bytes", "lots"});
  EXPECT_EQ(r.exit_code, 2);
  r = Run({"create"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("name is required"), std::string::npos) << r.err;
  EXPECT_FALSE(catalog_.Describe("c").ok());

  r = Run({"renew", "dup"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "volumectl: volume 'dup' is persisted: only ephemeral volumes have a lease\n");

  // delete asks; without a terminal and without --yes it refuses.
  r = Run({"delete", "dup"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "volumectl: refusing to delete volume 'dup' without confirmation: pass --yes\n");
  EXPECT_TRUE(catalog_.Describe("dup").ok());
}

TEST_F(VolumectlAdminTest, NoServerIsSaidPlainly) {
  ToolOptions o;
  o.env.emplace_back("VOLUMED_ADMIN_SOCKET", dir_ + "/nobody.sock");
  o.unset_env.push_back("VOLUMED_ADMIN_TCP");
  ToolResult r = RunTool(Volumectl(), {"list"}, o);
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.err, "volumectl: no volumed is answering at " + dir_ +
                       "/nobody.sock (No such file or directory); is the server running? Point "
                       "--admin-socket or VOLUMED_ADMIN_SOCKET at its admin socket\n");
  // --admin-socket wins over the environment.
  r = RunTool(Volumectl(), {"--admin-socket", socket_, "list"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;

  server_.reset();  // a stale socket file, nobody listening
  r = Run({"list"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("no volumed is answering at " + socket_), std::string::npos) << r.err;
}

TEST_F(VolumectlAdminTest, EphemeralLeaseRenewAndLapse) {
  ToolResult r = Run({"create", "eph", "--ephemeral", "--ttl", "1s"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("created ephemeral volume 'eph' (lease expires in", 0), 0u) << r.out;
  r = Run({"renew", "eph", "--ttl", "2m"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("renewed the lease of 'eph': expires in 1m59s", 0), 0u) << r.out;
  r = Run({"info", "eph"});
  EXPECT_NE(r.out.find("kind:     ephemeral (lease expires in 1m5"), std::string::npos) << r.out;

  ASSERT_EQ(Run({"renew", "eph", "--ttl", "1s"}).exit_code, 0);
  LeaseReaper reaper(
      &catalog_, std::chrono::milliseconds(100),
      [this](uint64_t id, std::string_view name) { service_->NotifyDeleted(id, name); });
  reaper.Start();
  for (int i = 0; i < 100 && catalog_.Describe("eph").ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  reaper.Stop();
  r = Run({"info", "eph"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'eph'\n");
}

TEST_F(VolumectlAdminTest, PolicyChangesAndShows) {
  ASSERT_EQ(Run({"create", "vol", "--allow", "10.0.0.0/8"}).exit_code, 0);
  ToolResult r = Run({"policy", "vol", "--read-only", "--quota-files", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("access:   read-only"), std::string::npos) << r.out;
  auto v = catalog_.Describe("vol");
  EXPECT_TRUE(v->policy.read_only);
  EXPECT_EQ(v->quota.max_files, 5u);
  EXPECT_EQ(v->policy.allowed_cidrs, std::vector<std::string>{"10.0.0.0/8"});

  ASSERT_EQ(Run({"policy", "vol", "--allow-any", "--read-write", "--squash", "none"}).exit_code, 0);
  v = catalog_.Describe("vol");
  EXPECT_FALSE(v->policy.read_only);
  EXPECT_TRUE(v->policy.allowed_cidrs.empty());
  EXPECT_EQ(v->policy.squash, storage::Squash::kNone);

  r = Run({"policy", "vol", "--allow", "nonsense"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'nonsense' is not a CIDR"), std::string::npos);
  r = Run({"policy", "vol", "--read-only", "--read-write"});
  EXPECT_EQ(r.exit_code, 2);
  r = Run({"policy", "ghost", "--read-only"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'ghost'\n");
  r = Run({"policy", "vol", "--json"});  // no change: shows the policy
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"squash\":\"none\""), std::string::npos) << r.out;
}

TEST_F(VolumectlAdminTest, FsckAndLocksWithoutThoseServicesSaySo) {
  ASSERT_EQ(Run({"create", "vol"}).exit_code, 0);
  ToolResult r = Run({"fsck", "vol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "volumectl: this server offers no online fsck\n");
  r = Run({"locks", "list", "vol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "volumectl: this server keeps no lock table (no NLM service)\n");
  r = Run({"fsck", "ghost"});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(VolumectlAdminTest, RunKeepsTheVolumeWhileTheCommandRunsThenDeletesIt) {
  const std::string seen = dir_ + "/seen";
  ToolResult r =
      Run({"--server", "nfs.example", "run", "--volume", "job1", "--ttl", "600ms", "--", "sh", "-c",
           "echo \"$VOLUMED_VOLUME $VOLUMED_MOUNT_SOURCE\" > " + seen + "; sleep 1.5; exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;  // CMD's status
  EXPECT_EQ(r.err, "");
  std::string line;
  {
    FILE* f = fopen(seen.c_str(), "r");
    ASSERT_NE(f, nullptr);
    char buf[256] = {};
    ASSERT_NE(fgets(buf, sizeof buf, f), nullptr);
    fclose(f);
    line = buf;
  }
  EXPECT_EQ(line, "job1 nfs.example:/job1\n");
  EXPECT_FALSE(catalog_.Describe("job1").ok());  // deleted when CMD exited
}

TEST_F(VolumectlAdminTest, RunRenewsTheLeaseWhileTheCommandRuns) {
  // A 600ms lease with a reaper running: without renewal the volume would be gone
  // long before the command checks it.
  LeaseReaper reaper(
      &catalog_, std::chrono::milliseconds(50),
      [this](uint64_t id, std::string_view name) { service_->NotifyDeleted(id, name); });
  reaper.Start();
  ToolResult r = Run({"run", "--volume", "job2", "--ttl", "600ms", "--", "sh", "-c",
                      "sleep 2; VOLUMED_ADMIN_SOCKET=" + socket_ + " " + Volumectl() +
                          " info job2 >/dev/null || exit 9"});
  reaper.Stop();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(catalog_.Describe("job2").ok());
}

TEST_F(VolumectlAdminTest, RunDeletesTheVolumeWhenTheCommandIsKilled) {
  ToolResult r = Run({"run", "--volume", "job3", "--", "sh", "-c", "kill -9 $$"});
  EXPECT_EQ(r.exit_code, 128 + 9);
  EXPECT_FALSE(catalog_.Describe("job3").ok());
  // A default name, and a command that cannot run.
  r = Run({"run", "--", "/nonexistent/cmd"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("cannot run /nonexistent/cmd"), std::string::npos);
  EXPECT_TRUE(catalog_.List()->empty());
  // An existing name: nothing runs.
  ASSERT_EQ(Run({"create", "taken"}).exit_code, 0);
  r = Run({"run", "--volume", "taken", "--", "true"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, "volumectl: a volume named 'taken' already exists\n");
  EXPECT_TRUE(catalog_.Describe("taken").ok());  // not someone else's to delete
}

TEST_F(VolumectlAdminTest, RemoteAdministrationNeedsTheSecret) {
  ToolOptions o;
  o.env.emplace_back("VOLUMED_ADMIN_TCP", "127.0.0.1:" + std::to_string(tcp_port_));
  ToolResult r = RunTool(Volumectl(), {"list"}, o);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err,
            "volumectl: permission denied: remote administration is not enabled on this server\n");

  AdminAccess access;
  access.tcp_secret = "correct horse";
  StartServer(access);
  o.env[0].second = "127.0.0.1:" + std::to_string(tcp_port_);
  o.env.emplace_back("VOLUMED_ADMIN_SECRET", "wrong");
  r = RunTool(Volumectl(), {"create", "remote"}, o);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("wrong or missing admin secret"), std::string::npos);
  o.env[1].second = "correct horse";
  r = RunTool(Volumectl(), {"create", "remote"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(catalog_.Describe("remote").ok());
  const std::string secret_file = dir_ + "/secret";
  FILE* f = fopen(secret_file.c_str(), "w");
  fputs("correct horse\n", f);
  fclose(f);
  o.env.pop_back();
  r = RunTool(Volumectl(), {"--admin-secret-file", secret_file, "info", "remote"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(VolumectlAdminTest, TheSocketIsRootOnly) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run volumectl as another uid";
  // uid 65534 runs a copy in a directory it can reach: the build tree may not be (a clone
  // under /root, mode 0700, as on a fresh Debian).
  const volumed::testing::TempDir bin_dir{"volumectl-bin"};
  ASSERT_EQ(chmod(bin_dir.path().c_str(), 0755), 0);
  volumectl_ = bin_dir / "volumectl";
  std::error_code ec;
  std::filesystem::copy_file(Volumectl(), volumectl_, ec);
  ASSERT_FALSE(ec) << Volumectl() << ": " << ec.message();
  ASSERT_EQ(chmod(volumectl_.c_str(), 0755), 0);
  ToolOptions o;
  o.run_as_uid = 65534;
  // The socket file is 0600: the connection itself is refused.
  ToolResult r = Run({"list"}, o);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("permission denied opening the admin socket"), std::string::npos) << r.err;
  // Even where the file lets it connect, the server checks the peer's uid.
  ASSERT_EQ(chmod(socket_.c_str(), 0666), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  r = Run({"create", "x"}, o);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.err.find("the admin socket is for root only (caller uid 65534)"), std::string::npos)
      << r.err;
  EXPECT_FALSE(catalog_.Describe("x").ok());
  AdminAccess access;
  access.local_uids = {65534};
  StartServer(access);
  ASSERT_EQ(chmod(socket_.c_str(), 0666), 0);
  r = Run({"create", "x"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// ---- gateways (README "Scaling out") ----

// gw1 (this server, 127.0.0.1) and gw2 (127.0.0.2) share the store.
std::vector<storage::GatewayInfo> TwoGateways(const std::string& self) {
  storage::GatewayInfo gw1{.id = "gw1",
                           .address = "127.0.0.1/8",
                           .held = {"127.0.0.1/8"},
                           .live = true,
                           .self = self == "gw1",
                           .volumes = 0,
                           .seen_ns = 1'700'000'000'000'000'000};
  storage::GatewayInfo gw2{.id = "gw2",
                           .address = "127.0.0.2/8",
                           .held = {"127.0.0.2/8", "127.0.0.3/8"},
                           .live = true,
                           .self = self == "gw2",
                           .volumes = 0,
                           .seen_ns = 1'700'000'001'000'000'000};
  return {gw1, gw2};
}

TEST_F(VolumectlAdminTest, AloneOnTheStoreTheGatewayCommandsSaySo) {
  ToolResult r = Run({"gateways"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "single server: this server is alone on its store (no gateways)\n");
  r = Run({"gateways", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[]\n");

  ASSERT_EQ(Run({"create", "solo"}).exit_code, 0);
  r = Run({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("OWNER"), std::string::npos) << r.out;
  r = Run({"list", "--json"});
  EXPECT_NE(r.out.find("\"owner\":null,\"address\":null}]"), std::string::npos) << r.out;
  r = Run({"info", "solo"});
  EXPECT_EQ(r.out.find("gateway:"), std::string::npos) << r.out;

  r = Run({"move", "solo", "--to", "gw2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "volumectl: this server is alone on its store: volumes move only between gateways of "
            "a shared store\n");
  r = Run({"move", "solo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to is required"), std::string::npos) << r.err;
}

TEST_F(VolumectlAdminTest, GatewaysListAndInfoShowWhereEachVolumeIsServed) {
  catalog_.SetGateways(TwoGateways("gw1"));
  ASSERT_EQ(Run({"create", "mine"}).exit_code, 0);
  ASSERT_EQ(Run({"create", "theirs"}).exit_code, 0);
  catalog_.SetOwner("theirs", "gw2");

  ToolResult r = Run({"gateways"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("ID ", 0), 0u) << r.out;
  for (const char* word : {"ADDRESS", "LIVE", "VOLUMES", "LAST SEEN", "HELD", "gw1 *",
                           "127.0.0.2/8, 127.0.0.3/8", "(* the gateway answering)"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }
  r = Run({"gateways", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "[{\"id\":\"gw1\",\"address\":\"127.0.0.1/8\",\"held\":[\"127.0.0.1/8\"],\"live\":true,"
            "\"self\":true,\"volumes\":1,\"seen_ns\":1700000000000000000},"
            "{\"id\":\"gw2\",\"address\":\"127.0.0.2/8\",\"held\":[\"127.0.0.2/8\","
            "\"127.0.0.3/8\"],\"live\":true,\"self\":false,\"volumes\":1,"
            "\"seen_ns\":1700000001000000000}]\n");

  r = Run({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t theirs = r.out.find("\ntheirs ");
  ASSERT_NE(theirs, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OWNER"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" gw2 ", theirs), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 127.0.0.2 ", theirs), std::string::npos) << r.out;
  r = Run({"list", "--json"});
  EXPECT_NE(r.out.find("\"owner\":\"gw1\",\"address\":\"127.0.0.1\"}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"owner\":\"gw2\",\"address\":\"127.0.0.2\"}]"), std::string::npos)
      << r.out;

  // Through the socket the owner cannot be asked: what this gateway knows, and who knows more.
  r = Run({"info", "theirs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gateway:  gw2, mount 127.0.0.2:/theirs\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("used:     unknown here (gateway gw2 knows)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("DAMAGED"), std::string::npos) << r.out;
  r = Run({"info", "mine"});
  EXPECT_NE(r.out.find("gateway:  gw1 (this one), mount 127.0.0.1:/mine\n"), std::string::npos)
      << r.out;
}

TEST_F(VolumectlAdminTest, ACallOnAnotherGatewaysVolumeNamesItThroughTheSocket) {
  catalog_.SetGateways(TwoGateways("gw1"));
  ASSERT_EQ(Run({"create", "theirs"}).exit_code, 0);
  catalog_.SetOwner("theirs", "gw2");
  for (std::vector<std::string> args : {std::vector<std::string>{"delete", "theirs", "--yes"},
                                        {"policy", "theirs", "--read-only"},
                                        {"move", "theirs", "--to", "gw1"}}) {
    ToolResult r = Run(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_EQ(r.err,
              "volumectl: volume 'theirs' is served by gateway 'gw2' at 127.0.0.2: ask that "
              "gateway (over --admin-tcp HOST:PORT volumectl asks it by itself; through the "
              "admin socket, run volumectl on that gateway)\n")
        << args[0];
  }
  EXPECT_TRUE(catalog_.Describe("theirs").ok());
  EXPECT_FALSE(catalog_.Describe("theirs")->policy.read_only);
}

TEST_F(VolumectlAdminTest, MoveHandsAVolumeOver) {
  catalog_.SetGateways(TwoGateways("gw1"));
  ASSERT_EQ(Run({"create", "data"}).exit_code, 0);
  ASSERT_EQ(Run({"create", "more"}).exit_code, 0);
  ToolResult r = Run({"move", "data", "--to", "gw2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "volume 'data' is served by gateway 'gw2': mount 127.0.0.2:/data\n");
  EXPECT_EQ(catalog_.Describe("data")->owner, "gw2");
  r = Run({"move", "more", "--to", "gw2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"name\":\"more\"", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\"owner\":\"gw2\",\"address\":\"127.0.0.2\"}\n"), std::string::npos)
      << r.out;
  r = Run({"move", "data", "--to", "gw1"});  // gw2's to hand back now, unreachable here
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("volumectl: volume 'data' is served by gateway 'gw2' at 127.0.0.2", 0), 0u)
      << r.err;
  r = Run({"move", "more", "--to", "gw9"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "volumectl: no gateway named 'gw9' (`volumectl gateways` lists them)\n");
  r = Run({"move", "nope", "--to", "gw2"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'nope'\n");
}

// Over TCP volumectl asks the gateway serving the volume by itself: gw2 is a second admin
// server on 127.0.0.2, at the same port as gw1's on 127.0.0.1.
TEST_F(VolumectlAdminTest, OverTcpCallsFollowTheVolumeToItsGateway) {
  AdminAccess access;
  access.tcp_secret = "correct horse battery";
  StartServer(access);
  testing::FakeCatalog gw2_catalog{WallNowNs};
  AdminService gw2_service(&gw2_catalog, AdminAuthorizer(access), AdminHooks{});
  rpc::ServerOptions options;
  options.use_rpcbind = false;
  options.listen_address = "127.0.0.2";
  options.threads = 2;
  rpc::Server gw2_server(options);
  ASSERT_TRUE(gw2_server.Register(AdminProgramVersion(&gw2_service), {.tcp = tcp_port_}).ok());
  ASSERT_TRUE(gw2_server.Start().ok());

  catalog_.SetGateways(TwoGateways("gw1"));
  gw2_catalog.SetGateways(TwoGateways("gw2"));
  for (testing::FakeCatalog* c : {&catalog_, &gw2_catalog}) {
    storage::CreateVolumeRequest req;
    req.name = "theirs";
    ASSERT_TRUE(c->Create(req).ok());
    c->SetOwner("theirs", "gw2");
  }
  ToolOptions o;
  o.env = {{"VOLUMED_ADMIN_TCP", "127.0.0.1:" + std::to_string(tcp_port_)},
           {"VOLUMED_ADMIN_SECRET", access.tcp_secret}};
  ToolResult r = RunTool(volumectl_, {"policy", "theirs", "--read-only"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(gw2_catalog.Describe("theirs")->policy.read_only);
  EXPECT_FALSE(catalog_.Describe("theirs")->policy.read_only);

  // info: gw1 answers from the catalog, gw2 with what only it knows.
  r = RunTool(volumectl_, {"info", "theirs"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gateway:  gw2 (this one), mount 127.0.0.2:/theirs\n"), std::string::npos)
      << r.out;

  r = RunTool(volumectl_, {"move", "theirs", "--to", "gw1"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "volume 'theirs' is served by gateway 'gw1': mount 127.0.0.1:/theirs\n");
  EXPECT_EQ(gw2_catalog.Describe("theirs")->owner, "gw1");

  // A gateway that answers ELSEWHERE again is not followed further.
  r = RunTool(volumectl_, {"delete", "theirs", "--yes"}, o);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "volumectl: volume 'theirs' is served by gateway 'gw1' at 127.0.0.1: ask that "
            "gateway\n");
  EXPECT_TRUE(catalog_.Describe("theirs").ok());
}

}  // namespace
}  // namespace volumed::admin
