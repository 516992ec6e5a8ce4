#include "base/executor.h"

#include <utility>

namespace volumed {

Executor::Executor(size_t threads, OnShutdown on_shutdown) : on_shutdown_(on_shutdown) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { Run(stop); });
  }
}

Executor::~Executor() { Shutdown(); }

void Executor::Post(std::function<void()> task, std::chrono::milliseconds delay) {
  {
    std::lock_guard lock(mu_);
    if (!accepting_) return;  // `task` is destroyed after the lock is released
    queue_.emplace(Clock::now() + delay, std::move(task));
  }
  cv_.notify_one();
}

void Executor::Shutdown() {
  std::multimap<Clock::time_point, std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    if (on_shutdown_ == OnShutdown::kDropQueued) dropped.swap(queue_);
  }
  for (std::jthread& t : threads_) t.request_stop();  // wakes every waiting thread
  for (std::jthread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

size_t Executor::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + running_;
}

void Executor::Run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (true) {
    if (queue_.empty()) {
      if (stop.stop_requested()) return;
      cv_.wait(lock, stop, [this] { return !queue_.empty(); });
      continue;
    }
    auto first = queue_.begin();
    // Once stopping, what is still queued is drained at once (kRunQueued; kDropQueued
    // emptied the queue already).
    if (!stop.stop_requested() && first->first > Clock::now()) {
      // Until it is due, or an earlier task arrives.
      const Clock::time_point due = first->first;
      cv_.wait_until(lock, stop, due,
                     [&] { return queue_.empty() || queue_.begin()->first < due; });
      continue;
    }
    std::function<void()> task = std::move(first->second);
    queue_.erase(first);
    ++running_;
    lock.unlock();
    task();
    task = nullptr;  // its captures die outside the lock, before the count drops
    lock.lock();
    --running_;
  }
}

}  // namespace volumed
