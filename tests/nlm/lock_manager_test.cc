// LockManager: range arithmetic, conflicts, upgrade/downgrade, waiters, shares and
// host/volume release, mostly as tables of cases.
#include "nlm/lock_manager.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace volumed::nlm {
namespace {

constexpr FileKey kFile{1, 100};
const LockOwner kA{"hostA", 10, "ohA"};
const LockOwner kA2{"hostA", 11, "ohA2"};  // same host, another process
const LockOwner kB{"hostB", 10, "ohB"};

LockRequest Req(const LockOwner& o, uint64_t off, uint64_t len, LockMode m) {
  return LockRequest{o, ByteRange::FromOffsetLength(off, len), m};
}
constexpr LockMode S = LockMode::kShared;
constexpr LockMode X = LockMode::kExclusive;

TEST(ByteRangeTest, FromOffsetLength) {
  struct Case {
    uint64_t off, len, first, last, back_len;
  } cases[] = {
      {0, 0, 0, kToEof, 0},
      {10, 0, 10, kToEof, 0},
      {0, 1, 0, 0, 1},
      {5, 10, 5, 14, 10},
      {kToEof, 1, kToEof, kToEof, 0},  // the last byte: indistinguishable from "to EOF"
      {kToEof - 9, 10, kToEof - 9, kToEof, 0},
      {kToEof - 9, 11, kToEof - 9, kToEof, 0},  // overflow: to EOF
      {1, kToEof, 1, kToEof, 0},
  };
  for (const Case& c : cases) {
    ByteRange r = ByteRange::FromOffsetLength(c.off, c.len);
    EXPECT_EQ(r.first, c.first) << c.off << "+" << c.len;
    EXPECT_EQ(r.last, c.last) << c.off << "+" << c.len;
    EXPECT_EQ(r.length(), c.back_len) << c.off << "+" << c.len;
  }
}

TEST(ByteRangeTest, OverlapsAndTouches) {
  struct Case {
    ByteRange a, b;
    bool overlaps, touches;
  } cases[] = {
      {{0, 9}, {10, 19}, false, true},     {{0, 9}, {9, 19}, true, true},
      {{0, 9}, {11, 19}, false, false},    {{10, kToEof}, {0, 9}, false, true},
      {{10, kToEof}, {0, 10}, true, true}, {{10, kToEof}, {kToEof, kToEof}, true, true},
      {{0, 0}, {0, 0}, true, true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.a.Overlaps(c.b), c.overlaps) << c.a.first << ".." << c.a.last;
    EXPECT_EQ(c.b.Overlaps(c.a), c.overlaps);
    EXPECT_EQ(c.a.Touches(c.b), c.touches) << c.a.first << ".." << c.a.last;
    EXPECT_EQ(c.b.Touches(c.a), c.touches);
  }
}

// One held lock by A, then a request: granted or denied?
TEST(LockManagerTest, ConflictTable) {
  struct Case {
    const char* name;
    LockRequest held;
    LockRequest req;
    bool granted;
  } cases[] = {
      {"shared/shared overlap", Req(kA, 0, 10, S), Req(kB, 5, 10, S), true},
      {"shared/excl overlap", Req(kA, 0, 10, S), Req(kB, 5, 10, X), false},
      {"excl/shared overlap", Req(kA, 0, 10, X), Req(kB, 9, 1, S), false},
      {"excl/excl adjacent", Req(kA, 0, 10, X), Req(kB, 10, 10, X), true},
      {"excl/excl disjoint", Req(kA, 0, 10, X), Req(kB, 100, 1, X), true},
      {"to-EOF vs far byte", Req(kA, 50, 0, X), Req(kB, 1u << 30, 1, S), false},
      {"to-EOF vs before", Req(kA, 50, 0, X), Req(kB, 0, 50, X), true},
      {"whole file vs whole file", Req(kA, 0, 0, X), Req(kB, 0, 0, X), false},
      {"same owner never conflicts", Req(kA, 0, 0, X), Req(kA, 0, 10, X), true},
      {"same host, other svid conflicts", Req(kA, 0, 0, X), Req(kA2, 0, 10, S), false},
      {"same svid, other handle conflicts", Req(kA, 0, 0, X),
       Req(LockOwner{"hostA", 10, "other"}, 0, 1, X), false},
  };
  for (const Case& c : cases) {
    LockManager m;
    ASSERT_EQ(m.Lock(kFile, c.held, false, nullptr).outcome, LockOutcome::kGranted) << c.name;
    EXPECT_EQ(m.Test(kFile, c.req).has_value(), !c.granted) << c.name;
    LockResult r = m.Lock(kFile, c.req, false, nullptr);
    EXPECT_EQ(r.outcome, c.granted ? LockOutcome::kGranted : LockOutcome::kDenied) << c.name;
    if (!c.granted) {
      ASSERT_TRUE(r.conflict.has_value()) << c.name;
      EXPECT_EQ(r.conflict->owner, c.held.owner) << c.name;
      EXPECT_EQ(r.conflict->range, c.held.range) << c.name;
      EXPECT_EQ(r.conflict->mode, c.held.mode) << c.name;
    }
  }
}

struct Held {
  uint64_t first, last;
  LockMode mode;
};

std::vector<Held> HeldBy(const LockManager& m, const LockOwner& o) {
  std::vector<Held> out;
  for (const LockRecord& l : m.LocksOf(kFile)) {
    if (l.owner == o) out.push_back({l.range.first, l.range.last, l.mode});
  }
  std::sort(out.begin(), out.end(), [](const Held& a, const Held& b) { return a.first < b.first; });
  return out;
}

bool operator==(const Held& a, const Held& b) {
  return a.first == b.first && a.last == b.last && a.mode == b.mode;
}

// A sequence of lock/unlock steps by one owner, then the owner's exact lock set.
TEST(LockManagerTest, SplitMergeTable) {
  struct Step {
    bool unlock;
    uint64_t off, len;
    LockMode mode;
  };
  struct Case {
    const char* name;
    std::vector<Step> steps;
    std::vector<Held> expect;
  } cases[] = {
      {"unlock middle splits", {{false, 0, 100, X}, {true, 40, 20, X}}, {{0, 39, X}, {60, 99, X}}},
      {"unlock head", {{false, 0, 100, X}, {true, 0, 10, X}}, {{10, 99, X}}},
      {"unlock tail to EOF", {{false, 0, 100, X}, {true, 50, 0, X}}, {{0, 49, X}}},
      {"unlock all of to-EOF", {{false, 10, 0, S}, {true, 0, 0, S}}, {}},
      {"unlock middle of to-EOF",
       {{false, 0, 0, S}, {true, 10, 10, S}},
       {{0, 9, S}, {20, kToEof, S}}},
      {"adjacent merge", {{false, 0, 10, X}, {false, 10, 10, X}}, {{0, 19, X}}},
      {"overlap merge", {{false, 0, 10, S}, {false, 5, 10, S}}, {{0, 14, S}}},
      {"gap stays split", {{false, 0, 10, S}, {false, 11, 10, S}}, {{0, 9, S}, {11, 20, S}}},
      {"fill gap merges three",
       {{false, 0, 10, S}, {false, 20, 10, S}, {false, 10, 10, S}},
       {{0, 29, S}}},
      {"downgrade middle",
       {{false, 0, 30, X}, {false, 10, 10, S}},
       {{0, 9, X}, {10, 19, S}, {20, 29, X}}},
      {"upgrade all", {{false, 0, 30, S}, {false, 0, 30, X}}, {{0, 29, X}}},
      {"upgrade part then merge back",
       {{false, 0, 30, S}, {false, 10, 10, X}, {false, 10, 10, S}},
       {{0, 29, S}}},
      {"different modes adjacent stay apart",
       {{false, 0, 10, S}, {false, 10, 10, X}},
       {{0, 9, S}, {10, 19, X}}},
      {"unlock nothing held", {{true, 0, 0, S}}, {}},
      {"lock to EOF over pieces",
       {{false, 0, 5, S}, {false, 10, 5, X}, {false, 3, 0, X}},
       {{0, 2, S}, {3, kToEof, X}}},
  };
  for (const Case& c : cases) {
    LockManager m;
    for (const Step& s : c.steps) {
      if (s.unlock) {
        m.Unlock(kFile, kA, ByteRange::FromOffsetLength(s.off, s.len));
      } else {
        ASSERT_EQ(m.Lock(kFile, Req(kA, s.off, s.len, s.mode), false, nullptr).outcome,
                  LockOutcome::kGranted)
            << c.name;
      }
    }
    EXPECT_EQ(HeldBy(m, kA), c.expect) << c.name;
  }
}

TEST(LockManagerTest, RefusedUpgradeKeepsSharedLock) {
  LockManager m;
  ASSERT_EQ(m.Lock(kFile, Req(kA, 0, 10, S), false, nullptr).outcome, LockOutcome::kGranted);
  ASSERT_EQ(m.Lock(kFile, Req(kB, 5, 10, S), false, nullptr).outcome, LockOutcome::kGranted);
  LockResult r = m.Lock(kFile, Req(kA, 0, 10, X), false, nullptr);
  EXPECT_EQ(r.outcome, LockOutcome::kDenied);
  EXPECT_EQ(r.conflict->owner, kB);
  EXPECT_EQ(HeldBy(m, kA), (std::vector<Held>{{0, 9, S}}));
}

TEST(LockManagerTest, BlockedWaiterGrantedOnUnlockInOrder) {
  LockManager m;
  ASSERT_EQ(m.Lock(kFile, Req(kA, 0, 0, X), false, nullptr).outcome, LockOutcome::kGranted);
  std::vector<std::string> granted;
  auto cb = [&](const FileKey& f, const LockRecord& l) {
    EXPECT_EQ(f, kFile);
    granted.push_back(l.owner.host);
  };
  LockResult r = m.Lock(kFile, Req(kB, 0, 10, X), true, cb);
  EXPECT_EQ(r.outcome, LockOutcome::kBlocked);
  EXPECT_EQ(r.conflict->owner, kA);
  // A retransmission does not queue twice.
  EXPECT_EQ(m.Lock(kFile, Req(kB, 0, 10, X), true, cb).outcome, LockOutcome::kBlocked);
  EXPECT_EQ(m.Lock(kFile, Req(kA2, 5, 1, X), true, cb).outcome, LockOutcome::kBlocked);
  EXPECT_EQ(m.ListVolume(1).size(), 3u);  // one held, two waiting

  m.Unlock(kFile, kA, ByteRange{0, kToEof});
  // B's request was first; A2's overlaps it, so it keeps waiting.
  EXPECT_EQ(granted, std::vector<std::string>{"hostB"});
  EXPECT_EQ(HeldBy(m, kB), (std::vector<Held>{{0, 9, X}}));
  m.Unlock(kFile, kB, ByteRange{0, kToEof});
  EXPECT_EQ(granted, (std::vector<std::string>{"hostB", "hostA"}));
  EXPECT_EQ(HeldBy(m, kA2), (std::vector<Held>{{5, 5, X}}));
}

TEST(LockManagerTest, CancelRemovesWaiter) {
  LockManager m;
  ASSERT_EQ(m.Lock(kFile, Req(kA, 0, 0, X), false, nullptr).outcome, LockOutcome::kGranted);
  int calls = 0;
  EXPECT_EQ(m.Lock(kFile, Req(kB, 0, 0, S), true, [&](auto&, auto&) { ++calls; }).outcome,
            LockOutcome::kBlocked);
  EXPECT_FALSE(m.Cancel(kFile, Req(kB, 0, 0, X)));  // mode differs: not that request
  EXPECT_TRUE(m.Cancel(kFile, Req(kB, 0, 0, S)));
  EXPECT_FALSE(m.Cancel(kFile, Req(kB, 0, 0, S)));
  m.Unlock(kFile, kA, ByteRange{});
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(m.LocksOf(kFile).empty());
}

TEST(LockManagerTest, ReleaseHostDropsEverythingAndGrantsOthers) {
  LockManager m;
  const FileKey other{2, 7};
  ASSERT_EQ(m.Lock(kFile, Req(kA, 0, 10, X), false, nullptr).outcome, LockOutcome::kGranted);
  ASSERT_EQ(m.Lock(kFile, Req(kA2, 20, 10, S), false, nullptr).outcome, LockOutcome::kGranted);
  ASSERT_EQ(m.Lock(other, Req(kA, 0, 0, X), false, nullptr).outcome, LockOutcome::kGranted);
  ASSERT_TRUE(m.Share(kFile, ShareRecord{{"hostA", "s"}, kShareRead, kShareWrite}));
  bool granted = false;
  ASSERT_EQ(m.Lock(kFile, Req(kB, 0, 0, X), true, [&](auto&, auto&) { granted = true; }).outcome,
            LockOutcome::kBlocked);
  EXPECT_TRUE(m.HostIsActive("hostA"));
  EXPECT_EQ(m.ReleaseHost("hostA"), 4u);
  EXPECT_FALSE(m.HostIsActive("hostA"));
  EXPECT_TRUE(granted);
  EXPECT_EQ(HeldBy(m, kB), (std::vector<Held>{{0, kToEof, X}}));
  EXPECT_TRUE(m.LocksOf(other).empty());
}

TEST(LockManagerTest, ReleaseHostInVolumeAndVolume) {
  LockManager m;
  const FileKey v2{2, 7};
  ASSERT_EQ(m.Lock(kFile, Req(kA, 0, 10, X), false, nullptr).outcome, LockOutcome::kGranted);
  ASSERT_EQ(m.Lock(v2, Req(kA, 0, 10, X), false, nullptr).outcome, LockOutcome::kGranted);
  ASSERT_EQ(m.Lock(v2, Req(kB, 20, 10, X), false, nullptr).outcome, LockOutcome::kGranted);
  EXPECT_EQ(m.ReleaseHostInVolume(2, "hostA"), 1u);
  EXPECT_EQ(m.LocksOf(kFile).size(), 1u);
  EXPECT_EQ(m.LocksOf(v2).size(), 1u);
  EXPECT_EQ(m.ReleaseHost(""), 0u);
  EXPECT_EQ(m.LocksOf(v2).size(), 1u);
  bool granted = false;
  ASSERT_EQ(m.Lock(v2, Req(kA2, 0, 0, X), true, [&](auto&, auto&) { granted = true; }).outcome,
            LockOutcome::kBlocked);
  EXPECT_EQ(m.ReleaseHostInVolume(2, ""), 1u);  // every holder; the waiter gets its turn
  EXPECT_TRUE(granted);
  EXPECT_EQ(m.ReleaseVolume(2), 1u);
  EXPECT_TRUE(m.ListVolume(2).empty());
  EXPECT_EQ(m.lock_count(), 1u);
}

TEST(LockManagerTest, ListVolumeReportsAge) {
  int64_t now = 1000;
  LockManager m([&] { return now; });
  ASSERT_EQ(m.Lock(kFile, Req(kA, 0, 10, X), false, nullptr).outcome, LockOutcome::kGranted);
  now = 5000;
  ASSERT_EQ(m.Lock(kFile, Req(kB, 0, 10, S), true, nullptr).outcome, LockOutcome::kBlocked);
  auto list = m.ListVolume(1);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_FALSE(list[0].waiting);
  EXPECT_EQ(list[0].inode, 100u);
  EXPECT_EQ(list[0].lock.since_ns, 1000);
  EXPECT_EQ(list[0].lock.owner, kA);
  EXPECT_TRUE(list[1].waiting);
  EXPECT_EQ(list[1].lock.since_ns, 5000);
  // Merging keeps the older grant time.
  now = 9000;
  ASSERT_EQ(m.Lock(kFile, Req(kA, 10, 10, X), false, nullptr).outcome, LockOutcome::kGranted);
  EXPECT_EQ(m.ListVolume(1)[0].lock.since_ns, 1000);
}

TEST(LockManagerTest, ShareTable) {
  constexpr uint32_t R = kShareRead, W = kShareWrite, RW = R | W;
  struct Case {
    const char* name;
    uint32_t held_access, held_deny, req_access, req_deny;
    bool same_owner;
    bool granted;
  } cases[] = {
      {"readers deny none", R, 0, R, 0, false, true},
      {"deny write vs writer", R, W, W, 0, false, false},
      {"deny write vs reader", R, W, R, 0, false, true},
      {"reader vs new deny read", R, 0, R, R, false, false},
      {"deny all vs none access", RW, RW, 0, 0, false, true},
      {"deny all vs reader", RW, RW, R, 0, false, false},
      {"same owner replaces", RW, RW, R, RW, true, true},
  };
  for (const Case& c : cases) {
    LockManager m;
    ShareOwner a{"hostA", "oh"};
    ShareOwner b = c.same_owner ? a : ShareOwner{"hostB", "oh"};
    ASSERT_TRUE(m.Share(kFile, ShareRecord{a, c.held_access, c.held_deny})) << c.name;
    EXPECT_EQ(m.Share(kFile, ShareRecord{b, c.req_access, c.req_deny}), c.granted) << c.name;
    EXPECT_EQ(m.SharesOf(kFile).size(), (c.granted && !c.same_owner) ? 2u : 1u) << c.name;
  }
  LockManager m;
  ASSERT_TRUE(m.Share(kFile, ShareRecord{{"hostA", "oh"}, RW, RW}));
  EXPECT_FALSE(m.Share(kFile, ShareRecord{{"hostB", "oh"}, R, 0}));
  m.Unshare(kFile, ShareOwner{"hostA", "oh"});
  EXPECT_TRUE(m.Share(kFile, ShareRecord{{"hostB", "oh"}, R, 0}));
}

}  // namespace
}  // namespace volumed::nlm
