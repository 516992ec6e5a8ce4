#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "volume_fixture.h"

namespace volumed::storage {
namespace {

using Code = Status::Code;

class VolumeTest : public ::testing::Test {
 protected:
  InodeRef MakeFile(const std::string& name, InodeRef dir = {}, Credentials cred = Root()) {
    if (dir.ino == 0) dir = v->Root();
    auto r = v->Create(cred, dir, name, CreateMode::kGuarded, {}, 0, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->ref : InodeRef{};
  }
  InodeRef MakeDir(const std::string& name, InodeRef dir = {}, Credentials cred = Root()) {
    if (dir.ino == 0) dir = v->Root();
    auto r = v->Mkdir(cred, dir, name, {}, nullptr);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->ref : InodeRef{};
  }
  Attributes Attr(InodeRef ref) {
    auto a = v->GetAttr(ref);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : Attributes{};
  }
  std::vector<std::string> List(InodeRef dir) {
    std::vector<std::string> names;
    auto r = v->ReadDir(
        Root(), dir, 0,
        [&](const DirEntry& e) {
          names.push_back(e.name);
          return true;
        },
        nullptr);
    EXPECT_TRUE(r.ok());
    return names;
  }
  MemVolume v;
};

TEST_F(VolumeTest, RootIsADirectory) {
  auto a = Attr(v->Root());
  EXPECT_EQ(a.type, FileType::kDirectory);
  EXPECT_EQ(a.nlink, 2u);
  auto dotdot = v->Lookup(Root(), v->Root(), "..", nullptr);
  ASSERT_TRUE(dotdot.ok());
  EXPECT_EQ(dotdot->ref, v->Root());
  v.ExpectClean();
}

TEST_F(VolumeTest, CreateLookupAndDirectoryTimes) {
  Attributes before = Attr(v->Root());
  Wcc wcc;
  auto r = v->Create(User(1000), v->Root(), "f", CreateMode::kGuarded, {}, 0, &wcc);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(wcc.before && wcc.after);
  EXPECT_EQ(wcc.before->mtime, before.mtime);
  EXPECT_NE(wcc.after->mtime, before.mtime);
  EXPECT_NE(wcc.after->ctime, before.ctime);
  EXPECT_EQ(r->attrs.uid, 1000u);
  EXPECT_EQ(r->attrs.gid, 100u);
  EXPECT_EQ(r->attrs.mode, 0644u);
  auto l = v->Lookup(User(1000), v->Root(), "f", nullptr);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->ref, r->ref);
  EXPECT_EQ(v->Create(Root(), v->Root(), "f", CreateMode::kGuarded, {}, 0, nullptr).status().code(),
            Code::kExists);
  EXPECT_TRUE(v->Create(Root(), v->Root(), "f", CreateMode::kUnchecked, {}, 0, nullptr).ok());
  EXPECT_EQ(v->Lookup(Root(), v->Root(), "g", nullptr).status().code(), Code::kNotFound);
  v.ExpectClean();
}

TEST_F(VolumeTest, NamesAreValidated) {
  EXPECT_EQ(
      v->Create(Root(), v->Root(), std::string(256, 'a'), CreateMode::kGuarded, {}, 0, nullptr)
          .status()
          .code(),
      Code::kNameTooLong);
  EXPECT_EQ(
      v->Create(Root(), v->Root(), "a/b", CreateMode::kGuarded, {}, 0, nullptr).status().code(),
      Code::kInvalidArgument);
  EXPECT_EQ(
      v->Create(Root(), v->Root(), std::string("a\0b", 3), CreateMode::kGuarded, {}, 0, nullptr)
          .status()
          .code(),
      Code::kInvalidArgument);
  EXPECT_EQ(v->Mkdir(Root(), v->Root(), "..", {}, nullptr).status().code(), Code::kExists);
  EXPECT_TRUE(
      v->Create(Root(), v->Root(), std::string(255, 'a'), CreateMode::kGuarded, {}, 0, nullptr)
          .ok());
}

TEST_F(VolumeTest, ExclusiveCreateVerifier) {
  auto a = v->Create(Root(), v->Root(), "lock", CreateMode::kExclusive, {}, 42, nullptr);
  ASSERT_TRUE(a.ok());
  auto retry = v->Create(Root(), v->Root(), "lock", CreateMode::kExclusive, {}, 42, nullptr);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->ref, a->ref);
  EXPECT_EQ(
      v->Create(Root(), v->Root(), "lock", CreateMode::kExclusive, {}, 43, nullptr).status().code(),
      Code::kExists);
  v.Reopen();
  EXPECT_TRUE(v->Create(Root(), v->Root(), "lock", CreateMode::kExclusive, {}, 42, nullptr).ok());
}

TEST_F(VolumeTest, ReadWriteHolesAndEof) {
  InodeRef f = MakeFile("f");
  std::string data(10000, 'x');
  Wcc wcc;
  auto w = v->Write(Root(), f, 5000, data, Stability::kFileSync, &wcc);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->count, 10000u);
  EXPECT_EQ(w->committed, Stability::kFileSync);
  EXPECT_EQ(wcc.before->size, 0u);
  EXPECT_EQ(wcc.after->size, 15000u);
  auto r = v->Read(Root(), f, 0, 20000);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->eof);
  ASSERT_EQ(r->data.size(), 15000u);
  EXPECT_EQ(r->data.substr(0, 5000), std::string(5000, '\0'));
  EXPECT_EQ(r->data.substr(5000), data);
  auto mid = v->Read(Root(), f, 4000, 2000);
  ASSERT_TRUE(mid.ok());
  EXPECT_FALSE(mid->eof);
  EXPECT_EQ(mid->data, std::string(1000, '\0') + std::string(1000, 'x'));
  auto past = v->Read(Root(), f, 20000, 10);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->eof);
  EXPECT_TRUE(past->data.empty());
  // Block 0 is a hole: only blocks 1..3 are stored (4096-byte blocks in the fixture).
  EXPECT_EQ(Attr(f).used, 15000u - 4096u);
  v.ExpectClean();
}

TEST_F(VolumeTest, TruncateAndExtendReadZeros) {
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(v->Write(Root(), f, 0, std::string(20000, 'a'), Stability::kUnstable, nullptr).ok());
  SetAttrRequest shrink;
  shrink.size = 100;
  ASSERT_TRUE(v->SetAttr(Root(), f, shrink, nullptr).ok());
  SetAttrRequest grow;
  grow.size = 9000;
  ASSERT_TRUE(v->SetAttr(Root(), f, grow, nullptr).ok());
  auto r = v->Read(Root(), f, 0, 9000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, std::string(100, 'a') + std::string(8900, '\0'));
  EXPECT_EQ(Attr(f).used, 100u);
  v.ExpectClean();
}

TEST_F(VolumeTest, LargeTruncateGoesToOrphanListAndIsReclaimed) {
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(v->Write(Root(), f, 0, std::string(40000, 'a'), Stability::kUnstable, nullptr).ok());
  SetAttrRequest shrink;
  shrink.size = 10;
  ASSERT_TRUE(v->SetAttr(Root(), f, shrink, nullptr).ok());
  EXPECT_EQ(*v->PendingOrphans(), 1u);
  v.ExpectClean();  // blocks past the size are allowed while orphaned
  // Growing the file again first reclaims its old tail: the gap reads as zeros.
  ASSERT_TRUE(v->Write(Root(), f, 30000, "z", Stability::kUnstable, nullptr).ok());
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  auto r = v->Read(Root(), f, 0, 40000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, std::string(10, 'a') + std::string(29990, '\0') + "z");
  v.ExpectClean();
}

TEST_F(VolumeTest, RemoveOfLargeFileReclaimsAfterRestart) {
  InodeRef f = MakeFile("big");
  ASSERT_TRUE(v->Write(Root(), f, 0, std::string(100000, 'b'), Stability::kFileSync, nullptr).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "big", nullptr).ok());
  EXPECT_EQ(v->GetAttr(f).status().code(), Code::kStale);
  EXPECT_EQ(*v->PendingOrphans(), 1u);
  v.ExpectClean();
  v.Reopen();
  EXPECT_EQ(*v->PendingOrphans(), 1u);
  ASSERT_TRUE(v->ReclaimAll().ok());
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  EXPECT_EQ(v->StatFs()->used_bytes, 0u);
  v.ExpectClean();
}

// A remove frees exactly the stored blocks, whatever the file's shape: dense (found
// without a scan), with a hole, grown by SETATTR, with a truncated tail still listed for
// reclaim, and dense but too large to free inline (left for reclaim).
TEST_F(VolumeTest, RemoveFreesEveryStoredBlockOfEveryShape) {
  auto write = [&](InodeRef f, uint64_t offset, size_t n) {
    for (size_t done = 0; done < n; done += 65536) {
      const std::string data(std::min<size_t>(65536, n - done), 'd');
      auto w = v->Write(Root(), f, offset + done, data, Stability::kUnstable, nullptr);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
    }
  };
  write(MakeFile("dense"), 0, 3 * 4096 + 100);
  write(MakeFile("hole"), 5 * 4096, 10);
  InodeRef grown = MakeFile("grown");
  write(grown, 0, 4096);
  SetAttrRequest grow;
  grow.size = 3 * 4096;
  ASSERT_TRUE(v->SetAttr(Root(), grown, grow, nullptr).ok());
  InodeRef tail = MakeFile("tail");
  write(tail, 0, 200 * 4096);
  SetAttrRequest shrink;
  shrink.size = 4096;  // its 199 blocks past the size wait for reclaim
  ASSERT_TRUE(v->SetAttr(Root(), tail, shrink, nullptr).ok());
  EXPECT_EQ(*v->PendingOrphans(), 1u);
  write(MakeFile("large"), 0, 300 * 4096);
  for (const char* name : {"dense", "hole", "grown", "tail", "large"}) {
    ASSERT_TRUE(v->Remove(Root(), v->Root(), name, nullptr).ok()) << name;
    v.ExpectClean();
  }
  ASSERT_TRUE(v->ReclaimAll().ok());
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  EXPECT_EQ(v->StatFs()->used_bytes, 0u);
  v.ExpectClean();
}

TEST_F(VolumeTest, BackgroundReclaimRuns) {
  v.options().background_reclaim = true;
  v.Reopen();
  InodeRef f = MakeFile("big");
  ASSERT_TRUE(v->Write(Root(), f, 0, std::string(100000, 'b'), Stability::kFileSync, nullptr).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "big", nullptr).ok());
  for (int i = 0; i < 500 && *v->PendingOrphans() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  v.ExpectClean();
}

// Reclaim on an executor shared with other work: Close stops it while queued, and the
// reopened volume resumes from the orphan records once the executor runs again.
TEST_F(VolumeTest, ReclaimOnASharedExecutorStopsAtCloseAndResumesAtReopen) {
  Executor shared(1, Executor::OnShutdown::kDropQueued);
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = true;
  shared.Post([&] {  // holds the executor's only thread until released
    std::unique_lock l(mu);
    cv.wait(l, [&] { return !blocked; });
  });
  v.options().background_reclaim = true;
  v.options().background_executor = &shared;
  v.Reopen();
  InodeRef f = MakeFile("big");
  ASSERT_TRUE(v->Write(Root(), f, 0, std::string(100000, 'b'), Stability::kFileSync, nullptr).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "big", nullptr).ok());
  EXPECT_EQ(*v->PendingOrphans(), 1u);
  v.Reopen();  // closes while its reclaim is queued behind the blocker
  EXPECT_EQ(*v->PendingOrphans(), 1u);
  {
    std::lock_guard l(mu);
    blocked = false;
  }
  cv.notify_all();
  for (int i = 0; i < 500 && *v->PendingOrphans() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  EXPECT_EQ(v->StatFs()->used_bytes, 0u);
  v.ExpectClean();
  v->Close();  // before `shared` goes
}

// More than one background run's worth of steps (16 × 256 blocks): the run requeues
// itself until the orphan is gone.
TEST_F(VolumeTest, BackgroundReclaimOfAHugeFileRunsInSlicesToTheEnd) {
  v.options().background_reclaim = true;
  v.Reopen();
  InodeRef f = MakeFile("huge");
  const std::string mib(1 << 20, 'h');
  for (uint64_t offset = 0; offset < (18ull << 20); offset += mib.size()) {
    ASSERT_TRUE(v->Write(Root(), f, offset, mib, Stability::kUnstable, nullptr).ok());
  }
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "huge", nullptr).ok());
  for (int i = 0; i < 1000 && *v->PendingOrphans() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(*v->PendingOrphans(), 0u);
  EXPECT_EQ(v->StatFs()->used_bytes, 0u);
  v.ExpectClean();
}

TEST_F(VolumeTest, MkdirRmdirAndNlink) {
  InodeRef d = MakeDir("d");
  EXPECT_EQ(Attr(v->Root()).nlink, 3u);
  InodeRef sub = MakeDir("sub", d);
  EXPECT_EQ(Attr(d).nlink, 3u);
  auto up = v->Lookup(Root(), sub, "..", nullptr);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->ref, d);
  MakeFile("f", d);
  EXPECT_EQ(v->Rmdir(Root(), v->Root(), "d", nullptr).code(), Code::kNotEmpty);
  EXPECT_EQ(v->Rmdir(Root(), d, "f", nullptr).code(), Code::kNotDir);
  EXPECT_EQ(v->Remove(Root(), d, "sub", nullptr).code(), Code::kIsDir);
  ASSERT_TRUE(v->Remove(Root(), d, "f", nullptr).ok());
  ASSERT_TRUE(v->Rmdir(Root(), d, "sub", nullptr).ok());
  EXPECT_EQ(Attr(d).nlink, 2u);
  ASSERT_TRUE(v->Rmdir(Root(), v->Root(), "d", nullptr).ok());
  EXPECT_EQ(Attr(v->Root()).nlink, 2u);
  EXPECT_EQ(v->GetAttr(d).status().code(), Code::kStale);
  v.ExpectClean();
}

TEST_F(VolumeTest, HardLinksKeepExactNlink) {
  InodeRef f = MakeFile("f");
  Attributes after;
  ASSERT_TRUE(v->Link(Root(), f, v->Root(), "g", &after, nullptr).ok());
  EXPECT_EQ(after.nlink, 2u);
  EXPECT_EQ(v->Link(Root(), f, v->Root(), "g", nullptr, nullptr).code(), Code::kExists);
  EXPECT_EQ(v->Link(Root(), v->Root(), v->Root(), "x", nullptr, nullptr).code(), Code::kIsDir);
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "f", nullptr).ok());
  EXPECT_EQ(Attr(f).nlink, 1u);
  v.ExpectClean();
}

TEST_F(VolumeTest, RenameRules) {
  InodeRef a = MakeDir("a");
  InodeRef b = MakeDir("b", a);
  MakeFile("f");
  MakeDir("empty");
  InodeRef full = MakeDir("full");
  MakeFile("x", full);
  // Never a directory into its own subtree.
  EXPECT_EQ(v->Rename(Root(), v->Root(), "a", b, "a2", nullptr, nullptr).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(v->Rename(Root(), v->Root(), "a", a, "self", nullptr, nullptr).code(),
            Code::kInvalidArgument);
  // Type mismatches.
  EXPECT_EQ(v->Rename(Root(), v->Root(), "f", v->Root(), "empty", nullptr, nullptr).code(),
            Code::kIsDir);
  EXPECT_EQ(v->Rename(Root(), v->Root(), "a", v->Root(), "f", nullptr, nullptr).code(),
            Code::kNotDir);
  EXPECT_EQ(v->Rename(Root(), v->Root(), "a", v->Root(), "full", nullptr, nullptr).code(),
            Code::kNotEmpty);
  // Over an empty directory.
  ASSERT_TRUE(v->Rename(Root(), v->Root(), "a", v->Root(), "empty", nullptr, nullptr).ok());
  EXPECT_EQ(List(v->Root()).size(), 3u);
  // Same inode: a no-op that leaves both names.
  InodeRef f = v->Lookup(Root(), v->Root(), "f", nullptr)->ref;
  ASSERT_TRUE(v->Link(Root(), f, v->Root(), "f2", nullptr, nullptr).ok());
  ASSERT_TRUE(v->Rename(Root(), v->Root(), "f", v->Root(), "f2", nullptr, nullptr).ok());
  EXPECT_EQ(Attr(f).nlink, 2u);
  // Over an existing file, across directories.
  ASSERT_TRUE(v->Rename(Root(), full, "x", v->Root(), "f", nullptr, nullptr).ok());
  EXPECT_EQ(Attr(f).nlink, 1u);
  // Moving a directory across parents fixes nlink and "..".
  InodeRef empty = v->Lookup(Root(), v->Root(), "empty", nullptr)->ref;
  EXPECT_EQ(empty, a);
  ASSERT_TRUE(v->Rename(Root(), a, "b", full, "b", nullptr, nullptr).ok());
  EXPECT_EQ(Attr(a).nlink, 2u);
  EXPECT_EQ(Attr(full).nlink, 3u);
  EXPECT_EQ(v->Lookup(Root(), b, "..", nullptr)->ref, full);
  v.ExpectClean();
}

TEST_F(VolumeTest, ReadDirCookiesAreStable) {
  for (int i = 0; i < 50; ++i) MakeFile("f" + std::to_string(i));
  std::vector<DirEntry> first;
  auto eof = v->ReadDir(
      Root(), v->Root(), 0,
      [&](const DirEntry& e) {
        first.push_back(e);
        return first.size() < 10;
      },
      nullptr);
  ASSERT_TRUE(eof.ok());
  EXPECT_FALSE(*eof);
  ASSERT_EQ(first.size(), 10u);
  const uint64_t resume = first[8].cookie;  // the 10th was not consumed
  // Remove entries before and after, add new ones, restart: the cookie still resumes.
  ASSERT_TRUE(v->Remove(Root(), v->Root(), first[3].name, nullptr).ok());
  ASSERT_TRUE(v->Remove(Root(), v->Root(), first[8].name, nullptr).ok());
  MakeFile("new");
  v.Reopen();
  std::vector<std::string> rest;
  eof = v->ReadDir(
      Root(), v->Root(), resume,
      [&](const DirEntry& e) {
        rest.push_back(e.name);
        return true;
      },
      nullptr);
  ASSERT_TRUE(eof.ok());
  EXPECT_TRUE(*eof);
  ASSERT_EQ(rest.size(), 42u);
  EXPECT_EQ(rest.front(), first[9].name);
  EXPECT_EQ(rest.back(), "new");
  // A removed name re-created gets a new cookie, never an old one.
  std::set<uint64_t> seen;
  v->ReadDir(
       Root(), v->Root(), 0,
       [&](const DirEntry& e) {
         EXPECT_TRUE(seen.insert(e.cookie).second);
         EXPECT_GE(e.cookie, 16u);
         return true;
       },
       nullptr)
      .value();
  MakeFile(first[3].name);
  uint64_t recreated = 0;
  v->ReadDir(
       Root(), v->Root(), 0,
       [&](const DirEntry& e) {
         if (e.name == first[3].name) recreated = e.cookie;
         return true;
       },
       nullptr)
      .value();
  EXPECT_GT(recreated, *seen.rbegin());
}

TEST_F(VolumeTest, PermissionsFromModeBits) {
  InodeRef d = MakeDir("d", {}, User(1000));
  SetAttrRequest m;
  m.mode = 0700;
  ASSERT_TRUE(v->SetAttr(User(1000), d, m, nullptr).ok());
  EXPECT_EQ(v->Create(User(2000), d, "x", CreateMode::kGuarded, {}, 0, nullptr).status().code(),
            Code::kAccessDenied);
  EXPECT_EQ(v->Lookup(User(2000), d, "x", nullptr).status().code(), Code::kAccessDenied);
  InodeRef f = MakeFile("f", d, User(1000));
  SetAttrRequest ro;
  ro.mode = 0444;
  ASSERT_TRUE(v->SetAttr(User(1000), f, ro, nullptr).ok());
  // The owner may still write a file it made read-only (knfsd's owner override).
  EXPECT_TRUE(v->Write(User(1000), f, 0, "x", Stability::kUnstable, nullptr).ok());
  EXPECT_EQ(v->Write(User(2000), f, 0, "x", Stability::kUnstable, nullptr).status().code(),
            Code::kAccessDenied);
  EXPECT_EQ(v->SetAttr(User(2000), f, ro, nullptr).code(), Code::kNotPermitted);
  SetAttrRequest chown;
  chown.uid = 2000;
  EXPECT_EQ(v->SetAttr(User(1000), f, chown, nullptr).code(), Code::kNotPermitted);
  EXPECT_TRUE(v->SetAttr(Root(), f, chown, nullptr).ok());
  SetAttrRequest chgrp;
  chgrp.gid = 555;
  EXPECT_EQ(v->SetAttr(User(2000), f, chgrp, nullptr).code(), Code::kNotPermitted);
  Credentials member{2000, 100, {555}};
  EXPECT_TRUE(v->SetAttr(member, f, chgrp, nullptr).ok());
  SetAttrRequest times;
  times.mtime_how = TimeHow::kClientTime;
  times.mtime = {5, 6};
  EXPECT_EQ(v->SetAttr(User(3000), f, times, nullptr).code(), Code::kNotPermitted);
  auto acc = v->Access(User(3000), f, kAccessRead | kAccessModify | kAccessExecute, nullptr);
  ASSERT_TRUE(acc.ok());
  EXPECT_EQ(*acc, uint32_t{kAccessRead});
  v.ExpectClean();
}

TEST_F(VolumeTest, StickyDirectory) {
  InodeRef tmp = MakeDir("tmp");
  SetAttrRequest m;
  m.mode = 01777;
  ASSERT_TRUE(v->SetAttr(Root(), tmp, m, nullptr).ok());
  MakeFile("mine", tmp, User(1000));
  EXPECT_EQ(v->Remove(User(2000), tmp, "mine", nullptr).code(), Code::kNotPermitted);
  EXPECT_EQ(v->Rename(User(2000), tmp, "mine", tmp, "x", nullptr, nullptr).code(),
            Code::kNotPermitted);
  EXPECT_TRUE(v->Remove(User(1000), tmp, "mine", nullptr).ok());
}

TEST_F(VolumeTest, SetAttrGuardAndCtime) {
  InodeRef f = MakeFile("f");
  Attributes a = Attr(f);
  SetAttrRequest req;
  req.mode = 0600;
  req.guard_ctime = Timespec{1, 2};
  EXPECT_EQ(v->SetAttr(Root(), f, req, nullptr).code(), Code::kNotSync);
  req.guard_ctime = a.ctime;
  Wcc wcc;
  ASSERT_TRUE(v->SetAttr(Root(), f, req, &wcc).ok());
  EXPECT_EQ(wcc.before->ctime, a.ctime);
  EXPECT_NE(wcc.after->ctime, a.ctime);
  EXPECT_EQ(wcc.after->mode, 0600u);
}

TEST_F(VolumeTest, SymlinkAndMknod) {
  auto s = v->Symlink(Root(), v->Root(), "l", "../target", {}, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*v->ReadLink(Root(), s->ref, nullptr), "../target");
  EXPECT_EQ(s->attrs.size, 9u);
  auto fifo = v->Mknod(User(1000), v->Root(), "p", FileType::kFifo, {}, 0, 0, nullptr);
  ASSERT_TRUE(fifo.ok());
  EXPECT_EQ(fifo->attrs.type, FileType::kFifo);
  EXPECT_EQ(v->Mknod(User(1000), v->Root(), "c", FileType::kCharDevice, {}, 1, 3, nullptr)
                .status()
                .code(),
            Code::kNotPermitted);
  auto chr = v->Mknod(Root(), v->Root(), "c", FileType::kCharDevice, {}, 1, 3, nullptr);
  ASSERT_TRUE(chr.ok());
  EXPECT_EQ(chr->attrs.rdev_major, 1u);
  EXPECT_EQ(chr->attrs.rdev_minor, 3u);
  EXPECT_EQ(v->Mknod(Root(), v->Root(), "r", FileType::kRegular, {}, 0, 0, nullptr).status().code(),
            Code::kBadType);
  EXPECT_EQ(v->ReadLink(Root(), fifo->ref, nullptr).status().code(), Code::kInvalidArgument);
  v.ExpectClean();
}

TEST_F(VolumeTest, InodesNeverReusedAcrossRestart) {
  InodeRef a = MakeFile("a");
  ASSERT_TRUE(v->Remove(Root(), v->Root(), "a", nullptr).ok());
  v.Reopen();
  InodeRef b = MakeFile("b");
  EXPECT_GT(b.ino, a.ino);
  EXPECT_EQ(v->GetAttr(a).status().code(), Code::kStale);
}

TEST_F(VolumeTest, ClosedVolumeIsStale) {
  InodeRef f = MakeFile("f");
  v->Close();
  EXPECT_EQ(v->GetAttr(f).status().code(), Code::kStale);
  EXPECT_EQ(v->Write(Root(), f, 0, "x", Stability::kUnstable, nullptr).status().code(),
            Code::kStale);
}

TEST_F(VolumeTest, ConcurrentWritersOnDifferentFiles) {
  constexpr int kThreads = 4;
  std::vector<InodeRef> files;
  for (int i = 0; i < kThreads; ++i) files.push_back(MakeFile("f" + std::to_string(i)));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(v->Write(Root(), files[t], i * 1000, std::string(1000, 'a' + t),
                             Stability::kFileSync, nullptr)
                        .ok());
        ASSERT_TRUE(v->Create(Root(), v->Root(), "c" + std::to_string(t) + "_" + std::to_string(i),
                              CreateMode::kGuarded, {}, 0, nullptr)
                        .ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    auto r = v->Read(Root(), files[t], 0, 50000);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->data, std::string(50000, 'a' + t));
  }
  EXPECT_EQ(v->locks_for_test().ActiveForTest(), 0u);
  v.ExpectClean();
}

TEST_F(VolumeTest, CommitIsABarrier) {
  InodeRef f = MakeFile("f");
  ASSERT_TRUE(v->Write(Root(), f, 0, "abc", Stability::kUnstable, nullptr).ok());
  Attributes after;
  ASSERT_TRUE(v->Commit(f, &after).ok());
  EXPECT_EQ(after.size, 3u);
}

}  // namespace
}  // namespace volumed::storage
