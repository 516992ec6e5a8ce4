// Randomized comparison of LockManager against a byte-by-byte reference model of POSIX
// lock semantics. Seeded and reproducible: a failure prints the seed and step.
//
// The model tracks cells 0..kCells-1 as single bytes and cell kCells as "every byte from
// kCells on", which only to-EOF locks (length 0) reach.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nlm/lock_manager.h"

namespace volumed::nlm {
namespace {

constexpr uint64_t kCells = 48;
constexpr FileKey kFile{3, 9};

using Cell = std::map<int, LockMode>;  // owner index → mode held on that byte
using Model = std::array<Cell, kCells + 1>;

const std::vector<LockOwner>& Owners() {
  static const std::vector<LockOwner> owners = {
      {"h1", 1, "a"}, {"h1", 2, "b"}, {"h2", 1, "a"}, {"h3", 7, "c"}};
  return owners;
}

int OwnerIndex(const LockOwner& o) {
  for (size_t i = 0; i < Owners().size(); ++i) {
    if (Owners()[i] == o) return static_cast<int>(i);
  }
  return -1;
}

// Cells a range covers in the model.
std::pair<uint64_t, uint64_t> Cells(const ByteRange& r) {
  return {r.first, r.last == kToEof ? kCells : r.last};
}

bool ModelConflicts(const Model& m, int owner, const ByteRange& r, LockMode mode) {
  auto [lo, hi] = Cells(r);
  for (uint64_t c = lo; c <= hi; ++c) {
    for (auto [o, held] : m[c]) {
      if (o != owner && (held == LockMode::kExclusive || mode == LockMode::kExclusive)) return true;
    }
  }
  return false;
}

Model Expand(const std::vector<LockRecord>& locks) {
  Model m;
  for (const LockRecord& l : locks) {
    auto [lo, hi] = Cells(l.range);
    for (uint64_t c = lo; c <= hi; ++c) {
      EXPECT_EQ(m[c].count(OwnerIndex(l.owner)), 0u) << "one owner's locks overlap";
      m[c][OwnerIndex(l.owner)] = l.mode;
    }
  }
  return m;
}

// Every owner's locks are disjoint and equal-mode neighbours are merged.
void ExpectNormalised(const std::vector<LockRecord>& locks) {
  for (size_t i = 0; i < locks.size(); ++i) {
    for (size_t j = i + 1; j < locks.size(); ++j) {
      if (!(locks[i].owner == locks[j].owner)) continue;
      EXPECT_FALSE(locks[i].range.Overlaps(locks[j].range));
      if (locks[i].mode == locks[j].mode) {
        EXPECT_FALSE(locks[i].range.Touches(locks[j].range));
      }
    }
  }
}

ByteRange RandomRange(std::mt19937_64& rng) {
  const uint64_t off = rng() % kCells;
  // One request in five runs to EOF; others stay within the model's single-byte cells.
  const uint64_t len = (rng() % 5 == 0) ? 0 : 1 + rng() % (kCells - off);
  return ByteRange::FromOffsetLength(off, len);
}

void RunSeed(uint64_t seed) {
  std::mt19937_64 rng(seed);
  LockManager mgr;
  Model model;
  for (int step = 0; step < 400; ++step) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
    const int owner = static_cast<int>(rng() % Owners().size());
    const ByteRange range = RandomRange(rng);
    auto [lo, hi] = Cells(range);
    const unsigned op = rng() % 10;
    if (op < 3) {  // unlock
      mgr.Unlock(kFile, Owners()[owner], range);
      for (uint64_t c = lo; c <= hi; ++c) model[c].erase(owner);
    } else if (op == 3) {  // test
      const LockMode mode = (rng() & 1) ? LockMode::kExclusive : LockMode::kShared;
      std::optional<LockRecord> conflict =
          mgr.Test(kFile, LockRequest{Owners()[owner], range, mode});
      EXPECT_EQ(conflict.has_value(), ModelConflicts(model, owner, range, mode));
    } else {  // non-blocking lock
      const LockMode mode = (rng() & 1) ? LockMode::kExclusive : LockMode::kShared;
      const bool expect_conflict = ModelConflicts(model, owner, range, mode);
      LockResult r = mgr.Lock(kFile, LockRequest{Owners()[owner], range, mode}, false, nullptr);
      ASSERT_EQ(r.outcome, expect_conflict ? LockOutcome::kDenied : LockOutcome::kGranted);
      if (expect_conflict) {
        // The reported holder really holds that range and really conflicts.
        ASSERT_TRUE(r.conflict.has_value());
        EXPECT_NE(OwnerIndex(r.conflict->owner), owner);
        EXPECT_TRUE(r.conflict->range.Overlaps(range));
        EXPECT_TRUE(r.conflict->mode == LockMode::kExclusive || mode == LockMode::kExclusive);
        auto [hlo, hhi] = Cells(r.conflict->range);
        for (uint64_t c = hlo; c <= hhi; ++c) {
          auto it = model[c].find(OwnerIndex(r.conflict->owner));
          ASSERT_NE(it, model[c].end());
          EXPECT_EQ(it->second, r.conflict->mode);
        }
      } else {
        for (uint64_t c = lo; c <= hi; ++c) model[c][owner] = mode;
      }
    }
    const std::vector<LockRecord> locks = mgr.LocksOf(kFile);
    ExpectNormalised(locks);
    ASSERT_EQ(Expand(locks), model);
  }
}

TEST(LockModelTest, MatchesReferenceModel) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    RunSeed(seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace volumed::nlm
