#include "base/coalescing_task.h"

#include <algorithm>
#include <utility>

namespace volumed {

CoalescingTask::CoalescingTask(Executor* executor, std::function<void()> work)
    : executor_(executor), state_(std::make_shared<State>()) {
  state_->work = std::move(work);
}

void CoalescingTask::Request(std::chrono::milliseconds delay) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped || state_->queued) return;
    if (state_->running) {
      state_->again_delay = state_->again ? std::min(state_->again_delay, delay) : delay;
      state_->again = true;
      return;
    }
    state_->queued = true;
  }
  Post(executor_, state_, delay);
}

void CoalescingTask::Stop() {
  std::unique_lock lock(state_->mu);
  state_->stopped = true;
  state_->idle_cv.wait(lock, [&] { return !state_->running; });
}

void CoalescingTask::Post(Executor* executor, const std::shared_ptr<State>& state,
                          std::chrono::milliseconds delay) {
  // The executor is captured as a raw pointer: it outlives Stop(), after which a queued
  // run returns before touching it.
  executor->Post([executor, state] { Run(executor, state); }, delay);
}

void CoalescingTask::Run(Executor* executor, const std::shared_ptr<State>& state) {
  {
    std::lock_guard lock(state->mu);
    state->queued = false;
    if (state->stopped) return;
    state->running = true;
  }
  state->work();
  bool again;
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(state->mu);
    state->running = false;
    again = state->again && !state->stopped;
    delay = state->again_delay;
    state->again = false;
    state->queued = again;
  }
  state->idle_cv.notify_all();
  if (again) Post(executor, state, delay);
}

}  // namespace volumed
