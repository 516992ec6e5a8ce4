// Hostile and malformed input over the network, against a live volumed (volumes "hv" and
// "other") in a private network namespace (tests/support/netns_run.sh): forged file
// handles, names that must be refused, READ/WRITE/READDIR sizes far beyond bounds, a
// client that pipelines calls and never reads its replies, and thousands of idle
// connections. Every test ends by proving the server still answers a fresh client.
//
// Thread-safety: one test thread (plus the helper threads a test starts itself).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "nfs_ops.h"
#include "raw_rpc.h"
#include "rpc_session.h"
#include "server.h"
#include "support/temp_dir.h"

namespace volumed::crashmatrix {
namespace {

constexpr uint16_t kPort = 2049;

struct Live {
  volumed::testing::TempDir work{"hostile"};
  std::unique_ptr<ServerLauncher> server;
};
Live* live = nullptr;

class HostileTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    const char* bin = std::getenv("VOLUMED_BIN");
    ASSERT_NE(bin, nullptr) << "VOLUMED_BIN is not set";
    live = new Live();
    ServerConfig config{bin,
                        live->work / "data",
                        live->work / "volumed.log",
                        "hv",
                        kPort,
                        {"--volume", "other", "--max-connections", "4096"}};
    live->server = std::make_unique<ServerLauncher>(config);
    Status s = live->server->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    if (live != nullptr && live->server != nullptr) {
      EXPECT_EQ(live->server->Stop(), 0) << "volumed did not stop cleanly";
    }
    delete live;  // stops a server still running, then removes the directory
    live = nullptr;
  }

 protected:
  void SetUp() override {
    ASSERT_NE(live, nullptr);
    ASSERT_TRUE(Connect(&mount_, &nfs_));
    ops_ = std::make_unique<NfsOps>(nfs_.get(), mount_.get());
    auto root = ops_->Mount("/hv");
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    root_ = *root;
  }
  void TearDown() override { ExpectServing(); }

  static bool Connect(std::unique_ptr<RpcSession>* mount, std::unique_ptr<RpcSession>* nfs) {
    auto m = RpcSession::Connect(kPort + 1, MOUNT_PROGRAM, MOUNT_V3, 1000, 1000,
                                 std::chrono::seconds(20));
    auto n = RpcSession::Connect(kPort, NFS_PROGRAM, NFS_V3, 1000, 1000, std::chrono::seconds(20));
    if (!m.ok() || !n.ok()) return false;
    *mount = std::move(m).value();
    *nfs = std::move(n).value();
    return true;
  }

  // A fresh client can still mount and GETATTR the root.
  void ExpectServing() {
    std::unique_ptr<RpcSession> m, n;
    ASSERT_TRUE(Connect(&m, &n)) << "server no longer accepts clients";
    NfsOps ops(n.get(), m.get());
    auto root = ops.Mount("/hv");
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    auto size = ops.Size(*root);
    ASSERT_TRUE(size.ok()) << size.status().ToString();
  }

  // GETATTR with arbitrary handle bytes; the NFS status, or nullopt when no reply.
  std::optional<int> Getattr(const std::string& fh) {
    GETATTR3args a{};
    a.object.data.data_len = static_cast<u_int>(fh.size());
    a.object.data.data_val = const_cast<char*>(fh.data());
    int status = -1;
    Status s =
        nfs_->Call<GETATTR3res>([&](rpc_context* rpc, rpc_cb cb,
                                    void* p) { return rpc_nfs3_getattr_async(rpc, cb, &a, p); },
                                [&](GETATTR3res* r) { status = r->status; });
    if (!s.ok()) return std::nullopt;
    return status;
  }

  std::optional<int> LookupStatus(const std::string& name) {
    LOOKUP3args a{};
    a.what.dir.data.data_len = static_cast<u_int>(root_.size());
    a.what.dir.data.data_val = root_.data();
    a.what.name = const_cast<char*>(name.c_str());
    int status = -1;
    Status s = nfs_->Call<LOOKUP3res>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_lookup_async(rpc, cb, &a, p); },
        [&](LOOKUP3res* r) { status = r->status; });
    if (!s.ok()) return std::nullopt;
    return status;
  }

  std::optional<int> CreateStatus(const std::string& name) {
    CREATE3args a{};
    a.where.dir.data.data_len = static_cast<u_int>(root_.size());
    a.where.dir.data.data_val = root_.data();
    a.where.name = const_cast<char*>(name.data());
    a.how.mode = UNCHECKED;
    int status = -1;
    Status s = nfs_->Call<CREATE3res>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_create_async(rpc, cb, &a, p); },
        [&](CREATE3res* r) { status = r->status; });
    if (!s.ok()) return std::nullopt;
    return status;
  }

  std::unique_ptr<RpcSession> mount_, nfs_;
  std::unique_ptr<NfsOps> ops_;
  Fh root_;
};

TEST_F(HostileTest, ForgedHandles) {
  ASSERT_EQ(root_.size(), 32u);
  // Wrong lengths: not ours.
  EXPECT_EQ(Getattr(std::string(5, '\1')), NFS3ERR_BADHANDLE);
  EXPECT_EQ(Getattr(root_ + std::string(31, '\0')), NFS3ERR_BADHANDLE);
  EXPECT_EQ(Getattr(root_.substr(0, 31)), NFS3ERR_BADHANDLE);
  // Another version or reserved bytes set: not ours.
  std::string h = root_;
  h[0] = 9;
  EXPECT_EQ(Getattr(h), NFS3ERR_BADHANDLE);
  h = root_;
  h[2] = 1;
  EXPECT_EQ(Getattr(h), NFS3ERR_BADHANDLE);
  // A volume id that does not exist, another epoch, another generation: STALE.
  h = root_;
  h[4] ^= 0x40;
  EXPECT_EQ(Getattr(h), NFS3ERR_STALE);
  h = root_;
  h[15] ^= 0x01;  // last byte of the epoch
  EXPECT_EQ(Getattr(h), NFS3ERR_STALE);
  h = root_;
  h[31] ^= 0x01;  // generation
  EXPECT_EQ(Getattr(h), NFS3ERR_STALE);
  h = root_;
  h[23] ^= 0x7f;  // an inode number never allocated
  EXPECT_EQ(Getattr(h), NFS3ERR_STALE);
  // The other volume's root handle with this volume's epoch: STALE, never its files.
  auto other = ops_->Mount("/other");
  ASSERT_TRUE(other.ok());
  h = *other;
  std::memcpy(h.data() + 12, root_.data() + 12, 8);
  EXPECT_EQ(Getattr(h), NFS3ERR_STALE);
  // Random handles: answered (BADHANDLE or STALE), never a crash or a hang.
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    std::string r(32, '\0');
    for (auto& c : r) c = static_cast<char>(rng());
    if (i % 2 == 0) r[0] = 1, r[1] = r[2] = r[3] = 0;
    auto st = Getattr(r);
    ASSERT_TRUE(st.has_value()) << "no reply to a random handle";
    EXPECT_TRUE(*st == NFS3ERR_BADHANDLE || *st == NFS3ERR_STALE) << *st;
  }
}

TEST_F(HostileTest, NamesThatMustBeRefused) {
  // '/' inside a name, '.', '..', empty, 256 bytes: never created.
  for (const std::string& name : {std::string("a/b"), std::string("."), std::string(".."),
                                  std::string(""), std::string(256, 'n')}) {
    auto st = CreateStatus(name);
    if (st.has_value()) {
      EXPECT_NE(*st, NFS3_OK) << "CREATE of '" << name.substr(0, 20) << "' succeeded";
      EXPECT_TRUE(*st == NFS3ERR_INVAL || *st == NFS3ERR_ACCES || *st == NFS3ERR_EXIST ||
                  *st == NFS3ERR_NAMETOOLONG || *st == NFS3ERR_NOENT || *st == NFS3ERR_ISDIR)
          << "CREATE '" << name.substr(0, 20) << "': " << *st;
    } else {
      // A name over the XDR bound is GARBAGE_ARGS; the connection is then reset by
      // libnfs: reconnect for the next name.
      ASSERT_TRUE(Connect(&mount_, &nfs_));
      ops_ = std::make_unique<NfsOps>(nfs_.get(), mount_.get());
    }
  }
  EXPECT_EQ(LookupStatus(std::string(255, 'n')), NFS3ERR_NOENT);
  auto st = CreateStatus(std::string(255, 'm'));
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(*st, NFS3_OK) << "a 255-byte name is legal";
}

// libtirpc's string decoder would stop at a NUL, so "nul\0tail" could become "nul";
// filename3 is decoded as a length-carrying opaque and such names are refused.
TEST_F(HostileTest, NameWithNulIsRefused) {
  // A name with a NUL inside (sent raw: libnfs cannot): refused, and never created as the
  // shorter name before the NUL.
  RawConnection raw;
  ASSERT_TRUE(raw.Open());
  const std::string with_nul("nul\0tail", 8);
  auto reply = raw.Call(NFS3_CREATE, DirOpArgs(root_, with_nul) + Be32(UNCHECKED) + Sattr3None());
  ASSERT_TRUE(reply.has_value()) << "no reply to CREATE with a NUL in the name";
  EXPECT_TRUE(reply->accept_stat != 0 || reply->nfs_status != NFS3_OK)
      << "CREATE with a NUL in the name succeeded";
  EXPECT_EQ(LookupStatus("nul"), NFS3ERR_NOENT) << "the name was cut at the NUL";
}

TEST_F(HostileTest, SizesFarBeyondBounds) {
  auto fh = ops_->Create(root_, "sizes");
  ASSERT_TRUE(fh.ok());
  ASSERT_TRUE(ops_->Write(*fh, 0, std::string(1000, 'a'), true).ok());
  RawConnection raw;
  ASSERT_TRUE(raw.Open());
  // READ of 4 GiB - 1: answered, with at most the file's bytes.
  auto r = raw.Call(NFS3_READ, Opaque(*fh) + Be64(0) + Be32(0xffffffffu));
  ASSERT_TRUE(r.has_value()) << "no reply to a 4 GiB READ";
  EXPECT_EQ(r->accept_stat, 0u);
  EXPECT_EQ(r->nfs_status, static_cast<uint32_t>(NFS3_OK));
  // READ at an offset near 2^64.
  r = raw.Call(NFS3_READ, Opaque(*fh) + Be64(~uint64_t{0} - 10) + Be32(4096));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accept_stat, 0u);
  // WRITE whose count disagrees with its data, and one declaring 4 GiB of data but
  // carrying 8 bytes: never a 4 GiB allocation, never a crash.
  r = raw.Call(NFS3_WRITE,
               Opaque(*fh) + Be64(0) + Be32(100) + Be32(FILE_SYNC) + Opaque("12345678"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->accept_stat != 0 || r->nfs_status != NFS3_OK) << "WRITE count 100 with 8 bytes";
  RawConnection raw2;
  ASSERT_TRUE(raw2.Open());
  const std::string lie =
      Opaque(*fh) + Be64(0) + Be32(8) + Be32(FILE_SYNC) + Be32(0xfffffff0u) + "12345678";
  auto r2 = raw2.Call(NFS3_WRITE, lie);
  if (r2.has_value()) {
    EXPECT_NE(r2->accept_stat, 0u) << "a 4 GiB opaque decoded from 8 bytes";
  }
  // WRITE ending beyond 2^64.
  r = raw.Call(NFS3_WRITE, Opaque(*fh) + Be64(~uint64_t{0} - 2) + Be32(8) + Be32(FILE_SYNC) +
                               Opaque("12345678"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->accept_stat != 0 || r->nfs_status == NFS3ERR_FBIG ||
              r->nfs_status == NFS3ERR_INVAL)
      << "WRITE past 2^64: " << r->nfs_status;
  // READDIR / READDIRPLUS with absurd counts: 0 and 4 GiB - 1.
  for (uint32_t count : {0u, 1u, 0xffffffffu}) {
    r = raw.Call(NFS3_READDIR, Opaque(root_) + Be64(0) + Be64(0) + Be32(count));
    ASSERT_TRUE(r.has_value()) << "READDIR count " << count;
    EXPECT_EQ(r->accept_stat, 0u);
    EXPECT_TRUE(r->nfs_status == NFS3_OK || r->nfs_status == NFS3ERR_TOOSMALL) << r->nfs_status;
    r = raw.Call(NFS3_READDIRPLUS, Opaque(root_) + Be64(0) + Be64(0) + Be32(count) + Be32(count));
    ASSERT_TRUE(r.has_value()) << "READDIRPLUS count " << count;
    EXPECT_EQ(r->accept_stat, 0u);
    EXPECT_TRUE(r->nfs_status == NFS3_OK || r->nfs_status == NFS3ERR_TOOSMALL) << r->nfs_status;
  }
  // A cookie that was never handed out.
  r = raw.Call(NFS3_READDIR, Opaque(root_) + Be64(0x123456789abcdefULL) + Be64(0) + Be32(4096));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->accept_stat, 0u);
  EXPECT_NE(r->nfs_status, static_cast<uint32_t>(NFS3ERR_SERVERFAULT));
}

TEST_F(HostileTest, ClientThatNeverReadsDoesNotStallOthers) {
  auto fh = ops_->Create(root_, "big");
  ASSERT_TRUE(fh.ok());
  for (uint64_t off = 0; off < (1u << 20); off += 65536) {
    ASSERT_TRUE(ops_->Write(*fh, off, std::string(65536, 'z'), false).ok());
  }
  // Pipeline 300 READs of 1 MiB each (300 MiB of replies) and never read one.
  RawConnection hog;
  ASSERT_TRUE(hog.Open());
  timeval tv{0, 200000};
  setsockopt(hog.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string burst;
  for (uint32_t i = 0; i < 300; ++i) {
    burst += RawConnection::Record(1000 + i, NFS3_READ, Opaque(*fh) + Be64(0) + Be32(1 << 20));
  }
  hog.Send(burst);  // may stop early once the server stops reading from us: fine
  // Others keep being served. The bound separates "served" from "stalled behind the hog"
  // (which never ends: the hog never reads), not fast from slow: on a loaded machine the
  // first answer waited 4.7 s while the workers finished the hog's burst (a 2 s bound
  // failed then). Speed belongs in benchmarks.
  std::unique_ptr<RpcSession> m, n;
  ASSERT_TRUE(Connect(&m, &n));
  NfsOps ops(n.get(), m.get());
  for (int i = 0; i < 50; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto size = ops.Size(*fh);
    ASSERT_TRUE(size.ok()) << size.status().ToString();
    EXPECT_EQ(*size, 1u << 20);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30)) << "GETATTR " << i;
    auto back = ops.ReadAll(*fh);
    ASSERT_TRUE(back.ok());
  }
}

TEST_F(HostileTest, ThousandsOfIdleConnections) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 8192);
  setrlimit(RLIMIT_NOFILE, &rl);
  ASSERT_GE(rl.rlim_cur, 3100u);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 3000; ++i) {
    auto c = std::make_unique<RawConnection>();
    ASSERT_TRUE(c->Open()) << "connection " << i;
    idle.push_back(std::move(c));
  }
  // While they sit idle, a real client is served, and so is one of them that speaks.
  ExpectServing();
  auto r = idle[1234]->Call(NFS3_GETATTR, Opaque(root_));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->nfs_status, static_cast<uint32_t>(NFS3_OK));
  idle.clear();
}

TEST_F(HostileTest, GarbageRecordsCloseOnlyThatConnection) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    RawConnection raw;
    ASSERT_TRUE(raw.Open());
    std::string junk(1 + rng() % 512, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 3 == 0) junk = RawConnection::Record(9, NFS3_LOOKUP, junk);  // valid header, junk args
    raw.Send(junk);
  }
  auto size = ops_->Size(root_);
  ASSERT_TRUE(size.ok()) << size.status().ToString();
}

}  // namespace
}  // namespace volumed::crashmatrix
