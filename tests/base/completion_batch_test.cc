// base/completion_batch.h: work runs at once without a batch, at the close of the
// outermost batch with one, in order, work deferred while the batch runs joins the run,
// and a batch is one thread's own.
#include "base/completion_batch.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace volumed {
namespace {

TEST(CompletionBatchTest, WithoutABatchWorkRunsAtOnce) {
  int runs = 0;
  CompletionBatch::Defer([&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

TEST(CompletionBatchTest, WorkRunsInOrderWhenTheOutermostBatchCloses) {
  std::vector<int> order;
  {
    CompletionBatch outer;
    CompletionBatch::Defer([&] { order.push_back(1); });
    {
      CompletionBatch inner;
      CompletionBatch::Defer([&] { order.push_back(2); });
    }
    EXPECT_TRUE(order.empty());  // the inner batch runs nothing
    CompletionBatch::Defer([&] { order.push_back(3); });
    EXPECT_TRUE(order.empty());
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  CompletionBatch::Defer([&] { order.push_back(4); });  // closed: at once again
  EXPECT_EQ(order.size(), 4u);
}

TEST(CompletionBatchTest, WorkDeferredWhileTheBatchRunsJoinsTheRun) {
  std::vector<int> order;
  {
    CompletionBatch batch;
    CompletionBatch::Defer([&] {
      order.push_back(1);
      CompletionBatch::Defer([&] { order.push_back(3); });
      order.push_back(2);
    });
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(CompletionBatchTest, ABatchHoldsOnlyItsOwnThreadsWork) {
  int other_thread_runs = 0;
  {
    CompletionBatch batch;
    std::thread t([&] { CompletionBatch::Defer([&] { ++other_thread_runs; }); });
    t.join();
    EXPECT_EQ(other_thread_runs, 1);  // no batch on that thread
  }
}

}  // namespace
}  // namespace volumed
