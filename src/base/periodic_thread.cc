#include "base/periodic_thread.h"

#include <condition_variable>
#include <mutex>
#include <utility>

namespace volumed {

PeriodicThread::PeriodicThread(std::chrono::milliseconds period, First first,
                               std::function<void()> tick)
    : period_(period),
      first_(first),
      tick_(std::move(tick)),
      thread_([this](std::stop_token stop) { Loop(stop); }) {}

void PeriodicThread::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Loop(std::stop_token stop) {
  // Only this thread waits here; a stop request wakes it (condition_variable_any
  // registers a callback on the token).
  std::mutex mu;
  std::condition_variable_any wake;
  std::unique_lock lock(mu);
  if (first_ == First::kAtOnce && !stop.stop_requested()) tick_();
  while (true) {
    wake.wait_for(lock, stop, period_, [] { return false; });
    if (stop.stop_requested()) return;
    tick_();
  }
}

}  // namespace volumed
