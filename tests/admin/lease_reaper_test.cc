// The lease reaper: lapsed ephemeral volumes are collected (also at start, before the
// first period), persisted and live ones are not, and their ids reach the hook.
#include "admin/lease_reaper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "fake_catalog.h"

namespace volumed::admin {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

class LeaseReaperTest : public ::testing::Test {
 protected:
  uint64_t Make(const std::string& name, storage::VolumeKind kind, int64_t ttl_ns) {
    storage::CreateVolumeRequest req;
    req.name = name;
    req.kind = kind;
    req.lease_ttl_ns = ttl_ns;
    return catalog_.Create(req)->id;
  }

  std::atomic<int64_t> now_{100 * kSecond};
  testing::FakeCatalog catalog_{[this] { return now_.load(); }};
  std::mutex mu_;
  std::vector<std::pair<uint64_t, std::string>> deleted_;
  LeaseReaper::OnDeleted on_deleted_ = [this](uint64_t id, std::string_view name) {
    std::lock_guard<std::mutex> lock(mu_);
    deleted_.emplace_back(id, std::string(name));
  };
};

TEST_F(LeaseReaperTest, CollectsOnlyLapsedEphemeralVolumes) {
  const uint64_t short_id = Make("short", storage::VolumeKind::kEphemeral, 2 * kSecond);
  Make("long", storage::VolumeKind::kEphemeral, 60 * kSecond);
  Make("kept", storage::VolumeKind::kPersisted, 0);
  LeaseReaper reaper(&catalog_, std::chrono::hours(1), on_deleted_, [this] { return now_.load(); });

  auto first = reaper.RunOnce();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->empty());

  now_ += 3 * kSecond;
  auto second = reaper.RunOnce();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, std::vector<std::string>{"short"});
  EXPECT_FALSE(catalog_.Describe("short").ok());
  EXPECT_TRUE(catalog_.Describe("long").ok());
  EXPECT_TRUE(catalog_.Describe("kept").ok());
  ASSERT_EQ(deleted_.size(), 1u);
  EXPECT_EQ(deleted_[0].first, short_id);
  EXPECT_EQ(deleted_[0].second, "short");
}

TEST_F(LeaseReaperTest, ALeaseThatLapsedWhileDownIsCollectedAtStart) {
  Make("stale", storage::VolumeKind::kEphemeral, 1 * kSecond);
  now_ += 10 * kSecond;  // the server was down meanwhile
  LeaseReaper reaper(&catalog_, std::chrono::hours(1), on_deleted_, [this] { return now_.load(); });
  reaper.Start();
  // The first pass runs at once, not after the (one hour) period.
  for (int i = 0; i < 500 && catalog_.Describe("stale").ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reaper.Stop();
  EXPECT_FALSE(catalog_.Describe("stale").ok());
}

TEST_F(LeaseReaperTest, PeriodicPassesCollectLaterLapses) {
  Make("later", storage::VolumeKind::kEphemeral, 5 * kSecond);
  LeaseReaper reaper(&catalog_, std::chrono::milliseconds(10), on_deleted_,
                     [this] { return now_.load(); });
  reaper.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(catalog_.Describe("later").ok());
  now_ += 6 * kSecond;
  for (int i = 0; i < 500 && catalog_.Describe("later").ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reaper.Stop();
  EXPECT_FALSE(catalog_.Describe("later").ok());
}

}  // namespace
}  // namespace volumed::admin
