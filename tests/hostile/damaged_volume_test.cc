// A damaged volume is reported and isolated, and the other volumes keep serving: against a
// live volumed in a private network namespace, one volume's LevelDB files are overwritten
// with garbage while the server is stopped; after the restart its MNT and its old handle
// answer an I/O error, the server log names it once, `volumectl info` reports the damage,
// the other volume serves as before, and `volumectl delete` removes the damaged one.
//
// Thread-safety: one test thread.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "nfs_ops.h"
#include "raw_rpc.h"
#include "server.h"
#include "support/read_file.h"
#include "support/temp_dir.h"

namespace volumed::crashmatrix {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kPort = kRawNfsPort;
constexpr uint32_t kNfsProg = 100003;
constexpr uint32_t kMnt3ErrIo = 5;

using volumed::testing::ReadFile;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Overwrites 256 bytes at offset 16 of every LevelDB file in `dir` (not LOCK or LOG, which
// LevelDB does not read back) with random bytes: the tables, the write-ahead log, the
// manifest. Returns how many files were hit.
int Scribble(const fs::path& dir) {
  std::mt19937 rng(42);
  int hit = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name == "LOCK" || name.rfind("LOG", 0) == 0) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(16);
    for (int i = 0; i < 256; ++i) f.put(static_cast<char>(rng()));
    ++hit;
  }
  return hit;
}

class DamagedVolumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("VOLUMED_BIN");
    const char* ctl = std::getenv("VOLUMECTL_BIN");
    ASSERT_NE(bin, nullptr);
    ASSERT_NE(ctl, nullptr);
    volumectl_ = ctl;
    log_ = work_ / "volumed.log";
    server_ = std::make_unique<ServerLauncher>(ServerConfig{
        bin, work_ / "data", log_, "good", kPort, {"--volume", "bad", "--volume", "other"}});
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    server_.reset();
  }

  // volumectl ARGS through the server's admin socket; its exit code, stdout into *out.
  int Ctl(const std::string& args, std::string* out = nullptr) {
    const std::string capture = work_ / "volumectl.out";
    const std::string cmd = volumectl_ + " --admin-socket " + work_ / "data.admin.sock" + " " +
                            args + " >" + capture + " 2>>" + work_ / "volumectl.err";
    const int rc = std::system(cmd.c_str());
    if (out != nullptr) *out = ReadFile(capture);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  // MNT; the mount status and (when 0) the root handle.
  static std::pair<uint32_t, std::string> Mnt(const std::string& path) {
    return MountRoot(kPort + 1, path);
  }
  // One NFS call; its status (~0 when no reply).
  static uint32_t Nfs(uint32_t proc, const std::string& args) {
    RawConnection c;
    if (!c.Open(kPort)) return ~0u;
    auto r = c.Call(proc, args, kNfsProg, 3, 0);
    if (!r.has_value() || r->accept_stat != 0) return ~0u;
    return r->nfs_status;
  }
  // The directory holding volume `name`'s LevelDB.
  fs::path VolumeDir(const std::string& name) {
    std::string json;
    EXPECT_EQ(Ctl("info " + name + " --json", &json), 0);
    const size_t at = json.find("\"id\":");
    EXPECT_NE(at, std::string::npos) << json;
    return fs::path(work_ / "data") / "volumes" / std::to_string(std::stoull(json.substr(at + 5)));
  }

  std::string volumectl_;
  volumed::testing::TempDir work_{"damaged"};
  fs::path log_;
  std::unique_ptr<ServerLauncher> server_;
};

TEST_F(DamagedVolumeTest, IsReportedIsolatedAndDeletable) {
  // Content in every volume, so that each has tables and a log on disk.
  std::string roots[3];
  const char* names[3] = {"good", "bad", "other"};
  for (int i = 0; i < 3; ++i) {
    auto [st, fh] = Mnt(std::string("/") + names[i]);
    ASSERT_EQ(st, 0u) << names[i];
    roots[i] = fh;
    for (int f = 0; f < 20; ++f) {
      ASSERT_EQ(Nfs(8, DirOpArgs(fh, "f" + std::to_string(f)) + Be32(0) + Sattr3None()), 0u);
    }
  }
  const fs::path bad_dir = VolumeDir("bad");
  ASSERT_EQ(server_->Stop(), 0);
  ASSERT_GE(Scribble(bad_dir), 2) << bad_dir;

  // volumed starts on the damaged data directory without manual repair.
  Status s = server_->Start();
  ASSERT_TRUE(s.ok()) << s.ToString();

  // The damaged volume answers I/O errors, to MNT and to its old handle; repeatedly.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Mnt("/bad").first, kMnt3ErrIo);
    EXPECT_EQ(Nfs(1, Opaque(roots[1])), static_cast<uint32_t>(NFS3ERR_IO));
    EXPECT_EQ(Nfs(3, DirOpArgs(roots[1], "f1")), static_cast<uint32_t>(NFS3ERR_IO));
  }
  // The others serve as before, through their old handles and a new MNT.
  EXPECT_EQ(Nfs(3, DirOpArgs(roots[0], "f7")), 0u);
  EXPECT_EQ(Nfs(3, DirOpArgs(roots[2], "f19")), 0u);
  EXPECT_EQ(Nfs(8, DirOpArgs(roots[0], "after") + Be32(0) + Sattr3None()), 0u);
  EXPECT_EQ(Mnt("/other").first, 0u);

  // Reported: one error line in the server log naming the volume, however often it is hit;
  // `volumectl info` says why (exit 0: the catalog entry is fine), in JSON too.
  const std::string log = ReadFile(log_);
  EXPECT_EQ(Count(log, "volume 'bad'"), 1u) << log;
  EXPECT_EQ(Count(log, "cannot be opened and is isolated"), 1u) << log;
  std::string info;
  EXPECT_EQ(Ctl("info bad", &info), 0);
  EXPECT_NE(info.find("DAMAGED:  Corruption"), std::string::npos) << info;
  EXPECT_EQ(Ctl("info bad --json", &info), 0);
  EXPECT_NE(info.find("\"damage\":\"Corruption"), std::string::npos) << info;
  EXPECT_EQ(Ctl("info good --json", &info), 0);
  EXPECT_NE(info.find("\"damage\":null"), std::string::npos) << info;
  EXPECT_NE(info.find("\"used_files\":21"), std::string::npos) << info;  // 20 + "after"
  // fsck through the server names the damage and fails.
  std::string fsck;
  EXPECT_NE(Ctl("fsck bad", &fsck), 0);
  EXPECT_NE(ReadFile(work_ / "volumectl.err").find("volume 'bad' is damaged (Corruption"),
            std::string::npos);

  // Deleting it removes its data; its handle is STALE from then on; the others serve.
  EXPECT_EQ(Ctl("delete bad --yes"), 0);
  EXPECT_FALSE(fs::exists(bad_dir));
  EXPECT_EQ(Nfs(1, Opaque(roots[1])), static_cast<uint32_t>(NFS3ERR_STALE));
  std::string list;
  EXPECT_EQ(Ctl("list", &list), 0);
  EXPECT_EQ(list.find("bad"), std::string::npos) << list;
  EXPECT_EQ(Nfs(1, Opaque(roots[0])), 0u);
}

}  // namespace
}  // namespace volumed::crashmatrix
