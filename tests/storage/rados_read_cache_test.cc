// RadosReadCache (no cluster needed): extents are found by file and index, stay pinned
// while held, and the cache stays within its byte budget.
#include "storage/rados/rados_read_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace volumed::storage::rados {
namespace {

TEST(RadosReadCache, ExtentsAreKeyedByFileAndIndex) {
  RadosReadCache cache(1 << 20, 4096);
  EXPECT_EQ(cache.extent_bytes(), 4096u);
  EXPECT_FALSE(cache.Lookup("ns/f.1.2.a", 0));
  cache.Insert("ns/f.1.2.a", 0, std::string(4096, 'a'));
  cache.Insert("ns/f.1.2.a", 1, std::string(100, 'b'));
  cache.Insert("ns/f.1.3.a", 0, std::string(4096, 'c'));
  RadosReadCache::Extent e = cache.Lookup("ns/f.1.2.a", 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e.bytes(), std::string(100, 'b'));
  e = cache.Lookup("ns/f.1.3.a", 0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e.bytes()[0], 'c');
  EXPECT_FALSE(cache.Lookup("ns/f.1.2.a", 2));
  EXPECT_FALSE(cache.Lookup("other/f.1.2.a", 0));
}

TEST(RadosReadCache, StaysWithinItsBudgetAndKeepsPinnedExtents) {
  RadosReadCache cache(64 << 10, 4096);  // 16 extents' worth
  RadosReadCache::Extent pinned = cache.Insert("f", 0, std::string(4096, 'p'));
  for (uint64_t i = 1; i <= 200; ++i) cache.Insert("f", i, std::string(4096, 'x'));
  int resident = 0;
  for (uint64_t i = 1; i <= 200; ++i) resident += cache.Lookup("f", i) ? 1 : 0;
  EXPECT_LE(resident, 16);
  EXPECT_GT(resident, 0);
  // Evicted or not, a held extent stays valid until released.
  EXPECT_EQ(pinned.bytes(), std::string(4096, 'p'));
  RadosReadCache::Extent moved = std::move(pinned);
  EXPECT_FALSE(pinned);
  EXPECT_TRUE(moved);
}

}  // namespace
}  // namespace volumed::storage::rados
