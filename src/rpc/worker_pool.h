// WorkerPool: a fixed set of threads running queued tasks in FIFO order. The reactor
// hands each decoded record to it; the worker decodes, executes and replies (one thread
// hop per request).
//
// Thread-safety: Submit may be called from any thread; Shutdown from one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace volumed::rpc {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  // Runs the tasks already queued, then joins every thread. Idempotent.
  void Shutdown();
  size_t queued() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace volumed::rpc
