// volumed as a process, under tests/support/netns_run.sh (private network namespace with
// its own rpcbind): NULL of every program over TCP and UDP, rpcinfo while running and
// after SIGTERM, startup errors, and hostile input.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dirent.h>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rpc/call_codec.h"
#include "rpc_test_util.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace volumed::rpc {
namespace {

using testing::Frame;
using testing::ParseReply;
using testing::RawConn;
using volumed::testing::ServerProcess;

struct Prog {
  uint32_t prog;
  uint32_t vers;
  uint16_t port;
  bool udp;
  const char* rpcinfo_name;
};
const Prog kPrograms[] = {
    {100003, 3, 2049, false, "nfs"},
    {100005, 3, 20048, true, "mountd"},
    {100021, 4, 32803, true, "nlockmgr"},
    {100024, 1, 32765, true, "status"},
};

std::vector<uint8_t> NullCall(uint32_t xid, uint32_t prog, uint32_t vers) {
  return EncodeCall(xid, prog, vers, 0, AUTH_NONE, {});
}

// Runs a shell command, returns its stdout and sets *code to the exit status. The startup
// error tests keep only volumed's stderr (logs go to stdout), which must be one line.
std::string Shell(const std::string& cmd, int* code) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

bool NullAnswersTcp(uint16_t port, uint32_t prog, uint32_t vers, uint32_t xid) {
  auto conn = RawConn::Tcp(port);
  if (!conn || !conn->SendAll(Frame(NullCall(xid, prog, vers)))) return false;
  auto rec = conn->ReadRecord();
  if (!rec) return false;
  auto r = ParseReply(*rec);
  return r && r->xid == xid && r->reply_stat == 0 && r->accept_stat == 0 && r->results.empty();
}

std::unique_ptr<ServerProcess> StartServer() {
  auto server = ServerProcess::Start();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

TEST(VolumedProtocol, NullOfEveryProgramOverTcpAndUdp) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  uint32_t xid = 100;
  for (const Prog& p : kPrograms) {
    EXPECT_TRUE(NullAnswersTcp(p.port, p.prog, p.vers, ++xid)) << p.rpcinfo_name << " tcp";
    if (!p.udp) {
      continue;
    }
    auto reply = testing::UdpExchange(p.port, NullCall(++xid, p.prog, p.vers));
    ASSERT_TRUE(reply.has_value()) << p.rpcinfo_name << " udp";
    auto r = ParseReply(*reply);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->xid, xid);
    EXPECT_EQ(r->reply_stat, 0u);
    EXPECT_EQ(r->accept_stat, 0u);
  }
  auto code = server->Stop();
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

TEST(VolumedProtocol, RpcinfoListsProgramsWhileRunningAndNotAfterSigterm) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  int code = -1;
  const std::string listing = Shell("rpcinfo -p 127.0.0.1", &code);
  ASSERT_EQ(code, 0) << listing;
  auto has = [&](const std::string& text, uint32_t prog, uint32_t vers, const char* proto,
                 uint16_t port) {
    const std::string row = std::to_string(prog) + " +" + std::to_string(vers) + " +" + proto +
                            " +" + std::to_string(port);
    int c = -1;
    Shell("printf '%s' '" + text + "' | grep -Eq '" + row + "'", &c);
    return c == 0;
  };
  for (const Prog& p : kPrograms) {
    EXPECT_TRUE(has(listing, p.prog, p.vers, "tcp", p.port)) << p.rpcinfo_name << "\n" << listing;
    if (p.udp) {
      EXPECT_TRUE(has(listing, p.prog, p.vers, "udp", p.port)) << p.rpcinfo_name;
    }
  }
  // Run the stock client against one of them, too.
  Shell("rpcinfo -t 127.0.0.1 nfs 3", &code);
  EXPECT_EQ(code, 0);
  Shell("rpcinfo -u 127.0.0.1 100005 3", &code);
  EXPECT_EQ(code, 0);

  auto stopped = server->Stop();
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(*stopped, 0);
  const std::string after = Shell("rpcinfo -p 127.0.0.1", &code);
  ASSERT_EQ(code, 0) << after;
  for (const Prog& p : kPrograms) {
    EXPECT_FALSE(has(after, p.prog, p.vers, "tcp", p.port)) << after;
    EXPECT_FALSE(has(after, p.prog, p.vers, "udp", p.port)) << after;
  }
}

TEST(VolumedProtocol, RestartServesAgainOnTheSameDataDir) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string dir = server->data_dir();
  server->Kill();
  EXPECT_FALSE(server->running());
  // After SIGKILL the rpcbind mappings are stale; a restart must replace them.
  ASSERT_TRUE(server->Restart().ok());
  EXPECT_EQ(server->data_dir(), dir);
  EXPECT_TRUE(NullAnswersTcp(2049, 100003, 3, 7));
  ASSERT_TRUE(server->Restart().ok());
  EXPECT_TRUE(NullAnswersTcp(20048, 100005, 3, 8));
}

std::string Bin() {
  const char* b = std::getenv("VOLUMED_BIN");
  return b ? b : "volumed";
}

TEST(VolumedProtocol, PortInUseIsOneClearLine) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(2049);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  int code = -1;
  const volumed::testing::TempDir tmp("volumed-portinuse");
  const std::string out =
      Shell(Bin() + " --data " + tmp.path() + " --listen 127.0.0.1 2>&1 >/dev/null", &code);
  close(fd);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out, "volumed: port 2049/tcp on 127.0.0.1 is already in use\n");
}

TEST(VolumedProtocol, UnwritableDataDirIsOneClearLine) {
  const volumed::testing::TempDir tmp("volumed-ro");
  const std::string& dir = tmp.path();
  int code = -1;
  // This test runs in a private mount namespace (netns_run.sh): a read-only tmpfs is ours.
  Shell("mount -t tmpfs -o ro tmpfs " + dir, &code);
  ASSERT_EQ(code, 0);
  const std::string out =
      Shell(Bin() + " --no-rpcbind --listen 127.0.0.1 --data " + dir + " 2>&1 >/dev/null", &code);
  Shell("umount " + dir, &code);
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
  EXPECT_NE(out.find("volumed: data directory " + dir + " is not writable"), std::string::npos)
      << out;
}

TEST(VolumedProtocol, MissingRpcbindSaysHowToFixIt) {
  int code = -1;
  const volumed::testing::TempDir tmp("volumed-norpcbind");
  // A nested namespace without rpcbind.
  const std::string out = Shell(
      "unshare --net --mount --propagation private sh -c 'mount -t tmpfs tmpfs /run && "
      "ip link set lo up && " +
          Bin() + " --data " + tmp.path() + " --listen 127.0.0.1 2>&1 >/dev/null'",
      &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_EQ(out, "volumed: rpcbind is not running: start it with `rpcbind` or pass --no-rpcbind\n");
}

// ---------------------------------------------------------------------------------------
// Hostile input: the server keeps serving others and its memory stays flat.

size_t OpenFds(pid_t pid) {
  size_t n = 0;
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return 0;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer();
    ASSERT_NE(server_, nullptr);
    auto c = RawConn::Tcp(2049);
    ASSERT_TRUE(c.has_value());
    bystander_.emplace(std::move(*c));
  }
  // The long-lived connection opened before the attack still gets answers.
  void ExpectStillServing() {
    const uint32_t xid = ++xid_;
    ASSERT_TRUE(bystander_->SendAll(Frame(NullCall(xid, 100003, 3))));
    auto rec = bystander_->ReadRecord();
    ASSERT_TRUE(rec.has_value());
    auto r = ParseReply(*rec);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->xid, xid);
    EXPECT_TRUE(NullAnswersTcp(2049, 100003, 3, ++xid_));
  }
  std::unique_ptr<ServerProcess> server_;
  std::optional<RawConn> bystander_;
  uint32_t xid_ = 1000;
};

TEST_F(Hostile, RandomBytes) {
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint8_t> junk(1 + rng() % 8192);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    auto c = RawConn::Tcp(2049, std::chrono::milliseconds(2000));
    ASSERT_TRUE(c.has_value());
    c->SendAll(junk);
    // Anything may come back (or nothing), but never a crash; then we hang up.
    testing::UdpExchange(20048, junk, std::chrono::milliseconds(20));
  }
  ExpectStillServing();
}

TEST_F(Hostile, RecordMarkAnnouncingTwoGibIsDisconnected) {
  const long rss_before = testing::RssKib(server_->pid());
  for (const uint32_t mark : {0xffffffffu, 0x7fffffffu, 0x80200000u}) {
    auto c = RawConn::Tcp(2049);
    ASSERT_TRUE(c.has_value());
    const uint8_t h[4] = {static_cast<uint8_t>(mark >> 24), static_cast<uint8_t>(mark >> 16),
                          static_cast<uint8_t>(mark >> 8), static_cast<uint8_t>(mark)};
    ASSERT_TRUE(c->SendAll(h));
    EXPECT_TRUE(c->WaitClosed()) << std::hex << mark;
  }
  const long rss_after = testing::RssKib(server_->pid());
  EXPECT_LT(rss_after - rss_before, 4096)
      << "before " << rss_before << " KiB, after " << rss_after << " KiB";
  ExpectStillServing();
}

TEST_F(Hostile, HalfARecordThenClose) {
  const auto call = NullCall(5, 100003, 3);
  for (int i = 0; i < 100; ++i) {
    auto c = RawConn::Tcp(2049);
    ASSERT_TRUE(c.has_value());
    auto framed = Frame(call);
    framed.resize(framed.size() / 2);
    ASSERT_TRUE(c->SendAll(framed));
  }
  ExpectStillServing();
}

TEST_F(Hostile, TenThousandConnectionsOpenedAndDroppedKeepMemoryFlat) {
  const pid_t pid = server_->pid();
  auto storm = [](int count) {
    std::vector<RawConn> open;
    for (int i = 0; i < count; ++i) {
      auto c = RawConn::Tcp(2049);
      if (!c) continue;
      if (i % 3 == 1) {
        auto framed = Frame(NullCall(static_cast<uint32_t>(i), 100003, 3));
        framed.resize(10);  // half a record
        c->SendAll(framed);
      } else if (i % 3 == 2) {
        linger l{1, 0};  // reset instead of FIN
        setsockopt(c->fd(), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
      }
      open.push_back(std::move(*c));
      if (open.size() == 250) open.clear();  // drop them in batches
    }
  };
  storm(1000);  // warm-up: allocator pools, thread stacks
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_before = testing::RssKib(pid);
  const size_t fds_before = OpenFds(pid);
  const auto t0 = std::chrono::steady_clock::now();
  storm(10000);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ExpectStillServing();
  // Give the reactor a moment to see the last hang-ups.
  size_t fds_after = 0;
  for (int i = 0; i < 50; ++i) {
    fds_after = OpenFds(pid);
    if (fds_after <= fds_before + 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const long rss_after = testing::RssKib(pid);
  std::printf("10000 connections in %.2f s; volumed RSS %ld KiB -> %ld KiB; fds %zu -> %zu\n", secs,
              rss_before, rss_after, fds_before, fds_after);
  EXPECT_LE(fds_after, fds_before + 2);
  EXPECT_LT(rss_after - rss_before, 8192);
}

}  // namespace
}  // namespace volumed::rpc
