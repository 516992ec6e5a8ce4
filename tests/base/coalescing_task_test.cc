// base/coalescing_task.h: coalesced requests, a follow-up run for a request during a run,
// no overlap, delays, and Stop.
#include "base/coalescing_task.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/executor.h"

namespace volumed {
namespace {

using namespace std::chrono_literals;

// A latch the test opens: work or an executor thread blocked on it stays blocked until then.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

TEST(CoalescingTask, RequestsWhileQueuedMakeOneRun) {
  Executor ex(1, Executor::OnShutdown::kDropQueued);
  Gate gate;
  ex.Post([&] { gate.Wait(); });  // holds the only thread: requests stay queued
  std::atomic<int> runs{0};
  CoalescingTask task(&ex, [&] { ++runs; });
  for (int i = 0; i < 5; ++i) task.Request();
  gate.Open();
  ASSERT_TRUE(WaitUntil([&] { return ex.pending() == 0; }));
  EXPECT_EQ(runs.load(), 1);
}

TEST(CoalescingTask, ARequestDuringARunMakesOneMoreRunThatNeverOverlaps) {
  Executor ex(4, Executor::OnShutdown::kDropQueued);
  Gate gate;
  std::atomic<int> runs{0};
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  CoalescingTask task(&ex, [&] {
    const int now = ++inside;
    max_inside = std::max(max_inside.load(), now);
    if (++runs == 1) gate.Wait();
    --inside;
  });
  task.Request();
  ASSERT_TRUE(WaitUntil([&] { return runs.load() == 1; }));
  for (int i = 0; i < 3; ++i) task.Request();  // while the first run is blocked
  gate.Open();
  ASSERT_TRUE(WaitUntil([&] { return runs.load() == 2 && ex.pending() == 0; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(max_inside.load(), 1);
}

TEST(CoalescingTask, ADelayedRequestWaitsItsDelay) {
  Executor ex(1, Executor::OnShutdown::kDropQueued);
  std::atomic<int> runs{0};
  CoalescingTask task(&ex, [&] { ++runs; });
  const auto start = std::chrono::steady_clock::now();
  task.Request(150ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(runs.load(), 0);
  ASSERT_TRUE(WaitUntil([&] { return runs.load() == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST(CoalescingTask, StopWaitsForTheRunningRunAndNothingRunsAfterIt) {
  Executor ex(2, Executor::OnShutdown::kDropQueued);
  Gate gate;
  std::atomic<int> runs{0};
  std::atomic<bool> finished{false};
  auto task = std::make_unique<CoalescingTask>(&ex, [&] {
    ++runs;
    gate.Wait();
    finished = true;
  });
  task->Request();
  ASSERT_TRUE(WaitUntil([&] { return runs.load() == 1; }));
  task->Request();  // a follow-up run is due after this one
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    gate.Open();
  });
  task->Stop();
  EXPECT_TRUE(finished.load());  // Stop returned only after the run ended
  task.reset();
  opener.join();
  ASSERT_TRUE(WaitUntil([&] { return ex.pending() == 0; }));
  EXPECT_EQ(runs.load(), 1);  // the follow-up never ran

  // A run queued behind another task when its owner stops does nothing either.
  Gate hold;
  ex.Post([&] { hold.Wait(); });
  ex.Post([&] { hold.Wait(); });
  std::atomic<int> late{0};
  {
    CoalescingTask queued(&ex, [&] { ++late; });
    queued.Request();
  }  // destroyed (stopped) while its run is queued
  hold.Open();
  ASSERT_TRUE(WaitUntil([&] { return ex.pending() == 0; }));
  EXPECT_EQ(late.load(), 0);
}

}  // namespace
}  // namespace volumed
