// Writes that replace blocks without reading them (BlockStore::Write): whole blocks,
// appends from a block's start to the new end of file, sparse writes past the end, and
// the partial writes that still merge. Each case checks the file's bytes against a model
// string, its `used` against the bytes its blocks hold (fsck), and survives a reopen.
#include <gtest/gtest.h>

#include <string>

#include "volume_fixture.h"

namespace volumed::storage {
namespace {

constexpr uint64_t kBs = 4096;  // the fixture's block size

class BlockWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = v->Create(Root(), v->Root(), "f", CreateMode::kGuarded, {}, 0, nullptr);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    file = r->ref;
  }

  // Writes `n` bytes of `fill` at `offset` into the file and the model.
  void Write(uint64_t offset, size_t n, char fill) {
    const std::string data(n, fill);
    auto w = v->Write(Root(), file, offset, data, Stability::kUnstable, nullptr);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    if (model.size() < offset + n) model.resize(offset + n, '\0');
    model.replace(offset, n, data);
  }

  // The file reads as the model, its `used` is what its blocks hold, and both hold again
  // after a reopen (the batch was what LevelDB kept, not a cache).
  void ExpectContent() {
    for (int pass = 0; pass < 2; ++pass) {
      auto r = v->Read(Root(), file, 0, static_cast<uint32_t>(model.size() + kBs));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_TRUE(r->eof);
      EXPECT_EQ(r->attrs.size, model.size());
      ASSERT_EQ(r->data.size(), model.size());
      EXPECT_TRUE(r->data == model) << "content differs (pass " << pass << ")";
      v.ExpectClean();
      if (pass == 0) v.Reopen();
    }
  }

  uint64_t Used() {
    auto a = v->GetAttr(file);
    EXPECT_TRUE(a.ok());
    return a.ok() ? a->used : 0;
  }

  MemVolume v;
  InodeRef file;
  std::string model;
};

TEST_F(BlockWriteTest, WholeBlocksOverADenseFile) {
  Write(0, 3 * kBs, 'a');
  EXPECT_EQ(Used(), 3 * kBs);
  Write(kBs, kBs, 'b');    // the middle block, whole
  Write(0, 2 * kBs, 'c');  // two whole blocks
  EXPECT_EQ(Used(), 3 * kBs);
  ExpectContent();
}

TEST_F(BlockWriteTest, WholeBlocksOverHolesAndShortBlocks) {
  Write(kBs + 100, 10, 'a');  // block 1 holds 110 bytes, block 0 is a hole
  Write(5 * kBs, 1, 'z');     // size 5 blocks + 1: blocks 2..4 are holes
  EXPECT_EQ(Used(), 110u + 1u);
  Write(0, kBs, 'b');        // replaces a hole
  Write(kBs, kBs, 'c');      // replaces a 110-byte block
  Write(3 * kBs, kBs, 'd');  // a hole between stored blocks
  EXPECT_EQ(Used(), 3 * kBs + 1);
  ExpectContent();
}

TEST_F(BlockWriteTest, AppendsFromABlockStartToTheNewEnd) {
  Write(0, 2 * kBs, 'a');
  Write(2 * kBs, 1000, 'b');     // a new last block, shorter than a block
  Write(2 * kBs, 3000, 'c');     // from its start past the old end: replaces it
  Write(3 * kBs, kBs + 7, 'd');  // past a gap: one whole block and 7 bytes of the next
  EXPECT_EQ(Used(), 2 * kBs + 3000 + kBs + 7);
  ExpectContent();
}

TEST_F(BlockWriteTest, AppendsInsideTheLastBlockKeepItsHead) {
  Write(0, kBs + 500, 'a');
  Write(kBs + 500, 2 * kBs, 'b');  // starts mid-block at the old end: merges
  Write(kBs, 100, 'c');            // from a block start but short of the end: merges
  EXPECT_EQ(Used(), 3 * kBs + 500);
  ExpectContent();
}

TEST_F(BlockWriteTest, SparseWritesPastTheEnd) {
  Write(kBs + 7, 10, 'a');      // block 0 a hole, block 1 zeros then data
  Write(4 * kBs - 5, 10, 'b');  // straddles blocks 3 and 4, block 2 a hole
  Write(10 * kBs, kBs, 'c');    // a whole block far past the end
  // Stored lengths run from each block's start: 17, a whole block 3, 5, a whole block 10.
  EXPECT_EQ(Used(), 17u + kBs + 5u + kBs);
  ExpectContent();
}

TEST_F(BlockWriteTest, PartialWritesMergeWithWhatIsStored) {
  Write(0, 4 * kBs, 'a');
  Write(100, 200, 'b');              // inside one block
  Write(kBs - 10, 20, 'c');          // across a block boundary
  Write(2 * kBs + 1, 2 * kBs, 'd');  // a partial block, a whole one, then past the end
  EXPECT_EQ(Used(), 4 * kBs + 1);
  ExpectContent();
}

// A truncated file whose cut-off blocks still wait for reclaim counts them in `used`:
// a whole-block write over a hole must not take used == size for "every block stored".
TEST_F(BlockWriteTest, ReplacedBlockWhileATailWaitsForReclaim) {
  // Blocks 0 and 6..9 stored, 1..5 holes; then 5 more blocks that the truncate cuts off
  // (more than the fixture's 4 reclaimed inline): used == size while the tail waits.
  Write(0, kBs, 'a');
  Write(6 * kBs, 4 * kBs, 'b');
  Write(10 * kBs, 5 * kBs, 'x');
  SetAttrRequest shrink;
  shrink.size = 10 * kBs;
  ASSERT_TRUE(v->SetAttr(Root(), file, shrink, nullptr).ok());
  model.resize(10 * kBs);
  ASSERT_EQ(*v->PendingOrphans(), 1u);
  ASSERT_EQ(Used(), 10 * kBs);
  Write(2 * kBs, kBs, 'c');  // replaces a hole: used grows by a block
  ASSERT_TRUE(v->ReclaimAll().ok());
  EXPECT_EQ(Used(), 6 * kBs);  // blocks 0, 2 and 6..9
  ExpectContent();
}

}  // namespace
}  // namespace volumed::storage
