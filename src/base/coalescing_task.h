// CoalescingTask: one piece of background work of one owner (a volume's reclaim) run on
// an Executor shared by many owners, so threads stay bounded whatever the number of
// owners. Request() asks for a run: requests while a run is queued coalesce into it, a
// request while it runs makes one more run follow; runs never overlap. Stop() lets a
// running run finish, waits for it, and afterwards nothing runs again (a queued run
// finds the task stopped and does nothing): the work function may use its owner freely
// until Stop returns, so owners call Stop before they go away. The executor's queue may
// outlive the task: what it holds is shared state, not the task.
//
// Thread-safety: thread-safe. Stop must not be called from the work function.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "base/executor.h"

namespace volumed {

class CoalescingTask {
 public:
  // `executor` must outlive Stop(); `work` runs on its threads.
  CoalescingTask(Executor* executor, std::function<void()> work);
  ~CoalescingTask() { Stop(); }
  CoalescingTask(const CoalescingTask&) = delete;
  CoalescingTask& operator=(const CoalescingTask&) = delete;

  // A run at once, or after `delay` (a retry's back-off), unless one is already queued
  // (a run requested while one runs follows it after the least delay asked for).
  void Request(std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  // Idempotent.
  void Stop();

 private:
  struct State {
    std::function<void()> work;
    std::mutex mu;
    std::condition_variable idle_cv;           // signalled when a run ends
    bool queued = false;                       // guarded by mu: posted, not yet started
    bool running = false;                      // guarded by mu
    bool again = false;                        // guarded by mu: requested while running
    std::chrono::milliseconds again_delay{0};  // guarded by mu: the least such delay
    bool stopped = false;                      // guarded by mu
  };
  static void Post(Executor* executor, const std::shared_ptr<State>& state,
                   std::chrono::milliseconds delay);
  static void Run(Executor* executor, const std::shared_ptr<State>& state);

  Executor* const executor_;
  const std::shared_ptr<State> state_;
};

}  // namespace volumed
