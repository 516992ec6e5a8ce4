// Crash test: a child process (this binary re-executed) runs a deterministic operation
// sequence on a volume in a real directory and reports each operation that returned
// after a synced write; the parent SIGKILLs it at a random moment, reopens the volume and
// checks that every reported operation is present, that no operation is half-applied,
// and that fsck is clean — before and after reclaim. Several rounds accumulate on one
// volume, each crash landing on the state the previous one left.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/write_batch.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "storage/fsck.h"
#include "storage/key_codec.h"
#include "storage/kv.h"
#include "storage/volume_impl.h"
#include "support/temp_dir.h"

namespace volumed::storage {
namespace {

constexpr const char* kChildEnv = "VOLUMED_CRASH_CHILD";  // "<dir>:<round>:<ack fd>"
constexpr uint64_t kRoundStride = 1000000;
constexpr size_t kFileBytes = 20000;

VolumeImpl::Options CrashOptions() {
  VolumeImpl::Options o;
  o.id = 1;
  o.epoch = 5;
  o.block_size = 4096;
  o.inline_reclaim_blocks = 4;  // so removes of "big" files go through the orphan list
  return o;
}

std::string Pattern(uint64_t i) {
  std::string s(kFileBytes, '\0');
  for (size_t j = 0; j < s.size(); ++j) s[j] = static_cast<char>('a' + (i + j * 7) % 26);
  return s;
}

std::string N(const char* prefix, uint64_t i) { return prefix + std::to_string(i); }

Credentials Root() { return Credentials{0, 0, {}}; }

// Runs operation `i`; true when it returned success (after its synced write).
bool RunOp(Volume& v, uint64_t i) {
  const Credentials root = Root();
  const InodeRef top = v.Root();
  switch (i % 4) {
    case 0:
      return v.Mkdir(root, top, N("d", i), {}, nullptr).ok();
    case 1: {
      auto f = v.Create(root, top, N("f", i), CreateMode::kGuarded, {}, 0, nullptr);
      return f.ok() && v.Write(root, f->ref, 0, Pattern(i), Stability::kFileSync, nullptr).ok();
    }
    case 2: {
      auto d = v.Lookup(root, top, N("d", i - 2), nullptr);
      return d.ok() && v.Rename(root, top, N("f", i - 1), d->ref, N("g", i), nullptr, nullptr).ok();
    }
    default: {
      auto f = v.Create(root, top, N("big", i), CreateMode::kGuarded, {}, 0, nullptr);
      if (!f.ok()) return false;
      // Unstable data: not promised, but it must never half-appear.
      if (!v.Write(root, f->ref, 0, std::string(40000, 'u'), Stability::kUnstable, nullptr).ok()) {
        return false;
      }
      return v.Remove(root, top, N("big", i), nullptr).ok();
    }
  }
}

[[noreturn]] void ChildMain(const char* spec) {
  std::string s(spec);
  const size_t a = s.find(':');
  const size_t b = s.find(':', a + 1);
  const std::string dir = s.substr(0, a);
  const uint64_t round = std::stoull(s.substr(a + 1, b - a - 1));
  const int fd = std::stoi(s.substr(b + 1));
  KvFactory factory(nullptr, KvTuning{}, 8 << 20);
  auto kv = factory.Open(dir);
  if (!kv.ok()) _exit(2);
  auto v = VolumeImpl::Open(std::move(*kv), CrashOptions());
  if (!v.ok()) _exit(3);
  for (uint64_t k = 0; k < kRoundStride; ++k) {
    const uint64_t i = round * kRoundStride + k;
    if (!RunOp(**v, i)) _exit(4);
    if (write(fd, &k, sizeof k) != sizeof k) _exit(5);
  }
  _exit(0);
}

// KillNineRepairsDeferredRecords' child: a file whose record is written, then UNSTABLE
// writes that grow it and one that overwrites it (its record deferred, the blocks in the
// log), then a synced create that writes the counters; reports, then waits for the kill.
constexpr const char* kDeferChildEnv = "VOLUMED_DEFER_CHILD";  // "<dir>:<ack fd>"
constexpr size_t kDeferHead = 3000;
constexpr size_t kDeferChunk = 7000;
constexpr size_t kDeferChunks = 40;
const std::string kDeferOverwrite = "overwritten";

std::string DeferredContent() {
  std::string s(kDeferHead, 'h');
  for (size_t c = 0; c < kDeferChunks; ++c) s += std::string(kDeferChunk, 'a' + c % 26);
  s.replace(10, kDeferOverwrite.size(), kDeferOverwrite);
  return s;
}

[[noreturn]] void DeferChildMain(const char* spec) {
  std::string s(spec);
  const size_t a = s.find(':');
  const int fd = std::stoi(s.substr(a + 1));
  KvFactory factory(nullptr, KvTuning{}, 8 << 20);
  auto kv = factory.Open(s.substr(0, a));
  if (!kv.ok()) _exit(2);
  auto v = VolumeImpl::Open(std::move(*kv), CrashOptions());
  if (!v.ok()) _exit(3);
  const Credentials root = Root();
  auto f = (*v)->Create(root, (*v)->Root(), "s", CreateMode::kGuarded, {}, 0, nullptr);
  if (!f.ok()) _exit(4);
  const std::string want = DeferredContent();
  if (!(*v)->Write(root, f->ref, 0, want.substr(0, kDeferHead), Stability::kFileSync, nullptr)
           .ok()) {
    _exit(5);
  }
  for (size_t c = 0; c < kDeferChunks; ++c) {
    const uint64_t at = kDeferHead + c * kDeferChunk;
    if (!(*v)->Write(root, f->ref, at, want.substr(at, kDeferChunk), Stability::kUnstable, nullptr)
             .ok()) {
      _exit(6);
    }
  }
  if (!(*v)->Write(root, f->ref, 10, kDeferOverwrite, Stability::kUnstable, nullptr).ok()) _exit(7);
  if (!(*v)->Create(root, (*v)->Root(), "t", CreateMode::kGuarded, {}, 0, nullptr).ok()) _exit(8);
  const char done = 1;
  if (write(fd, &done, 1) != 1) _exit(9);
  for (;;) pause();
}

// KillNineAfterALogSwitchKeepsWhatWasSynced's child, run with the lose_unsynced library
// preloaded (a kill loses every log byte not fdatasync'ed): with LevelDB's background
// thread held, so the filled memtable is not flushed and its closed log not removed, it
// writes unsynced records until the log switches and a few more, syncs the log through
// LogSyncEnv, reports how many records it wrote, writes a few more unsynced (short of a
// second switch, which would wait for the held flush), reports, and waits for the kill.
constexpr const char* kSwitchChildEnv = "VOLUMED_SWITCH_CHILD";  // "<dir>:<ack fd>"
constexpr int kSwitchMore = 5;

std::string SwitchKey(int i) { return "k" + std::to_string(1000000 + i); }
std::string SwitchValue(int i) { return std::string(1000, static_cast<char>('a' + i % 26)); }

int LogFiles(const std::string& dir) {
  int logs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".log") ++logs;
  }
  return logs;
}

[[noreturn]] void SwitchChildMain(const char* spec) {
  std::string s(spec);
  const size_t a = s.find(':');
  const std::string dir = s.substr(0, a);
  const int fd = std::stoi(s.substr(a + 1));
  KvTuning tuning;
  tuning.write_buffer_size = 64 << 10;  // LevelDB's least: a switch every ~60 records
  KvFactory factory(nullptr, tuning, 1 << 20);
  auto kv = factory.Open(dir);
  if (!kv.ok()) _exit(2);
  // LevelDB runs every database's flushes and compactions on the Env's one background
  // thread: a task that never ends keeps them all waiting.
  leveldb::Env::Default()->Schedule(
      [](void*) {
        for (;;) pause();
      },
      nullptr);
  int n = 0;
  auto put = [&] {
    leveldb::WriteBatch b;
    b.Put(SwitchKey(n), SwitchValue(n));
    if (!(*kv)->Write(&b, false).ok()) _exit(3);
    ++n;
  };
  while (LogFiles(dir) < 2) {
    if (n > 1000) _exit(4);
    put();
  }
  for (int i = 0; i < kSwitchMore; ++i) put();
  if (!(*kv)->SyncLog().ok()) _exit(5);
  if (write(fd, &n, sizeof n) != sizeof n) _exit(6);
  for (int i = 0; i < kSwitchMore; ++i) put();
  if (write(fd, &n, sizeof n) != sizeof n) _exit(7);
  for (;;) pause();
}

struct ChildEnvHook {
  ChildEnvHook() {
    if (const char* spec = std::getenv(kChildEnv)) ChildMain(spec);
    if (const char* spec = std::getenv(kDeferChildEnv)) DeferChildMain(spec);
    if (const char* spec = std::getenv(kSwitchChildEnv)) SwitchChildMain(spec);
  }
} child_env_hook;

// Runs this binary again as a child whose ChildEnvHook finds `env` = `spec`, with
// `preload` in LD_PRELOAD if given; the child closes `parent_end` (the parent's end of its
// report pipe). -1 when fork fails.
pid_t SpawnChild(const char* env, const std::string& spec, int parent_end,
                 const char* preload = nullptr) {
  const pid_t pid = fork();
  if (pid == 0) {
    close(parent_end);
    setenv(env, spec.c_str(), 1);
    if (preload != nullptr) setenv("LD_PRELOAD", preload, 1);
    execl("/proc/self/exe", "storage_crash_child", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Checks round `round`'s operations, `acked` of which were reported.
void Verify(Volume& v, uint64_t round, int64_t acked) {
  const Credentials root = Root();
  const InodeRef top = v.Root();
  auto exists = [&](InodeRef dir, const std::string& name) {
    return v.Lookup(root, dir, name, nullptr);
  };
  auto full = [&](const LookupResult& f, uint64_t i) {
    auto r = v.Read(root, f.ref, 0, kFileBytes + 10);
    return r.ok() && r->data == Pattern(i);
  };
  for (int64_t k = 0; k <= acked + 4; ++k) {
    const uint64_t i = round * kRoundStride + static_cast<uint64_t>(k);
    const bool done = k <= acked;
    SCOPED_TRACE("op " + std::to_string(i) + (done ? " (acknowledged)" : ""));
    switch (i % 4) {
      case 0: {
        auto d = exists(top, N("d", i));
        if (done) {
          EXPECT_TRUE(d.ok());
        }
        if (d.ok()) {
          EXPECT_EQ(d->attrs.type, FileType::kDirectory);
        }
        break;
      }
      case 1: {
        auto f = exists(top, N("f", i));
        auto d = exists(top, N("d", i - 1));
        std::optional<LookupResult> g;
        if (d.ok()) {
          auto gl = exists(d->ref, N("g", i + 1));
          if (gl.ok()) g = *gl;
        }
        EXPECT_FALSE(f.ok() && g) << "both names of a renamed file";
        // The create and the write are two operations: an empty file is a legal
        // crash point between them, a partial one is not.
        if (f.ok()) {
          EXPECT_TRUE(f->attrs.size == 0 || full(*f, i)) << "half-written file";
        }
        if (g) {
          EXPECT_TRUE(full(*g, i)) << "renamed file lost its data";
        }
        if (done) {
          EXPECT_TRUE((f.ok() && full(*f, i)) || g) << "acknowledged file missing";
        }
        break;
      }
      case 2: {
        if (!done) break;
        auto d = exists(top, N("d", i - 2));
        ASSERT_TRUE(d.ok());
        EXPECT_TRUE(exists(d->ref, N("g", i)).ok()) << "acknowledged rename missing";
        EXPECT_FALSE(exists(top, N("f", i - 1)).ok()) << "acknowledged rename left its source";
        break;
      }
      default:
        if (done) {
          EXPECT_FALSE(exists(top, N("big", i)).ok()) << "acknowledged remove undone";
        }
        break;
    }
  }
}

// The volume in `dir` opened as a restart after the kill opens it (reclaim left to the
// test).
Result<std::shared_ptr<VolumeImpl>> OpenAfterKill(KvFactory& factory, const std::string& dir) {
  VOLUMED_ASSIGN_OR_RETURN(auto kv, factory.Open(dir));
  VolumeImpl::Options o = CrashOptions();
  o.background_reclaim = false;
  return VolumeImpl::Open(std::move(kv), o);
}

void ExpectClean(VolumeImpl& v, const char* when) {
  FsckReport report;
  ASSERT_TRUE(Fsck(v, &report).ok());
  EXPECT_TRUE(report.clean()) << when << ": " << report.Summary();
}

TEST(StorageCrash, KillNineKeepsEverySyncedOperation) {
  const volumed::testing::TempDir tmp("volumed-crash");
  const std::string dir = tmp / "vol";
  std::mt19937_64 rng(4242);
  constexpr uint64_t kRounds = 10;
  std::vector<int64_t> acked(kRounds, -1);
  uint64_t total_acked = 0;
  for (uint64_t round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const std::string spec = dir + ":" + std::to_string(round) + ":" + std::to_string(fds[1]);
    const pid_t pid = SpawnChild(kChildEnv, spec, fds[0]);
    ASSERT_GE(pid, 0);
    close(fds[1]);
    const auto delay = std::chrono::milliseconds(100 + rng() % 500);
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    uint64_t k;
    while (read(fds[0], &k, sizeof k) == sizeof k) acked[round] = static_cast<int64_t>(k);
    close(fds[0]);
    total_acked += static_cast<uint64_t>(acked[round] + 1);

    KvFactory factory(nullptr, KvTuning{}, 8 << 20);
    auto v = OpenAfterKill(factory, dir);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ExpectClean(**v, "after the crash");
    for (uint64_t r = 0; r <= round; ++r) Verify(**v, r, acked[r]);
    ASSERT_TRUE((*v)->ReclaimAll().ok());
    ExpectClean(**v, "after reclaim");
    EXPECT_EQ(*(*v)->PendingOrphans(), 0u);
    (*v)->Close();
    if (HasFailure()) break;
  }
  std::printf("crash: %llu rounds, %llu acknowledged operations checked\n",
              static_cast<unsigned long long>(kRounds),
              static_cast<unsigned long long>(total_acked));
  EXPECT_GT(total_acked, kRounds);  // the children got real work done before each kill
}

// A kill while a file's record is deferred: the store holds its blocks, its older record
// and the marker, which fsck accepts as they are; Open then raises the size to the end of
// its last block and recounts its bytes, so every write that reached the store is there
// whole and the counters are exact.
TEST(StorageCrash, KillNineRepairsDeferredRecords) {
  const volumed::testing::TempDir tmp("volumed-defer-crash");
  const std::string dir = tmp / "vol";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string spec = dir + ":" + std::to_string(fds[1]);
  const pid_t pid = SpawnChild(kDeferChildEnv, spec, fds[0]);
  ASSERT_GE(pid, 0);
  close(fds[1]);
  char done = 0;
  const ssize_t got = read(fds[0], &done, 1);
  close(fds[0]);
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(got, 1) << "child failed with " << WEXITSTATUS(status);

  KvFactory factory(nullptr, KvTuning{}, 8 << 20);
  {
    auto kv = factory.Open(dir);
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    size_t marked = 0;
    const std::string prefix = keys::TagPrefix(keys::kDeferredTag);
    ASSERT_TRUE((*kv)
                    ->Scan(prefix, keys::PrefixEnd(prefix),
                           [&](std::string_view, std::string_view) {
                             ++marked;
                             return true;
                           })
                    .ok());
    EXPECT_EQ(marked, 1u);
    FsckReport report;
    ASSERT_TRUE(Fsck(**kv, &report).ok());
    EXPECT_TRUE(report.clean()) << "as the kill left it: " << report.Summary();
  }
  auto v = OpenAfterKill(factory, dir);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ExpectClean(**v, "after the repair");
  auto f = (*v)->Lookup(Root(), (*v)->Root(), "s", nullptr);
  ASSERT_TRUE(f.ok());
  const std::string want = DeferredContent();
  EXPECT_EQ(f->attrs.size, want.size());
  EXPECT_EQ(f->attrs.used, want.size());
  auto r = (*v)->Read(Root(), f->ref, 0, static_cast<uint32_t>(want.size() + 10));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->data == want) << "the repaired file differs from what was written";
  auto marker = (*v)->kv()->Get(keys::Deferred(f->ref.ino));
  ASSERT_TRUE(marker.ok());
  EXPECT_FALSE(marker->has_value());
  (*v)->Close();
}

// A log closed at a switch is synced by the next SyncLog, not at the close
// (storage/log_sync_env.h): with the lose_unsynced library preloaded into the child, a
// kill takes every log byte no fdatasync covered, and LevelDB's background thread is held
// there so the switched-out log is still the only copy of its records. Every record
// written before the reported SyncLog — most of them in the closed log — survives.
TEST(StorageCrash, KillNineAfterALogSwitchKeepsWhatWasSynced) {
  const char* preload = std::getenv("VOLUMED_LOSE_UNSYNCED_LIB");
  if (preload == nullptr) GTEST_SKIP() << "VOLUMED_LOSE_UNSYNCED_LIB not set (meson sets it)";
  const volumed::testing::TempDir tmp("volumed-switch-crash");
  const std::string dir = tmp / "db";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid =
      SpawnChild(kSwitchChildEnv, dir + ":" + std::to_string(fds[1]), fds[0], preload);
  ASSERT_GE(pid, 0);
  close(fds[1]);
  int synced = 0, written = 0;
  const bool reported = read(fds[0], &synced, sizeof synced) == sizeof synced &&
                        read(fds[0], &written, sizeof written) == sizeof written;
  kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(reported) << "the child stopped early: "
                        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  close(fds[0]);
  EXPECT_EQ(LogFiles(dir), 2) << "the switched-out log is gone: the test proves nothing";

  KvFactory factory(nullptr, KvTuning{}, 1 << 20);
  auto kv = factory.Open(dir);
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  int after = 0;
  for (int i = 0; i < written; ++i) {
    auto v = (*kv)->Get(SwitchKey(i));
    ASSERT_TRUE(v.ok());
    if (i < synced) {
      EXPECT_TRUE(v->has_value() && **v == SwitchValue(i)) << "synced record " << i << " lost";
    } else if (v->has_value()) {
      ++after;
    }
  }
  // The library really loses what no sync covered (else this test proves nothing).
  EXPECT_EQ(after, 0) << "records written after the last sync survived the kill";
}
}  // namespace
}  // namespace volumed::storage
