// The ephemeral-volume contract (DESIGN.md §5, README "Volumes"): an ephemeral volume is
// never synced, so it survives a kill -9 of volumed (the kernel's page cache holds its
// writes) but not a crash of the machine. Against a live volumed in a private network
// namespace: data put into an ephemeral volume is there after a kill -9 and restart; after
// a kill -9 and a "reboot" (volumed restarted with another --boot-id) the volume is gone,
// its old handle answers STALE, MNT answers NOENT, `volumectl info` says why, and the
// persisted volume beside it keeps every byte; after a clean stop, a new boot id keeps
// the ephemeral volumes (their logs were synced at the stop).
//
// Thread-safety: one test thread.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "raw_rpc.h"
#include "server.h"
#include "support/read_file.h"
#include "support/temp_dir.h"

namespace volumed::crashmatrix {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kPort = kRawNfsPort;
constexpr uint32_t kNfsProg = 100003;
constexpr uint32_t kMnt3ErrNoEnt = 2;
constexpr uint32_t kNfs3ErrStale = 70;

using volumed::testing::ReadFile;

class EphemeralTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("VOLUMED_BIN");
    const char* ctl = std::getenv("VOLUMECTL_BIN");
    ASSERT_NE(bin, nullptr);
    ASSERT_NE(ctl, nullptr);
    volumed_ = bin;
    volumectl_ = ctl;
    std::ofstream(work_ / "payload", std::ios::binary) << std::string(300000, 'p') << "end";
    Boot("A");
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0);
    }
  }

  // Starts volumed as if the machine's boot id were `boot_id`.
  void Boot(const std::string& boot_id) {
    server_ = std::make_unique<ServerLauncher>(ServerConfig{
        volumed_, work_ / "data", work_ / "volumed.log", "keep", kPort, {"--boot-id", boot_id}});
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Crash() {
    server_->Kill();
    server_->Reap();
    server_.reset();
  }

  // volumectl ARGS (admin socket and the server's ports); its exit code, stdout+stderr.
  int Ctl(const std::string& args, std::string* out = nullptr) {
    const std::string capture = work_ / "volumectl.out";
    const std::string cmd = volumectl_ + " --admin-socket " + work_ / "data.admin.sock" +
                            " --server 127.0.0.1 --nfs-port " + std::to_string(kPort) +
                            " --mount-port " + std::to_string(kPort + 1) + " " + args + " >" +
                            capture + " 2>&1";
    const int rc = std::system(cmd.c_str());
    if (out != nullptr) *out = ReadFile(capture);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  // Gets `remote` and compares it with the payload.
  bool HasPayload(const std::string& remote) {
    fs::remove(work_ / "back");
    std::string out;
    if (Ctl("get " + remote + " " + work_ / "back", &out) != 0) {
      ADD_FAILURE() << out;
      return false;
    }
    return ReadFile(work_ / "back") == ReadFile(work_ / "payload");
  }
  static uint32_t Getattr(const std::string& fh) {
    RawConnection c;
    if (!c.Open(kPort)) return ~0u;
    auto r = c.Call(1, Opaque(fh), kNfsProg, 3, 0);
    if (!r.has_value() || r->accept_stat != 0) return ~0u;
    return r->nfs_status;
  }

  std::string volumed_, volumectl_;
  volumed::testing::TempDir work_{"ephemeral"};
  std::unique_ptr<ServerLauncher> server_;
};

TEST_F(EphemeralTest, SurvivesKillButNotAMachineCrash) {
  std::string out;
  ASSERT_EQ(Ctl("create scratch --ephemeral --ttl 1h", &out), 0) << out;
  ASSERT_EQ(Ctl("put " + work_ / "payload" + " scratch:/f", &out), 0) << out;
  ASSERT_EQ(Ctl("put " + work_ / "payload" + " keep:/f", &out), 0) << out;
  auto [st, scratch_root] = MountRoot(kPort + 1, "/scratch");
  ASSERT_EQ(st, 0u);

  // kill -9: nothing lost, the old handle still works.
  Crash();
  Boot("A");
  EXPECT_TRUE(HasPayload("scratch:/f"));
  EXPECT_EQ(Getattr(scratch_root), 0u);
  ASSERT_EQ(Ctl("info scratch --json", &out), 0) << out;
  const size_t at = out.find("\"id\":");
  ASSERT_NE(at, std::string::npos) << out;
  const fs::path scratch_dir =
      fs::path(work_ / "data") / "volumes" / std::to_string(std::stoull(out.substr(at + 5)));
  ASSERT_TRUE(fs::exists(scratch_dir));

  // kill -9, then a start on another boot: the machine crashed under the volume.
  Crash();
  Boot("B");
  EXPECT_EQ(Getattr(scratch_root), kNfs3ErrStale);
  EXPECT_EQ(MountRoot(kPort + 1, "/scratch").first, kMnt3ErrNoEnt);
  EXPECT_EQ(Ctl("info scratch", &out), 3) << out;
  EXPECT_NE(out.find("was ephemeral and was dropped"), std::string::npos) << out;
  EXPECT_NE(out.find("restarted without a clean shutdown"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(scratch_dir));
  EXPECT_NE(ReadFile(work_ / "volumed.log").find("volume 'scratch' (ephemeral) is dropped"),
            std::string::npos);
  EXPECT_TRUE(HasPayload("keep:/f"));  // the persisted volume lost nothing

  // The name can be used again; after a clean stop a new boot keeps ephemeral volumes.
  ASSERT_EQ(Ctl("create scratch --ephemeral --ttl 1h", &out), 0) << out;
  ASSERT_EQ(Ctl("put " + work_ / "payload" + " scratch:/g", &out), 0) << out;
  EXPECT_EQ(server_->Stop(), 0);
  Boot("C");
  EXPECT_TRUE(HasPayload("scratch:/g"));
  EXPECT_EQ(Ctl("info scratch", &out), 0) << out;
}

}  // namespace
}  // namespace volumed::crashmatrix
