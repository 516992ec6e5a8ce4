// ListingCache: hits only at the stamp an entry was encoded at, bounded by bytes, and
// counting what it did.
#include "nfs3/listing_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace volumed::nfs3 {
namespace {

ListingCache::Bytes Of(size_t size, char fill) { return std::make_shared<std::string>(size, fill); }

ListingKey Key(uint64_t cookie) { return ListingKey{1, 1, 2, 1, cookie, 4096, 65536}; }

TEST(ListingCache, HitsOnlyAtTheSameStamp) {
  ListingCache cache(1 << 20);
  EXPECT_EQ(cache.Find(Key(0), 7), nullptr);
  cache.Insert(Key(0), 7, Of(100, 'a'));
  ASSERT_NE(cache.Find(Key(0), 7), nullptr);
  EXPECT_EQ(*cache.Find(Key(0), 7), std::string(100, 'a'));
  EXPECT_EQ(cache.Find(Key(1), 7), nullptr);  // another cookie
  ListingKey other_counts = Key(0);
  other_counts.maxcount = 8192;
  EXPECT_EQ(cache.Find(other_counts, 7), nullptr);
  EXPECT_EQ(cache.stats().hits, 2u);
  // The volume changed: the entry is dropped, and stays gone.
  EXPECT_EQ(cache.Find(Key(0), 8), nullptr);
  EXPECT_EQ(cache.Find(Key(0), 7), nullptr);
  const ListingCacheStats stats = cache.stats();
  EXPECT_EQ(stats.bytes, 0u);
  EXPECT_EQ(stats.entries, 0u);
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 5u);  // the first Find, cookie 1, other counts, stamp 8, then 7
  EXPECT_EQ(stats.stale, 1u);
  EXPECT_EQ(stats.evictions, 0u);
  EXPECT_EQ(stats.capacity, 1u << 20);
}

TEST(ListingCache, EvictsTheLeastRecentlyUsedBeyondItsCapacity) {
  ListingCache cache(8000);  // replies over 1000 bytes are not kept
  cache.Insert(Key(0), 1, Of(5000, 'x'));
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.stats().oversized, 1u);
  for (uint64_t c = 1; c <= 8; ++c) cache.Insert(Key(c), 1, Of(1000, 'y'));
  EXPECT_EQ(cache.stats().bytes, 8000u);
  ASSERT_NE(cache.Find(Key(1), 1), nullptr);  // now the most recently used
  cache.Insert(Key(9), 1, Of(1000, 'z'));
  EXPECT_EQ(cache.stats().bytes, 8000u);
  EXPECT_NE(cache.Find(Key(1), 1), nullptr);
  EXPECT_EQ(cache.Find(Key(2), 1), nullptr);  // the least recently used went
  EXPECT_NE(cache.Find(Key(9), 1), nullptr);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.stats().entries, 8u);
  // Replacing an entry does not count it twice.
  cache.Insert(Key(9), 2, Of(1000, 'w'));
  EXPECT_EQ(cache.stats().bytes, 8000u);
  EXPECT_EQ(*cache.Find(Key(9), 2), std::string(1000, 'w'));
  EXPECT_EQ(cache.stats().evictions, 1u);  // a replaced entry is not an eviction
  EXPECT_EQ(cache.stats().stale, 0u);
}

}  // namespace
}  // namespace volumed::nfs3
