// Snapshots and forks in the catalog (storage/catalog.h), on real directories so that the
// embedded store's hard-linked tables are what is tested: content frozen at the instant of
// the snapshot, independence of forks across restarts, names, space shared and freed, and
// a kill -9 at each step of making a snapshot or a fork (the child process is killed with
// SIGKILL at the step; the parent reopens the store and checks it).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "storage/catalog.h"
#include "storage/fsck.h"
#include "support/temp_dir.h"

namespace volumed::storage {
namespace {

using Code = Status::Code;

Credentials Root() { return Credentials{0, 0, {}}; }

StoreOptions DirOptions(const std::string& dir) {
  StoreOptions o;
  o.data_dir = dir;
  o.block_size = 4096;
  o.block_cache_bytes = 1 << 20;
  o.boot_id = "test-boot";
  return o;
}

// Writes `data` to /NAME in `v` (created or truncated), synced.
void Put(Volume& v, const std::string& name, const std::string& data) {
  auto f = v.Create(Root(), v.Root(), name, CreateMode::kUnchecked, {}, 0, nullptr);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  SetAttrRequest truncate;
  truncate.size = 0;
  ASSERT_TRUE(v.SetAttr(Root(), f->ref, truncate, nullptr).ok());
  constexpr size_t kChunk = 256 * 1024;  // below the largest single write
  for (size_t offset = 0; offset < data.size(); offset += kChunk) {
    auto w = v.Write(Root(), f->ref, offset, std::string_view(data).substr(offset, kChunk),
                     Stability::kFileSync, nullptr);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }
}

// The content of /NAME, or "<absent>".
std::string Get(Volume& v, const std::string& name) {
  auto f = v.Lookup(Root(), v.Root(), name, nullptr);
  if (!f.ok()) return "<absent>";
  std::string out;
  for (uint64_t offset = 0;;) {
    auto r = v.Read(Root(), f->ref, offset, 1 << 20);
    if (!r.ok()) return "<error " + r.status().ToString() + ">";
    out += r->data;
    offset += r->data.size();
    if (r->eof || r->data.empty()) return out;
  }
}

bool FsckClean(Volume& v) {
  FsckReport report;
  Status s = Fsck(v, &report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(report.clean()) << report.Summary();
  return s.ok() && report.clean();
}

// Bytes the files under `dir` occupy on disk, each inode counted once.
uint64_t DiskBytes(const std::string& dir) {
  std::set<ino_t> seen;
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st;
    if (::lstat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (seen.insert(st.st_ino).second) total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest() { Reopen(); }

  void Reopen() {
    catalog_.reset();
    auto c = VolumeCatalog::Open(DirOptions(dir_.path()));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }

  std::shared_ptr<Volume> Open(const std::string& name) {
    auto v = catalog_->OpenByName(name);
    EXPECT_TRUE(v.ok()) << name << ": " << v.status().ToString();
    return v.ok() ? *v : nullptr;
  }

  VolumeInfo MustCreate(const std::string& name) {
    CreateVolumeRequest req;
    req.name = name;
    req.quota.max_files = 1000;
    auto r = catalog_->Create(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VolumeInfo{};
  }

  testing::TempDir dir_{"volumed-snapshot"};
  std::unique_ptr<VolumeCatalog> catalog_;
};

TEST_F(SnapshotTest, SnapshotHoldsTheContentOfItsInstantReadOnly) {
  const VolumeInfo vol = MustCreate("data");
  Put(*Open("data"), "a", "one");
  auto snap = catalog_->CreateSnapshot("data", "s1");
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_NE(snap->info.id, vol.id);
  EXPECT_NE(snap->info.epoch, vol.epoch);
  EXPECT_EQ(snap->info.origin_id, vol.id);
  EXPECT_TRUE(snap->info.policy.read_only);
  EXPECT_GE(snap->pause_ns, 0);
  Put(*Open("data"), "a", "two");
  Put(*Open("data"), "b", "new");

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "before restart" : "after restart");
    auto s = Open("data@s1");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->id(), snap->info.id);
    EXPECT_EQ(Get(*s, "a"), "one");
    EXPECT_EQ(Get(*s, "b"), "<absent>");
    EXPECT_EQ(Get(*Open("data"), "a"), "two");
    EXPECT_TRUE(FsckClean(*s));
    EXPECT_TRUE(FsckClean(*Open("data")));
    auto served = catalog_->Serve(snap->info.id);
    ASSERT_TRUE(served.ok());
    EXPECT_TRUE((*served)->info.policy.read_only);
    // Listed as a snapshot of its volume, not as a volume.
    auto snaps = catalog_->ListSnapshots("data");
    ASSERT_TRUE(snaps.ok());
    ASSERT_EQ(snaps->size(), 1u);
    EXPECT_EQ((*snaps)[0].snapshot, "s1");
    auto all = catalog_->List();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ((*all)[0].name, "data");
    Reopen();
  }
}

TEST_F(SnapshotTest, NamesAndErrors) {
  MustCreate("data");
  EXPECT_EQ(catalog_->CreateSnapshot("nope", "s").status().code(), Code::kNotFound);
  EXPECT_EQ(catalog_->CreateSnapshot("data", "bad/name").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(catalog_->CreateSnapshot("data", "a@b").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(catalog_->CreateSnapshot("data@x", "s").status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(catalog_->CreateSnapshot("data", "s").ok());
  EXPECT_EQ(catalog_->CreateSnapshot("data", "s").status().code(), Code::kExists);
  EXPECT_EQ(catalog_->Fork("data", "data", false).status().code(), Code::kExists);
  EXPECT_EQ(catalog_->Fork("data@missing", "f", false).status().code(), Code::kNotFound);
  ASSERT_TRUE(catalog_->Delete("data@s").ok());
  EXPECT_EQ(catalog_->OpenByName("data@s").status().code(), Code::kNotFound);
  auto snaps = catalog_->ListSnapshots("data");
  ASSERT_TRUE(snaps.ok());
  EXPECT_TRUE(snaps->empty());
  // Nothing left behind: only the volume's own directory.
  size_t dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "volumes")) {
    (void)e;
    ++dirs;
  }
  EXPECT_EQ(dirs, 1u);
}

TEST_F(SnapshotTest, ForkIsIndependentAndKeepsPolicyAndQuota) {
  const VolumeInfo vol = MustCreate("base");
  Put(*Open("base"), "shared", "before");
  auto fork = catalog_->Fork("base", "exp", false);
  ASSERT_TRUE(fork.ok()) << fork.status().ToString();
  EXPECT_NE(fork->info.id, vol.id);
  EXPECT_EQ(fork->info.quota.max_files, 1000u);
  EXPECT_FALSE(fork->info.policy.read_only);
  Put(*Open("base"), "shared", "base-change");
  Put(*Open("exp"), "shared", "exp-change");
  Put(*Open("exp"), "only-exp", "x");
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "before restart" : "after restart");
    EXPECT_EQ(Get(*Open("base"), "shared"), "base-change");
    EXPECT_EQ(Get(*Open("base"), "only-exp"), "<absent>");
    EXPECT_EQ(Get(*Open("exp"), "shared"), "exp-change");
    EXPECT_EQ(Get(*Open("exp"), "only-exp"), "x");
    EXPECT_TRUE(FsckClean(*Open("base")));
    EXPECT_TRUE(FsckClean(*Open("exp")));
    Reopen();
  }
  // A fork of a snapshot is writable.
  ASSERT_TRUE(catalog_->CreateSnapshot("base", "s").ok());
  auto from_snap = catalog_->Fork("base@s", "again", false);
  ASSERT_TRUE(from_snap.ok()) << from_snap.status().ToString();
  EXPECT_FALSE(from_snap->info.policy.read_only);
  EXPECT_TRUE(from_snap->info.snapshot.empty());
  Put(*Open("again"), "shared", "again-change");
  EXPECT_EQ(Get(*Open("base@s"), "shared"), "base-change");
}

TEST_F(SnapshotTest, EphemeralForkedPersisted) {
  CreateVolumeRequest req;
  req.name = "scratch";
  req.kind = VolumeKind::kEphemeral;
  req.lease_ttl_ns = 3600'000'000'000;
  ASSERT_TRUE(catalog_->Create(req).ok());
  Put(*Open("scratch"), "result", "42");
  auto kept = catalog_->Fork("scratch", "kept", true);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->info.kind, VolumeKind::kPersisted);
  auto same = catalog_->Fork("scratch", "same", false);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->info.kind, VolumeKind::kEphemeral);
  ASSERT_TRUE(catalog_->Delete("scratch").ok());
  EXPECT_EQ(Get(*Open("kept"), "result"), "42");
}

TEST_F(SnapshotTest, TablesAreSharedAndFreedByTheLastHolder) {
  const VolumeInfo vol = MustCreate("big");
  const std::string block(1 << 20, 'z');
  for (int i = 0; i < 6; ++i) Put(*Open("big"), "f" + std::to_string(i), block + char('0' + i));
  Reopen();  // LevelDB turns the log into a table when it reopens
  auto snap = catalog_->CreateSnapshot("big", "s");
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  auto vol_space = catalog_->Space(vol.id);
  auto snap_space = catalog_->Space(snap->info.id);
  ASSERT_TRUE(vol_space.ok() && snap_space.ok());
  // The file data sits in tables both reference (compressible data: well below 6 MiB).
  EXPECT_GT(vol_space->shared_bytes, 0u);
  EXPECT_EQ(vol_space->shared_bytes, snap_space->shared_bytes);
  EXPECT_LT(snap_space->own_bytes, snap_space->shared_bytes + (1u << 16));

  const uint64_t with_both = DiskBytes(dir_.path() + "/volumes");
  ASSERT_TRUE(catalog_->Delete("big").ok());
  const uint64_t snap_only = DiskBytes(dir_.path() + "/volumes");
  // Deleting the volume frees only what it alone held; the snapshot reads on.
  ASSERT_LT(snap_only, with_both);
  const uint64_t freed = with_both - snap_only;
  constexpr uint64_t kSlack = 16 * 4096;  // per-file rounding to disk blocks
  EXPECT_LE(freed, vol_space->own_bytes + kSlack);
  EXPECT_GE(freed + kSlack, vol_space->own_bytes);
  auto s = Open("big@s");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(Get(*s, "f3") == block + '3');
  s.reset();
  auto now = catalog_->Space(snap->info.id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->shared_bytes, 0u);  // it is the last holder now
  ASSERT_TRUE(catalog_->Delete("big@s").ok());
  EXPECT_EQ(DiskBytes(dir_.path() + "/volumes"), 0u);
}

size_t DirectoriesIn(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

// A snapshot belongs to the volume it was taken of: while snapshots of a deleted volume
// are left, its name cannot be given to a new volume (created or forked), so "NAME@SNAP"
// never names a snapshot of another volume than the one called NAME when it was taken.
TEST_F(SnapshotTest, SnapshotsOfADeletedVolumeKeepItsNameFromNewVolumes) {
  const VolumeInfo old = MustCreate("data");
  Put(*Open("data"), "a", "old");
  ASSERT_TRUE(catalog_->CreateSnapshot("data", "s1").ok());
  ASSERT_TRUE(catalog_->CreateSnapshot("data", "s2").ok());
  MustCreate("other");
  ASSERT_TRUE(catalog_->Delete("data").ok());

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "before restart" : "after restart");
    CreateVolumeRequest req;
    req.name = "data";
    auto created = catalog_->Create(req);
    ASSERT_EQ(created.status().code(), Code::kExists);
    EXPECT_NE(created.status().message().find("data@s1, data@s2"), std::string::npos)
        << created.status().ToString();
    EXPECT_EQ(catalog_->Fork("other", "data", false).status().code(), Code::kExists);
    // The snapshots stay listed and readable as the deleted volume's.
    auto snaps = catalog_->ListSnapshots("data");
    ASSERT_TRUE(snaps.ok());
    ASSERT_EQ(snaps->size(), 2u);
    EXPECT_EQ((*snaps)[0].origin_id, old.id);
    EXPECT_EQ(Get(*Open("data@s1"), "a"), "old");
    EXPECT_EQ(catalog_->Restore("data", "s1").status().code(), Code::kNotFound);
    Reopen();
  }
  // A name is free again once the last of them is deleted; the new volume starts empty.
  ASSERT_TRUE(catalog_->Delete("data@s1").ok());
  EXPECT_EQ(catalog_->Fork("other", "data", false).status().code(), Code::kExists);
  ASSERT_TRUE(catalog_->Delete("data@s2").ok());
  const VolumeInfo fresh = MustCreate("data");
  EXPECT_NE(fresh.id, old.id);
  EXPECT_EQ(Get(*Open("data"), "a"), "<absent>");
  auto snaps = catalog_->ListSnapshots("data");
  ASSERT_TRUE(snaps.ok());
  EXPECT_TRUE(snaps->empty());
  EXPECT_EQ(catalog_->OpenByName("data@s1").status().code(), Code::kNotFound);
  EXPECT_EQ(DirectoriesIn(dir_ / "volumes"), 2u);  // "data" and "other": nothing left over
}

TEST_F(SnapshotTest, RestoreRollsBackKeepsHandlesOfWhatTheSnapshotHolds) {
  MustCreate("vol");
  Put(*Open("vol"), "a", "one");
  ASSERT_TRUE(catalog_->CreateSnapshot("vol", "s").ok());
  Put(*Open("vol"), "a", "two");
  Put(*Open("vol"), "later", "x");
  auto v = Open("vol");
  auto a = v->Lookup(Root(), v->Root(), "a", nullptr);
  auto later = v->Lookup(Root(), v->Root(), "later", nullptr);
  ASSERT_TRUE(a.ok() && later.ok());
  v.reset();

  auto restored = catalog_->Restore("vol", "s");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->incarnation, 1u);
  EXPECT_EQ(catalog_->Restore("vol", "missing").status().code(), Code::kNotFound);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "before restart" : "after restart");
    auto r = Open("vol");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(Get(*r, "a"), "one");
    EXPECT_EQ(Get(*r, "later"), "<absent>");
    EXPECT_TRUE(r->GetAttr(a->ref).ok());  // the same handle, the snapshot's content
    EXPECT_EQ(r->GetAttr(later->ref).status().code(), Code::kStale);
    EXPECT_TRUE(FsckClean(*r));
    EXPECT_EQ(Get(*Open("vol@s"), "a"), "one");
    Reopen();
  }
  // Inode numbers handed out before the restore are not handed out again.
  auto r = Open("vol");
  auto fresh = r->Create(Root(), r->Root(), "fresh", CreateMode::kGuarded, {}, 0, nullptr);
  ASSERT_TRUE(fresh.ok());
  EXPECT_GT(fresh->ref.ino, later->ref.ino);
  EXPECT_EQ(DirectoriesIn(dir_ / "volumes"), 2u);  // the volume's new directory, the snapshot
  r.reset();
  ASSERT_TRUE(catalog_->Delete("vol").ok());
  ASSERT_TRUE(catalog_->Delete("vol@s").ok());
  EXPECT_EQ(DirectoriesIn(dir_ / "volumes"), 0u);
}

// Runs `work` on the store in `dir` in a child process that is killed with SIGKILL when
// the catalog reaches `step`; fails the test unless it was.
void RunKilledAt(const std::string& dir, const std::string& step,
                 const std::function<bool(VolumeCatalog&)>& work) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    StoreOptions o = DirOptions(dir);
    o.clone_step = [&](std::string_view at) {
      if (at == step) ::kill(::getpid(), SIGKILL);
    };
    auto c = VolumeCatalog::Open(o);
    ::_exit(c.ok() && work(**c) ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child exited with " << WEXITSTATUS(status) << " before step " << step;
}

// kill -9 at each step of making a snapshot (and a fork): afterwards the copy exists
// complete or not at all, nothing is left behind, and the source is intact.
class CloneCrashTest : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(CloneCrashTest, CopyIsWholeOrAbsentAndSourceIntact) {
  const std::string step = std::get<0>(GetParam());
  const bool fork = std::get<1>(GetParam());
  testing::TempDir dir("volumed-clone-crash");
  {
    auto c = VolumeCatalog::Open(DirOptions(dir.path()));
    ASSERT_TRUE(c.ok());
    CreateVolumeRequest req;
    req.name = "src";
    ASSERT_TRUE((*c)->Create(req).ok());
    auto v = (*c)->OpenByName("src");
    ASSERT_TRUE(v.ok());
    Put(**v, "file", "content");
  }
  RunKilledAt(dir.path(), step, [&](VolumeCatalog& c) {
    auto v = c.OpenByName("src");
    if (!v.ok()) return false;
    // Unsynced but applied: a snapshot holds what was acknowledged, synced or not.
    auto f = (*v)->Lookup(Root(), (*v)->Root(), "file", nullptr);
    if (!f.ok() || !(*v)->Write(Root(), f->ref, 7, "+more", Stability::kUnstable, nullptr).ok()) {
      return false;
    }
    return (fork ? c.Fork("src", "copy", false) : c.CreateSnapshot("src", "copy")).ok();
  });

  auto c = VolumeCatalog::Open(DirOptions(dir.path()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto src = (*c)->OpenByName("src");
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(Get(**src, "file").substr(0, 7), "content");
  EXPECT_TRUE(FsckClean(**src));
  const std::string copy_name = fork ? "copy" : "src@copy";
  auto copy = (*c)->OpenByName(copy_name);
  const size_t dirs = DirectoriesIn(dir / "volumes");
  if (step == std::string("recorded")) {
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    EXPECT_EQ(Get(**copy, "file"), "content+more");
    EXPECT_TRUE(FsckClean(**copy));
    EXPECT_EQ(dirs, 2u);
  } else {
    EXPECT_EQ(copy.status().code(), Code::kNotFound);
    EXPECT_EQ(dirs, 1u);  // the interrupted copy's directory was destroyed
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, CloneCrashTest,
                         ::testing::Combine(::testing::Values("reserved", "cloned", "reidentified",
                                                              "recorded"),
                                            ::testing::Bool()));

// kill -9 during a restore: afterwards the volume is wholly the old one or the restored
// one, and only its directory and the snapshot's are left.
class RestoreCrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RestoreCrashTest, VolumeIsOldOrRestoredWhole) {
  const std::string step = GetParam();
  testing::TempDir dir("volumed-restore-crash");
  {
    auto c = VolumeCatalog::Open(DirOptions(dir.path()));
    ASSERT_TRUE(c.ok());
    CreateVolumeRequest req;
    req.name = "vol";
    ASSERT_TRUE((*c)->Create(req).ok());
    Put(**(*c)->OpenByName("vol"), "a", "one");
    ASSERT_TRUE((*c)->CreateSnapshot("vol", "s").ok());
    Put(**(*c)->OpenByName("vol"), "a", "two");
    Put(**(*c)->OpenByName("vol"), "b", "new");
  }
  RunKilledAt(dir.path(), step, [](VolumeCatalog& c) { return c.Restore("vol", "s").ok(); });

  auto c = VolumeCatalog::Open(DirOptions(dir.path()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto v = (*c)->OpenByName("vol");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const std::string a = Get(**v, "a");
  const std::string b = Get(**v, "b");
  if (step == std::string("restore-switched")) {
    EXPECT_EQ(a, "one");
    EXPECT_EQ(b, "<absent>");
  } else {
    EXPECT_EQ(a, "two");
    EXPECT_EQ(b, "new");
  }
  EXPECT_TRUE(FsckClean(**v));
  EXPECT_EQ(DirectoriesIn(dir / "volumes"), 2u);
}

INSTANTIATE_TEST_SUITE_P(Steps, RestoreCrashTest,
                         ::testing::Values("restore-cloned", "restore-switched"));

}  // namespace
}  // namespace volumed::storage
