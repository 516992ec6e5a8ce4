// Access control over the network, against a live volumed in a private network namespace:
// export policies (CIDR, read-only, squash) set through volumectl are enforced on every
// NFS request — not only at MOUNT — with 127.0.0.1 and 127.0.0.2 as two different
// clients; nothing a client sends reaches outside its volume or the data directory.
//
// Thread-safety: one test thread.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nfs_ops.h"
#include "raw_rpc.h"
#include "server.h"
#include "support/temp_dir.h"

namespace volumed::crashmatrix {
namespace {

constexpr uint16_t kPort = kRawNfsPort;

class AccessTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    const char* bin = std::getenv("VOLUMED_BIN");
    const char* ctl = std::getenv("VOLUMECTL_BIN");
    ASSERT_NE(bin, nullptr);
    ASSERT_NE(ctl, nullptr);
    work_ = new volumed::testing::TempDir("access");
    ServerConfig config{
        bin,   *work_ / "data", *work_ / "volumed.log",
        "pub", kPort,           {"--volume", "only1", "--volume", "rovol", "--volume", "allsq"}};
    server_ = new ServerLauncher(config);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    const std::string sock = *work_ / "data.admin.sock";
    for (const char* args : {"policy only1 --allow 127.0.0.1/32", "policy rovol --read-only",
                             "policy allsq --squash all --anon-uid 4321 --anon-gid 4321"}) {
      const std::string cmd = std::string(ctl) + " --admin-socket " + sock + " " + args + " >>" +
                              *work_ / "volumectl.log" + " 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    delete server_;
    server_ = nullptr;
    delete work_;  // removes the directory
    work_ = nullptr;
  }

 protected:
  // MNT from `source`; the mount status and (when 0) the handle.
  static std::pair<uint32_t, std::string> Mnt(const char* source, const std::string& path) {
    return MountRoot(kPort + 1, path, source);
  }
  // One NFS call from `source` as `uid`; the NFS status (~0 when no reply).
  static uint32_t Nfs(const char* source, uint32_t proc, const std::string& args,
                      uint32_t uid = 1000, std::string* body = nullptr) {
    RawConnection c;
    if (!c.Open(kPort, source)) return ~0u;
    auto r = c.Call(proc, args, 100003, 3, uid);
    if (!r.has_value() || r->accept_stat != 0) return ~0u;
    if (body != nullptr) *body = r->body;
    return r->nfs_status;
  }
  static std::string CreateArgs(const std::string& dir, const std::string& name) {
    return DirOpArgs(dir, name) + Be32(0 /*UNCHECKED*/) + Sattr3None();
  }

  static volumed::testing::TempDir* work_;
  static ServerLauncher* server_;
};
volumed::testing::TempDir* AccessTest::work_ = nullptr;
ServerLauncher* AccessTest::server_ = nullptr;

TEST_F(AccessTest, CidrIsEnforcedAtMountAndOnEveryRequest) {
  auto [st1, fh] = Mnt("127.0.0.1", "/only1");
  ASSERT_EQ(st1, 0u);
  ASSERT_EQ(fh.size(), 32u);
  EXPECT_EQ(Mnt("127.0.0.2", "/only1").first, 13u);  // MNT3ERR_ACCES
  EXPECT_EQ(Mnt("127.0.0.2", "/pub").first, 0u);
  // The handle obtained by .1, replayed by .2: refused on every procedure tried.
  EXPECT_EQ(Nfs("127.0.0.1", 1, Opaque(fh)), 0u);
  EXPECT_EQ(Nfs("127.0.0.2", 1, Opaque(fh)), static_cast<uint32_t>(NFS3ERR_ACCES));
  EXPECT_EQ(Nfs("127.0.0.2", 3, DirOpArgs(fh, "x")), static_cast<uint32_t>(NFS3ERR_ACCES));
  EXPECT_EQ(Nfs("127.0.0.2", 8, CreateArgs(fh, "sneaky")), static_cast<uint32_t>(NFS3ERR_ACCES));
  EXPECT_EQ(Nfs("127.0.0.2", 16, Opaque(fh) + Be64(0) + Be64(0) + Be32(4096)),
            static_cast<uint32_t>(NFS3ERR_ACCES));
  EXPECT_EQ(Nfs("127.0.0.2", 18, Opaque(fh)), static_cast<uint32_t>(NFS3ERR_ACCES));
  EXPECT_EQ(Nfs("127.0.0.1", 3, DirOpArgs(fh, "sneaky")), static_cast<uint32_t>(NFS3ERR_NOENT))
      << "the refused CREATE must not have happened";
}

TEST_F(AccessTest, ReadOnlyExportRefusesEveryChange) {
  auto [st, fh] = Mnt("127.0.0.1", "/rovol");
  ASSERT_EQ(st, 0u);
  EXPECT_EQ(Nfs("127.0.0.1", 8, CreateArgs(fh, "f")), static_cast<uint32_t>(NFS3ERR_ROFS));
  EXPECT_EQ(Nfs("127.0.0.1", 9, DirOpArgs(fh, "d") + Sattr3None()),
            static_cast<uint32_t>(NFS3ERR_ROFS));
  EXPECT_EQ(
      Nfs("127.0.0.1", 2, Opaque(fh) + Be32(1) + Be32(0777) + std::string(20, '\0') + Be32(0)),
      static_cast<uint32_t>(NFS3ERR_ROFS));
  EXPECT_EQ(Nfs("127.0.0.1", 1, Opaque(fh)), 0u) << "reads still work";
}

TEST_F(AccessTest, SquashMapsCallers) {
  // Default root squash on "pub": root's file belongs to 65534; all squash on "allsq":
  // anyone's file belongs to the anonymous id 4321.
  auto [st, pub] = Mnt("127.0.0.1", "/pub");
  ASSERT_EQ(st, 0u);
  std::string body;
  ASSERT_EQ(Nfs("127.0.0.1", 8, CreateArgs(pub, "by_root"), 0, &body), 0u);
  // CREATE3resok: post_op_fh3 (follows, opaque), post_op_attr (follows, fattr3: type mode
  // nlink uid ...).
  auto owner = [](const std::string& b) {
    auto word = [&](size_t off) {
      uint32_t v = 0;
      if (b.size() >= off + 4) std::memcpy(&v, b.data() + off, 4);
      return ntohl(v);
    };
    size_t off = 0;
    if (word(off) == 1)
      off += 8 + ((word(off + 4) + 3) & ~3u);
    else
      off += 4;
    if (word(off) != 1) return ~0u;
    return word(off + 16);  // follows, type, mode, nlink, uid
  };
  EXPECT_EQ(owner(body), 65534u);
  auto [st2, sq] = Mnt("127.0.0.1", "/allsq");
  ASSERT_EQ(st2, 0u);
  ASSERT_EQ(Nfs("127.0.0.1", 8, CreateArgs(sq, "by_user"), 1000, &body), 0u);
  EXPECT_EQ(owner(body), 4321u);
}

TEST_F(AccessTest, NothingEscapesTheVolume) {
  EXPECT_NE(Mnt("127.0.0.1", "/../../etc").first, 0u);
  EXPECT_NE(Mnt("127.0.0.2", "/pub/../only1").first, 0u);
  auto [st, pub] = Mnt("127.0.0.1", "/pub");
  ASSERT_EQ(st, 0u);
  // Climbing above the volume root stays at the root (or is refused).
  auto [up_st, up] = Mnt("127.0.0.1", "/pub/../../..");
  if (up_st == 0) {
    EXPECT_EQ(up, pub);
  }
  // ".." of the volume root is the root itself (or refused), never another volume.
  std::string body;
  const uint32_t dotdot = Nfs("127.0.0.1", 3, DirOpArgs(pub, ".."), 1000, &body);
  if (dotdot == 0) {
    ASSERT_GE(body.size(), 36u);
    EXPECT_EQ(body.substr(4, 32), pub);
  }
  // A symlink's target is data: the server never follows it.
  const std::string target = "../../../../etc/passwd";
  ASSERT_EQ(Nfs("127.0.0.1", 10, DirOpArgs(pub, "esc") + Sattr3None() + Opaque(target)), 0u);
  EXPECT_NE(Nfs("127.0.0.1", 3, DirOpArgs(pub, "esc"), 1000, &body), ~0u);
  // Nothing was created outside the data directory.
  EXPECT_FALSE(std::filesystem::exists(*work_ / "esc"));
  EXPECT_FALSE(std::filesystem::exists("/etc/sneaky"));
}

}  // namespace
}  // namespace volumed::crashmatrix
