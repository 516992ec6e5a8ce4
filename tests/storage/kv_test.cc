#include "storage/kv.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>

#include <memory>
#include <vector>

namespace volumed::storage {
namespace {

class KvTest : public ::testing::Test {
 protected:
  KvTest()
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())),
        factory_(env_.get(), KvTuning{}, 1 << 20) {}
  std::unique_ptr<leveldb::Env> env_;
  KvFactory factory_;
};

TEST_F(KvTest, GetWriteScan) {
  ASSERT_TRUE(factory_.CreateDir("/d").ok());
  auto kv = factory_.Open("/d/db");
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  auto missing = (*kv)->Get("a");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  leveldb::WriteBatch b;
  b.Put("a", "1");
  b.Put("b", "2");
  b.Put("c", "3");
  ASSERT_TRUE((*kv)->Write(&b, true).ok());
  EXPECT_EQ(**(*kv)->Get("b"), "2");
  std::vector<std::string> seen;
  ASSERT_TRUE((*kv)
                  ->Scan("a", "c",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
  auto snap = (*kv)->Snapshot();
  leveldb::WriteBatch d;
  d.Delete("a");
  ASSERT_TRUE((*kv)->Write(&d, false).ok());
  EXPECT_FALSE((*kv)->Get("a")->has_value());
  EXPECT_EQ(**(*kv)->Get("a", snap.get()), "1");
}

TEST_F(KvTest, DestroyRemovesEverything) {
  ASSERT_TRUE(factory_.CreateDir("/d").ok());
  {
    auto kv = factory_.Open("/d/db");
    ASSERT_TRUE(kv.ok());
    leveldb::WriteBatch b;
    b.Put("k", std::string(1000, 'x'));
    ASSERT_TRUE((*kv)->Write(&b, true).ok());
  }
  EXPECT_TRUE(factory_.DatabaseExists("/d/db"));
  ASSERT_TRUE(factory_.Destroy("/d/db").ok());
  EXPECT_FALSE(factory_.DatabaseExists("/d/db"));
  // A fresh database opens empty in its place.
  auto kv = factory_.Open("/d/db");
  ASSERT_TRUE(kv.ok());
  EXPECT_FALSE((*kv)->Get("k")->has_value());
}

// LevelDB's approximate-memory-usage adds the block cache's charge to the memtables'; the
// cache is shared by every database of a factory, so a database that reads nothing must
// not report what the others cached.
TEST_F(KvTest, MemtableBytesLeaveOutTheSharedBlockCache) {
  ASSERT_TRUE(factory_.CreateDir("/d").ok());
  {
    auto kv = factory_.Open("/d/a");
    ASSERT_TRUE(kv.ok());
    leveldb::WriteBatch b;
    for (int i = 0; i < 400; ++i) b.Put("k" + std::to_string(i), std::string(1000, 'x'));
    ASSERT_TRUE((*kv)->Write(&b, true).ok());
  }
  auto a = factory_.Open("/d/a");  // reopened: the log became a table
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 400; ++i) ASSERT_TRUE((*a)->Get("k" + std::to_string(i)).ok());
  const size_t cached = factory_.BlockCacheBytes();
  ASSERT_GT(cached, size_t{200} << 10);
  auto b = factory_.Open("/d/b");
  ASSERT_TRUE(b.ok());
  EXPECT_LT((*b)->Stats().memtable_bytes, cached / 4);
  EXPECT_LT((*a)->Stats().memtable_bytes, cached / 4);
}

}  // namespace
}  // namespace volumed::storage
