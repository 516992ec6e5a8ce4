// Snapshots and forks against a live volumed (tests/support ServerProcess, under
// netns_run.sh), through volumectl and libnfs: `snapshot create|list|delete` and `fork`
// with their --json and exit codes; NAME@SNAP as a read-only export (MOUNT, ls, get, fsck;
// every change answers ROFS); handles of a snapshot and of its volume never resolving in
// the other; forks independent across a restart and a kill -9; and snapshots taken while a
// libnfs client writes without pause, each of which must equal the volume's acknowledged
// state at one instant between the command's start and its end. Run again on the RADOS
// store by snapshot_live_rados (VOLUMED_TEST_STORE=rados).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nfsc/libnfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "live_server_test.h"
#include "run_tool.h"
#include "support/read_file.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace volumed::testing {
namespace {

class SnapshotLiveTest : public LiveServerTest<SnapshotLiveTest> {
 protected:
  static ToolResult Run(const std::vector<std::string>& args) {
    return RunTool(Volumectl(), args, VolumectlEnv());
  }
  static void MustRun(const std::vector<std::string>& args) {
    const ToolResult r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": "
                              << r.err;
  }

  // A libnfs context mounted on export `name` (a volume or NAME@SNAP).
  static nfs_context* Mount(const std::string& name) {
    nfs_context* nfs = nfs_init_context();
    if (nfs == nullptr) return nullptr;
    const std::string text = "nfs://127.0.0.1/" + name +
                             "?nfsport=" + std::to_string(server_->nfs_port()) +
                             "&mountport=" + std::to_string(server_->mount_port());
    nfs_url* url = nfs_parse_url_dir(nfs, text.c_str());
    if (url == nullptr) {
      ADD_FAILURE() << text << ": " << nfs_get_error(nfs);
      nfs_destroy_context(nfs);
      return nullptr;
    }
    const int mounted = nfs_mount(nfs, url->server, url->path);
    nfs_destroy_url(url);
    if (mounted != 0) {
      ADD_FAILURE() << "mount /" << name << ": " << nfs_get_error(nfs);
      nfs_destroy_context(nfs);
      return nullptr;
    }
    return nfs;
  }

  // Puts `data` at NAME:/PATH through volumectl.
  void Put(const std::string& where, const std::string& data) {
    const std::string local = tmp_ / "upload";
    std::ofstream(local, std::ios::binary | std::ios::trunc) << data;
    MustRun({"put", local, where});
  }
  // The content of NAME:/PATH through volumectl, or "<exit N>".
  std::string Get(const std::string& where) {
    const ToolResult r = Run({"get", where, "-"});
    return r.exit_code == 0 ? r.out : "<exit " + std::to_string(r.exit_code) + ">";
  }

  const TempDir tmp_{"snapshot-live"};
};

TEST_F(SnapshotLiveTest, SnapshotIsAReadOnlyExportOfItsInstant) {
  MustRun({"create", "photo"});
  Put("photo:/f", "version one");
  const ToolResult made = Run({"snapshot", "create", "photo", "s1", "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("\"export\":\"photo@s1\""), std::string::npos) << made.out;
  EXPECT_NE(made.out.find("\"pause_ns\":"), std::string::npos) << made.out;
  Put("photo:/f", "version two");
  Put("photo:/g", "new file");

  EXPECT_EQ(Get("photo@s1:/f"), "version one");
  EXPECT_EQ(Get("photo:/f"), "version two");
  const ToolResult ls = Run({"ls", "photo@s1"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find('f'), std::string::npos);
  EXPECT_EQ(ls.out.find('g'), std::string::npos) << ls.out;
  // volumectl's put, and every change through NFS, is refused with ROFS.
  const std::string local = tmp_ / "x";
  std::ofstream(local) << "x";
  const ToolResult put = Run({"put", local, "photo@s1:/x"});
  EXPECT_NE(put.exit_code, 0);
  EXPECT_NE(put.err.find("read-only"), std::string::npos) << put.err;
  EXPECT_EQ(Run({"fsck", "photo@s1"}).exit_code, 0);
  EXPECT_EQ(Run({"fsck", "photo"}).exit_code, 0);

  nfs_context* snap = Mount("photo@s1");
  nfs_context* vol = Mount("photo");
  ASSERT_NE(snap, nullptr);
  ASSERT_NE(vol, nullptr);
  nfsfh* created = nullptr;
  EXPECT_EQ(nfs_creat(snap, "/new", 0644, &created), -EROFS) << nfs_get_error(snap);
  EXPECT_EQ(nfs_mkdir(snap, "/d"), -EROFS);
  EXPECT_EQ(nfs_unlink(snap, "/f"), -EROFS);
  EXPECT_EQ(nfs_rename(snap, "/f", "/f2"), -EROFS);
  EXPECT_EQ(nfs_chmod(snap, "/f", 0600), -EROFS);
  nfsfh* snap_f = nullptr;
  nfsfh* vol_f = nullptr;
  ASSERT_EQ(nfs_open(snap, "/f", O_RDONLY, &snap_f), 0) << nfs_get_error(snap);
  ASSERT_EQ(nfs_open(vol, "/f", O_RDWR, &vol_f), 0) << nfs_get_error(vol);
  EXPECT_LT(nfs_pwrite(snap, snap_f, 0, 1, "X"), 0);
  // The same file in both, under handles of their own (the volume id differs): a change
  // through the volume's handle does not show through the snapshot's.
  ASSERT_EQ(nfs_pwrite(vol, vol_f, 0, 7, "VERSION"), 7);
  char buf[32] = {};
  ASSERT_EQ(nfs_pread(snap, snap_f, 0, sizeof buf, buf), 11);
  EXPECT_EQ(std::string(buf, 11), "version one");

  // Listed, then deleted: its handles go STALE, the volume's keep working.
  const ToolResult list = Run({"snapshot", "list", "photo", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("[{\"volume\":\"photo\",\"snapshot\":\"s1\"", 0), 0u) << list.out;
  const ToolResult again = Run({"snapshot", "create", "photo", "s1"});
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_EQ(again.err, "volumectl: a snapshot named 'photo@s1' already exists\n");
  const ToolResult missing = Run({"snapshot", "create", "nope", "s"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(missing.err, "volumectl: no volume named 'nope'\n");
  EXPECT_EQ(Run({"snapshot", "create", "photo", "bad@name"}).exit_code, 2);
  EXPECT_EQ(Run({"snapshot", "delete", "photo", "s1"}).exit_code, 2);  // not a terminal, no --yes
  MustRun({"snapshot", "delete", "photo", "s1", "--yes"});
  EXPECT_EQ(Run({"snapshot", "delete", "photo", "s1", "--yes"}).exit_code, 3);
  EXPECT_EQ(Run({"ls", "photo@s1"}).exit_code, 3);
  nfs_stat_64 st{};
  EXPECT_EQ(nfs_fstat64(snap, snap_f, &st), -ESTALE) << nfs_get_error(snap);
  EXPECT_EQ(nfs_fstat64(vol, vol_f, &st), 0) << nfs_get_error(vol);
  const ToolResult none = Run({"snapshot", "list", "photo"});
  EXPECT_EQ(none.out, "volume 'photo' has no snapshots\n");
  nfs_close(snap, snap_f);
  nfs_close(vol, vol_f);
  nfs_destroy_context(snap);
  nfs_destroy_context(vol);
  MustRun({"delete", "photo", "--yes"});
}

TEST_F(SnapshotLiveTest, ForkIsIndependentAcrossRestartAndKill) {
  MustRun({"create", "base", "--quota-files", "500", "--squash", "none"});
  Put("base:/shared", "before");
  const ToolResult fork = Run({"fork", "base", "exp", "--json"});
  ASSERT_EQ(fork.exit_code, 0) << fork.err;
  EXPECT_NE(fork.out.find("\"name\":\"exp\""), std::string::npos) << fork.out;
  EXPECT_NE(fork.out.find("\"files\":500"), std::string::npos) << fork.out;
  EXPECT_NE(fork.out.find("\"squash\":\"none\""), std::string::npos) << fork.out;
  EXPECT_EQ(Run({"fork", "base", "exp"}).exit_code, 4);
  EXPECT_EQ(Run({"fork", "nope", "x"}).exit_code, 3);
  Put("base:/shared", "base side");
  Put("exp:/shared", "exp side");
  Put("exp:/only-exp", "x");
  for (const char* how : {"as is", "after a restart", "after kill -9"}) {
    SCOPED_TRACE(how);
    if (std::string(how) == "after a restart") {
      ASSERT_TRUE(server_->Restart().ok());
    } else if (std::string(how) == "after kill -9") {
      server_->Kill();
      ASSERT_TRUE(server_->Restart().ok());
    }
    EXPECT_EQ(Get("base:/shared"), "base side");
    EXPECT_EQ(Get("exp:/shared"), "exp side");
    EXPECT_EQ(Get("exp:/only-exp"), "x");
    EXPECT_EQ(Get("base:/only-exp"), "<exit 3>");
    EXPECT_EQ(Run({"fsck", "base"}).exit_code, 0);
    EXPECT_EQ(Run({"fsck", "exp"}).exit_code, 0);
  }
  // An ephemeral volume's fork is ephemeral unless --persisted.
  MustRun({"create", "scratch", "--ephemeral", "--ttl", "1h"});
  Put("scratch:/result", "42");
  const ToolResult kept = Run({"fork", "scratch", "kept", "--persisted", "--json"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("\"kind\":\"persisted\""), std::string::npos) << kept.out;
  MustRun({"delete", "scratch", "--yes"});
  EXPECT_EQ(Get("kept:/result"), "42");
  for (const char* v : {"base", "exp", "kept"}) MustRun({"delete", v, "--yes"});
}

TEST_F(SnapshotLiveTest, RestoreRollsBackAndStalesWhatTheSnapshotLacks) {
  MustRun({"create", "rb"});
  Put("rb:/f", "one");
  MustRun({"snapshot", "create", "rb", "s"});
  Put("rb:/f", "two");
  Put("rb:/g", "after the snapshot");
  nfs_context* nfs = Mount("rb");
  ASSERT_NE(nfs, nullptr);
  nfsfh* f = nullptr;
  nfsfh* g = nullptr;
  ASSERT_EQ(nfs_open(nfs, "/f", O_RDONLY, &f), 0);
  ASSERT_EQ(nfs_open(nfs, "/g", O_RDONLY, &g), 0);

  const ToolResult asked = Run({"snapshot", "restore", "rb", "s"});
  EXPECT_EQ(asked.exit_code, 2);  // not a terminal, no --yes
  EXPECT_EQ(Get("rb:/g"), "after the snapshot");
  EXPECT_EQ(Run({"snapshot", "restore", "rb", "missing", "--yes"}).exit_code, 3);
  MustRun({"snapshot", "restore", "rb", "s", "--yes"});
  EXPECT_EQ(Get("rb:/f"), "one");
  EXPECT_EQ(Get("rb:/g"), "<exit 3>");
  // The open handle of a file the snapshot holds reads its content; the other is STALE.
  char buf[16] = {};
  EXPECT_EQ(nfs_pread(nfs, f, 0, sizeof buf, buf), 3);
  EXPECT_EQ(std::string(buf, 3), "one");
  nfs_stat_64 st{};
  EXPECT_EQ(nfs_fstat64(nfs, g, &st), -ESTALE) << nfs_get_error(nfs);
  nfs_close(nfs, f);
  nfs_close(nfs, g);
  nfs_destroy_context(nfs);
  EXPECT_EQ(Run({"fsck", "rb"}).exit_code, 0);
  Put("rb:/h", "written after the restore");
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(Get("rb:/h"), "written after the restore");
  EXPECT_EQ(Get("rb@s:/f"), "one");
  MustRun({"snapshot", "delete", "rb", "s", "--yes"});
  MustRun({"delete", "rb", "--yes"});
}

// True when the test servers run on the RADOS store (protocol_rados, snapshot_live_rados).
bool TestStoreIsRados() {
  const char* store = std::getenv("VOLUMED_TEST_STORE");
  return store != nullptr && std::string(store) == "rados";
}

// The shared bytes `du` (whole volume or snapshot, text and --json) reports.
uint64_t JsonNumber(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return 0;
  return std::stoull(json.substr(at + key.size() + 3));
}

TEST_F(SnapshotLiveTest, InfoAndDuShowSharedBytes) {
  MustRun({"create", "space"});
  const std::string big(4 << 20, 'q');
  Put("space:/big", big);
  ASSERT_TRUE(server_->Restart().ok());  // the log becomes a table when LevelDB reopens
  MustRun({"snapshot", "create", "space", "s"});
  const ToolResult info = Run({"info", "space", "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const size_t at = info.out.find("\"shared_bytes\":");
  ASSERT_NE(at, std::string::npos) << info.out;
  if (TestStoreIsRados()) {
    // The RADOS store copies a database's files (README, "Snapshots and forks"): nothing
    // is shared, and the volume still holds its own bytes.
    EXPECT_EQ(std::stoull(info.out.substr(at + 15)), 0u) << info.out;
    EXPECT_GT(JsonNumber(info.out, "own_bytes"), 0u) << info.out;
  } else {
    EXPECT_GT(std::stoull(info.out.substr(at + 15)), 0u) << info.out;
  }
  const ToolResult text = Run({"info", "space"});
  EXPECT_NE(text.out.find("shared with snapshots or forks"), std::string::npos) << text.out;
  // du: the file bytes, and for the whole volume or snapshot the same space as info.
  const ToolResult du = Run({"du", "space", "--json"});
  ASSERT_EQ(du.exit_code, 0) << du.err;
  EXPECT_EQ(JsonNumber(du.out, "bytes"), big.size()) << du.out;
  EXPECT_EQ(JsonNumber(du.out, "shared_bytes"), JsonNumber(info.out, "shared_bytes")) << du.out;
  EXPECT_EQ(JsonNumber(du.out, "own_bytes"), JsonNumber(info.out, "own_bytes")) << du.out;
  const ToolResult snap_du = Run({"du", "space@s", "--json"});
  ASSERT_EQ(snap_du.exit_code, 0) << snap_du.err;
  EXPECT_EQ(JsonNumber(snap_du.out, "shared_bytes"), JsonNumber(info.out, "shared_bytes"))
      << snap_du.out;
  const ToolResult du_text = Run({"du", "space"});
  ASSERT_EQ(du_text.exit_code, 0) << du_text.err;
  EXPECT_NE(du_text.out.find("shared with snapshots or forks\tspace\n"), std::string::npos)
      << du_text.out;
  // A path inside has no store space of its own to show.
  const ToolResult sub = Run({"du", "space:/big", "--json"});
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  EXPECT_NE(sub.out.find("\"shared_bytes\":null"), std::string::npos) << sub.out;
  MustRun({"delete", "space", "--yes"});
  EXPECT_EQ(Get("space@s:/big") == big, true);
  MustRun({"snapshot", "delete", "space", "s", "--yes"});
}

// A snapshot belongs to the volume it was taken of: while snapshots of a deleted volume
// are left, a new volume cannot take its name (the error names them), so NAME@SNAP never
// reaches a later volume of the same name.
TEST_F(SnapshotLiveTest, SnapshotsOfADeletedVolumeKeepItsName) {
  MustRun({"create", "gone"});
  Put("gone:/f", "old");
  MustRun({"snapshot", "create", "gone", "s"});
  MustRun({"delete", "gone", "--yes"});
  const ToolResult again = Run({"create", "gone"});
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_EQ(again.err,
            "volumectl: the name 'gone' is still used by snapshots of a deleted volume: gone@s "
            "(delete them first)\n");
  MustRun({"create", "other"});
  EXPECT_EQ(Run({"fork", "other", "gone"}).exit_code, 4);
  const ToolResult list = Run({"snapshot", "list", "gone", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("[{\"volume\":\"gone\",\"snapshot\":\"s\"", 0), 0u) << list.out;
  EXPECT_EQ(Get("gone@s:/f"), "old");
  EXPECT_EQ(Run({"snapshot", "restore", "gone", "s", "--yes"}).exit_code, 3);
  MustRun({"snapshot", "delete", "gone", "s", "--yes"});
  MustRun({"create", "gone"});
  EXPECT_EQ(Get("gone:/f"), "<exit 3>");
  EXPECT_EQ(Run({"snapshot", "list", "gone"}).out, "volume 'gone' has no snapshots\n");
  for (const char* v : {"gone", "other"}) MustRun({"delete", v, "--yes"});
}

// put --atomic: a tree appears at a new PATH whole, a symlink PATH is replaced by a link to
// the new version, an existing directory is refused, and a failed put leaves nothing.
TEST_F(SnapshotLiveTest, PutAtomicPublishesWholeTrees) {
  MustRun({"create", "pub", "--quota-bytes", "1M"});
  auto version = [&](const std::string& name, const std::string& text) {
    const std::string dir = tmp_ / name;
    std::filesystem::create_directories(dir + "/sub");
    std::ofstream(dir + "/a") << text;
    std::ofstream(dir + "/sub/b") << text;
    return dir;
  };
  MustRun({"put", "--atomic", version("v1", "one"), "pub:/data"});
  EXPECT_EQ(Get("pub:/data/a"), "one");
  EXPECT_EQ(Get("pub:/data/sub/b"), "one");
  const ToolResult again = Run({"put", "--atomic", version("v2", "two"), "pub:/data"});
  EXPECT_EQ(again.exit_code, 4) << again.err;
  EXPECT_EQ(Get("pub:/data/a"), "one");

  // The current -> version pattern.
  nfs_context* nfs = Mount("pub");
  ASSERT_NE(nfs, nullptr);
  ASSERT_EQ(nfs_symlink(nfs, "data", "/current"), 0) << nfs_get_error(nfs);
  MustRun({"put", "--atomic", version("v2", "two"), "pub:/current"});
  char target[256] = {};
  ASSERT_EQ(nfs_readlink(nfs, "/current", target, sizeof target - 1), 0);
  const std::string published = target;
  EXPECT_EQ(published.rfind("current.", 0), 0u) << published;
  EXPECT_EQ(Get("pub:/" + published + "/a"), "two");
  EXPECT_EQ(Get("pub:/" + published + "/sub/b"), "two");
  EXPECT_EQ(Get("pub:/data/a"), "one");  // the old version stays until removed

  // A failed put (over quota) leaves PATH as it was and no staging entry behind.
  const std::string big = tmp_ / "big";
  std::filesystem::create_directories(big);
  std::ofstream(big + "/blob") << std::string(2 << 20, 'x');
  const ToolResult failed = Run({"put", "--atomic", big, "pub:/current"});
  EXPECT_NE(failed.exit_code, 0);
  memset(target, 0, sizeof target);
  ASSERT_EQ(nfs_readlink(nfs, "/current", target, sizeof target - 1), 0);
  EXPECT_EQ(std::string(target), published);
  const ToolResult listing = Run({"ls", "pub"});
  EXPECT_EQ(listing.out.find("staging"), std::string::npos) << listing.out;
  EXPECT_EQ(listing.out.find(".link-"), std::string::npos) << listing.out;
  nfs_destroy_context(nfs);
  MustRun({"delete", "pub", "--yes"});
}

// A writer creates f0, f1, ... (CREATE, then one WRITE of the file's index) without pause;
// `acked` is the last index whose WRITE was answered, `started` the last whose CREATE was
// sent. A snapshot taken between (a = acked at its start) and (b = started at its end)
// must hold f0..f(n-1) for some a < n <= b + 1, each whole but the last, which may be
// empty (its WRITE not yet applied): the volume's state at one instant.
TEST_F(SnapshotLiveTest, SnapshotsUnderContinuousWritesHoldOneInstant) {
  MustRun({"create", "load"});
  std::atomic<long> acked{-1}, started{-1};
  std::atomic<bool> stop{false};
  std::string writer_error;
  std::thread writer([&] {
    nfs_context* nfs = Mount("load");
    if (nfs == nullptr) {
      writer_error = "cannot mount";
      return;
    }
    for (long i = 0; !stop.load(); ++i) {
      started.store(i);
      const std::string name = "/f" + std::to_string(i);
      const std::string data = std::to_string(i) + std::string(1000, '.');
      nfsfh* fh = nullptr;
      if (nfs_creat(nfs, name.c_str(), 0644, &fh) != 0 ||
          nfs_pwrite(nfs, fh, 0, data.size(), data.data()) != static_cast<int>(data.size())) {
        writer_error = name + ": " + nfs_get_error(nfs);
        break;
      }
      nfs_close(nfs, fh);
      acked.store(i);
    }
    nfs_destroy_context(nfs);
  });
  struct Taken {
    std::string name;
    long acked_at_start, started_at_end;
  };
  std::vector<Taken> taken;
  for (int k = 0; k < 4; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Taken t{"s" + std::to_string(k), acked.load(), 0};
    const ToolResult r = Run({"snapshot", "create", "load", t.name});
    t.started_at_end = started.load();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    taken.push_back(t);
  }
  stop.store(true);
  writer.join();
  ASSERT_EQ(writer_error, "");
  ASSERT_GT(acked.load(), 20) << "the writer barely ran";

  for (const Taken& t : taken) {
    SCOPED_TRACE(t.name);
    nfs_context* nfs = Mount("load@" + t.name);
    ASSERT_NE(nfs, nullptr);
    nfsdir* dir = nullptr;
    ASSERT_EQ(nfs_opendir(nfs, "/", &dir), 0);
    std::set<long> present;
    while (nfsdirent* e = nfs_readdir(nfs, dir)) {
      const std::string name = e->name;
      if (name[0] == 'f') present.insert(std::stol(name.substr(1)));
    }
    nfs_closedir(nfs, dir);
    const long n = static_cast<long>(present.size());
    ASSERT_TRUE(n == 0 || *present.rbegin() == n - 1) << "not a prefix: " << n << " files";
    EXPECT_GT(n, t.acked_at_start) << "an acknowledged write is missing";
    EXPECT_LE(n, t.started_at_end + 1) << "holds a write started after the snapshot";
    for (long i = 0; i < n; ++i) {
      const std::string expect = std::to_string(i) + std::string(1000, '.');
      nfsfh* fh = nullptr;
      ASSERT_EQ(nfs_open(nfs, ("/f" + std::to_string(i)).c_str(), O_RDONLY, &fh), 0);
      std::string got(2048, '\0');
      const int len = nfs_pread(nfs, fh, 0, got.size(), got.data());
      nfs_close(nfs, fh);
      got.resize(len < 0 ? 0 : static_cast<size_t>(len));
      if (i == n - 1 && i > t.acked_at_start && got.empty()) continue;  // write not applied yet
      ASSERT_EQ(got, expect) << "f" << i;
    }
    nfs_destroy_context(nfs);
    EXPECT_EQ(Run({"fsck", "load@" + t.name}).exit_code, 0);
  }
  EXPECT_EQ(Run({"fsck", "load"}).exit_code, 0);
  for (const Taken& t : taken) MustRun({"snapshot", "delete", "load", t.name, "--yes"});
  MustRun({"delete", "load", "--yes"});
}

}  // namespace
}  // namespace volumed::testing
