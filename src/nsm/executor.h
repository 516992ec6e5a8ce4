// DelayedExecutor: a few threads that run posted tasks, each after an optional delay.
// The lock manager's outbound calls (NLM GRANTED_MSG and _RES callbacks, NSM SM_NOTIFY)
// run here, never on the RPC workers, because a call to an unreachable client blocks
// for its whole timeout.
//
// Thread-safety: thread-safe. Tasks still queued at destruction are dropped unrun;
// the destructor waits for running ones.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace volumed::nsm {

class DelayedExecutor {
 public:
  explicit DelayedExecutor(size_t threads);
  ~DelayedExecutor();
  DelayedExecutor(const DelayedExecutor&) = delete;
  DelayedExecutor& operator=(const DelayedExecutor&) = delete;

  void Post(std::function<void()> task,
            std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  // Drops queued tasks and waits for running ones; later Posts are ignored. The executor
  // stays a valid object meanwhile, so a running task may still Post (a retry, a follow-up)
  // — which is why owners call this first instead of destroying it (reset() would make
  // their pointer null while its tasks still run). Idempotent; the destructor calls it.
  void Shutdown();
  // Tasks queued or running now.
  size_t pending() const;

 private:
  using Clock = std::chrono::steady_clock;
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Ordered by due time, then by posting order.
  std::multimap<Clock::time_point, std::function<void()>> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace volumed::nsm
