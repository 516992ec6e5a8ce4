// base/executor.h (order, delays, both shutdown policies) and base/periodic_thread.h.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "base/executor.h"
#include "base/periodic_thread.h"

namespace volumed {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Records task ids in the order they ran.
class Journal {
 public:
  void Add(int id) {
    std::lock_guard lock(mu_);
    ids_.push_back(id);
  }
  std::vector<int> ids() const {
    std::lock_guard lock(mu_);
    return ids_;
  }
  bool WaitForSize(size_t n) const {
    for (int i = 0; i < 500; ++i) {
      if (ids().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<int> ids_;
};

TEST(Executor, RunsDueTasksInPostingOrderAndDelayedOnesLater) {
  Journal journal;
  Executor ex(1, Executor::OnShutdown::kDropQueued);
  ex.Post([&] { journal.Add(3); }, 150ms);
  ex.Post([&] { journal.Add(1); });
  ex.Post([&] { journal.Add(2); });
  ASSERT_TRUE(journal.WaitForSize(3));
  EXPECT_EQ(journal.ids(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(ex.pending(), 0u);
}

// A thread waiting for a task due later is woken by an earlier one.
TEST(Executor, AnEarlierTaskDoesNotWaitForALaterOne) {
  Journal journal;
  Executor ex(1, Executor::OnShutdown::kDropQueued);
  ex.Post([&] { journal.Add(2); }, 10s);
  std::this_thread::sleep_for(20ms);  // the thread now waits for the 10 s task
  const auto posted = Clock::now();
  ex.Post([&] { journal.Add(1); }, 20ms);
  ASSERT_TRUE(journal.WaitForSize(1));
  EXPECT_LT(Clock::now() - posted, 3s);
  EXPECT_EQ(journal.ids(), (std::vector<int>{1}));
  EXPECT_EQ(ex.pending(), 1u);  // the 10 s task, dropped at destruction
}

TEST(Executor, RunQueuedShutdownRunsEveryQueuedTaskAtOnce) {
  Journal journal;
  Executor ex(2, Executor::OnShutdown::kRunQueued);
  for (int i = 0; i < 20; ++i) ex.Post([&journal, i] { journal.Add(i); });
  ex.Post([&] { journal.Add(100); }, 1h);
  const auto start = Clock::now();
  ex.Shutdown();
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(journal.ids().size(), 21u);
  ex.Post([&] { journal.Add(200); });  // ignored once shut down
  ex.Shutdown();                       // idempotent
  EXPECT_EQ(journal.ids().size(), 21u);
}

TEST(Executor, DropQueuedShutdownDropsWhatHasNotStarted) {
  Journal journal;
  std::atomic<bool> running{false};
  std::atomic<bool> release{false};
  Executor ex(1, Executor::OnShutdown::kDropQueued);
  ex.Post([&] {
    running = true;
    while (!release) std::this_thread::sleep_for(1ms);
    journal.Add(1);
  });
  ex.Post([&] { journal.Add(2); });
  ex.Post([&] { journal.Add(3); }, 1h);
  while (!running) std::this_thread::sleep_for(1ms);
  std::thread releaser([&] {
    std::this_thread::sleep_for(50ms);
    release = true;
  });
  ex.Shutdown();  // waits for the running task, drops the other two
  releaser.join();
  EXPECT_EQ(journal.ids(), (std::vector<int>{1}));
  EXPECT_EQ(ex.pending(), 0u);
}

// A running task may still post (a retry) while its executor shuts down: ignored.
TEST(Executor, ATaskMayPostDuringShutdown) {
  std::atomic<int> runs{0};
  Executor ex(1, Executor::OnShutdown::kDropQueued);
  std::function<void()> again = [&] {
    ++runs;
    std::this_thread::sleep_for(5ms);
    ex.Post(again);
  };
  ex.Post(again);
  while (runs == 0) std::this_thread::sleep_for(1ms);
  ex.Shutdown();
  const int after = runs;
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(runs, after);
}

TEST(PeriodicThread, TicksAtOnceThenEveryPeriod) {
  std::atomic<int> ticks{0};
  PeriodicThread t(10ms, PeriodicThread::First::kAtOnce, [&] { ++ticks; });
  for (int i = 0; i < 500 && ticks < 3; ++i) std::this_thread::sleep_for(10ms);
  t.Stop();
  const int seen = ticks;
  EXPECT_GE(seen, 3);
  std::this_thread::sleep_for(40ms);
  EXPECT_EQ(ticks, seen);  // no tick after Stop
  t.Stop();                // idempotent
}

TEST(PeriodicThread, StopWakesALongWait) {
  std::atomic<int> ticks{0};
  const auto start = Clock::now();
  {
    PeriodicThread t(1h, PeriodicThread::First::kAfterPeriod, [&] { ++ticks; });
    std::this_thread::sleep_for(20ms);
  }  // destruction stops it
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(ticks, 0);
}

}  // namespace
}  // namespace volumed
