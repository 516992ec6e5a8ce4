// OwnerCache: an entry is found until `ttl` after it was read, dropped at once when asked,
// and the cache holds at most `capacity` entries, the oldest going first.
#include "services/owner_cache.h"

#include <gtest/gtest.h>

#include <chrono>

namespace volumed::services {
namespace {

using namespace std::chrono_literals;

class OwnerCacheTest : public ::testing::Test {
 protected:
  OwnerCache Make(size_t capacity) {
    return OwnerCache(1s, capacity, [this] { return now_; });
  }
  static OwnerCache::Entry Owned(std::string owner) {
    OwnerCache::Entry e;
    e.name = "vol";
    e.owner = std::move(owner);
    return e;
  }

  OwnerCache::Clock::time_point now_{};
};

TEST_F(OwnerCacheTest, FoundUntilItsTimeIsUp) {
  OwnerCache cache = Make(16);
  EXPECT_EQ(cache.Find(7), nullptr);
  cache.Put(7, Owned("gw2"));
  now_ += 999ms;
  auto hit = cache.Find(7);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->owner, "gw2");
  EXPECT_EQ(cache.Find(8), nullptr);
  now_ += 1ms;  // read 1 s ago: gone
  EXPECT_EQ(cache.Find(7), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  // Read again, it counts from the new read.
  cache.Put(7, Owned("gw3"));
  now_ += 500ms;
  ASSERT_NE(cache.Find(7), nullptr);
  EXPECT_EQ(cache.Find(7)->owner, "gw3");
  const OwnerCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(hit->owner, "gw2");  // an entry handed out stays as it was
}

TEST_F(OwnerCacheTest, InvalidateDropsAtOnce) {
  OwnerCache cache = Make(16);
  cache.Put(7, Owned("gw2"));
  cache.Put(9, Owned("gw2"));
  cache.Invalidate(7);
  cache.Invalidate(8);  // never kept: nothing happens
  EXPECT_EQ(cache.Find(7), nullptr);
  EXPECT_NE(cache.Find(9), nullptr);
  EXPECT_EQ(cache.stats().invalidations, 1u);
  // Replacing an entry keeps one.
  cache.Put(9, Owned("gw4"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find(9)->owner, "gw4");
}

TEST_F(OwnerCacheTest, BoundedOldestFirst) {
  OwnerCache cache = Make(3);
  for (uint64_t id = 1; id <= 3; ++id) {
    cache.Put(id, Owned("gw2"));
    now_ += 1ms;
  }
  cache.Put(4, Owned("gw2"));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Find(1), nullptr);
  for (uint64_t id = 2; id <= 4; ++id) EXPECT_NE(cache.Find(id), nullptr) << id;
  // Re-reading 2 makes it the newest: 3 goes next.
  cache.Put(2, Owned("gw2"));
  cache.Put(5, Owned("gw2"));
  EXPECT_EQ(cache.Find(3), nullptr);
  EXPECT_NE(cache.Find(2), nullptr);

  OwnerCache none = Make(0);  // keeps nothing, still hands the entry back
  EXPECT_EQ(none.Put(1, Owned("gw2"))->owner, "gw2");
  EXPECT_EQ(none.Find(1), nullptr);
}

}  // namespace
}  // namespace volumed::services
