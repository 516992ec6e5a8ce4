#include "nsm/executor.h"

namespace volumed::nsm {

DelayedExecutor::DelayedExecutor(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

DelayedExecutor::~DelayedExecutor() { Shutdown(); }

void DelayedExecutor::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void DelayedExecutor::Post(std::function<void()> task, std::chrono::milliseconds delay) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.emplace(Clock::now() + delay, std::move(task));
  }
  cv_.notify_one();
}

size_t DelayedExecutor::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + running_;
}

void DelayedExecutor::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_) return;
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = queue_.begin();
    if (first->first > Clock::now()) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    std::function<void()> task = std::move(first->second);
    queue_.erase(first);
    ++running_;
    lock.unlock();
    task();
    lock.lock();
    --running_;
  }
}

}  // namespace volumed::nsm
