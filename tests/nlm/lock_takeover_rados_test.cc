// Gateway failover's locks side against a live Ceph cluster (run by
// tests/support/with_ceph.sh, which sets CEPH_CONF and CEPH_POOL): a gateway's NSM
// database lives in RADOS under its lease; while the gateway lives (renews its lease),
// LockServices::TakeOverGateway of it fails at once; once it died (kill -9) and its lease
// lapsed, the takeover fences it, notifies its hosts in its name and removes its database.
//
// The dying gateway is this binary run again as `--hold ROOT` (a process of its own, so
// that kill -9 stops its lease renewals the way a crash does).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nlm/lock_services.h"
#include "nsm/nsm_store.h"
#include "nsm_prot.h"
#include "recording_caller.h"
#include "storage/kv.h"
#include "storage/rados/rados_env.h"

extern char** environ;

namespace volumed::nlm {
namespace {

using namespace std::chrono_literals;

constexpr auto kLease = std::chrono::seconds(3);

const char* Conf() { return std::getenv("CEPH_CONF"); }
const char* Pool() { return std::getenv("CEPH_POOL"); }

storage::rados::RadosEnvOptions Options(const std::string& gateway, const std::string& root) {
  storage::rados::RadosEnvOptions o;
  o.conf_path = Conf();
  if (const char* user = std::getenv("CEPH_USER")) o.user = user;
  o.pool = Pool();
  o.root = root;
  o.gateway_id = gateway;
  o.lease = kLease;
  return o;
}

// The gateway about to die: opens its NSM database in RADOS under `root`, records a
// client, says "ready" and waits to be killed. Returns an exit code on failure only.
int Hold(const std::string& root) {
  auto env = storage::rados::RadosEnv::Connect(Options("gw-dead", root));
  if (!env.ok()) {
    std::fprintf(stderr, "hold: %s\n", env.status().ToString().c_str());
    return 1;
  }
  storage::KvFactory factory(env->get(), storage::KvTuning{}, 1 << 20);
  auto store = nsm::NsmStore::Open(factory, storage::GatewayMembershipDir(root, "gw-dead"));
  if (!store.ok() || !(*store)->SetState(5).ok() ||
      !(*store)->PutHost({"client1", "192.0.2.7", 1}).ok()) {
    std::fprintf(stderr, "hold: cannot write the NSM database\n");
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) pause();
}

class LockTakeoverRadosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Conf() == nullptr || Pool() == nullptr) {
      GTEST_SKIP() << "no Ceph cluster: run through tests/support/with_ceph.sh";
    }
  }
  void TearDown() override {
    if (holder_ > 0) {
      kill(holder_, SIGKILL);
      waitpid(holder_, nullptr, 0);
    }
  }

  // Starts the holder on `root`; true once it said "ready".
  bool StartHolder(std::string root) {
    int out[2];
    if (pipe(out) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string self = "/proc/self/exe", flag = "--hold";
    char* argv[] = {self.data(), flag.data(), root.data(), nullptr};
    const int rc = posix_spawn(&holder_, "/proc/self/exe", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      holder_ = 0;
      return false;
    }
    pollfd p{out[0], POLLIN, 0};
    char line[16] = {};
    const bool ready = poll(&p, 1, 60000) == 1 && read(out[0], line, sizeof(line) - 1) > 0 &&
                       std::string(line) == "ready\n";
    close(out[0]);
    return ready;
  }

  pid_t holder_ = 0;
};

TEST_F(LockTakeoverRadosTest, FailsWhileTheOwnersLeaseLivesAndSucceedsOnceItLapsed) {
  // A root unique to this run, so reruns on one cluster never meet.
  const std::string root = "/lock-takeover-test." + std::to_string(getpid());
  ASSERT_TRUE(StartHolder(root));
  auto env = storage::rados::RadosEnv::Connect(Options("gw-survivor", root));
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  storage::KvFactory factory(env->get(), storage::KvTuning{}, 1 << 20);
  nsm::RecordingCaller caller;
  LockServicesOptions o;
  o.nsm_dir = storage::GatewayMembershipDir(root, "gw-survivor");
  o.kv_factory = &factory;
  o.check_other_monitor = false;
  o.caller = &caller;
  NlmHooks no_files;
  auto ls = LockServices::Open(o, no_files);
  ASSERT_TRUE(ls.ok()) << ls.status().ToString();
  ASSERT_TRUE((*ls)->Start().ok());

  const GatewayTakeover takeover{
      storage::GatewayMembershipDir(root, "gw-dead"), "198.51.100.12", {7}};
  // Alive: refused at once, and nothing changes.
  auto refused = (*ls)->TakeOverGateway(takeover);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().ToString().find("gw-dead"), std::string::npos)
      << refused.status().ToString();
  EXPECT_FALSE((*ls)->nlm().InGrace(7));
  EXPECT_EQ(caller.count(), 0u);

  // Dead: its lease lapses within kLease; the takeover then goes through.
  ASSERT_EQ(kill(holder_, SIGKILL), 0);
  ASSERT_EQ(waitpid(holder_, nullptr, 0), holder_);
  holder_ = 0;
  const auto killed = std::chrono::steady_clock::now();
  Result<size_t> taken = refused.status();
  while (!taken.ok() && std::chrono::steady_clock::now() - killed < 4 * kLease) {
    std::this_thread::sleep_for(250ms);
    taken = (*ls)->TakeOverGateway(takeover);
  }
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(*taken, 1u);
  std::printf("taken over %lld ms after the kill (lease %lld s)\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - killed)
                                         .count()),
              static_cast<long long>(kLease.count()));
  EXPECT_TRUE((*ls)->nlm().InGrace(7));
  ASSERT_TRUE(caller.WaitFor(1));
  const std::vector<nsm::RecordedCall> calls = caller.calls();
  ASSERT_EQ(calls.size(), 1u);
  sm_stat_chge args{};
  ASSERT_TRUE(calls[0].Decode(reinterpret_cast<xdrproc_t>(xdr_sm_stat_chge), &args));
  EXPECT_STREQ(args.mon_name, "198.51.100.12");
  EXPECT_EQ(args.state, 7);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_sm_stat_chge), reinterpret_cast<char*>(&args));

  // Its database is gone from RADOS, every object of its namespace with it.
  std::vector<std::string> left;
  ASSERT_TRUE((*env)->ListObjects(takeover.nsm_dir, &left).ok());
  EXPECT_TRUE(left.empty()) << left.size() << " objects left, e.g. " << left.front();
  ls->reset();
  EXPECT_TRUE(factory.Destroy(o.nsm_dir).ok());
}

}  // namespace
}  // namespace volumed::nlm

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--hold") return volumed::nlm::Hold(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
