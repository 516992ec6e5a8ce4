// Executor: a fixed set of threads running posted tasks, each at its due time (at once, or
// after a delay), earliest due first and, at equal times, in posting order. The one
// thread pool of the server: the RPC engine's workers (rpc::Server) and the lock
// manager's outbound calls (NLM GRANTED_MSG and _RES callbacks, NSM SM_NOTIFY, the NSM
// sweep) run on executors — the latter never on RPC workers, because a call to an
// unreachable client blocks its thread for the whole timeout.
//
// Shutdown stops the threads, after what the executor was built for:
//   kRunQueued  every task posted before Shutdown still runs (delayed ones without
//               waiting out their delay), then the threads end — a server's queued calls
//               are answered;
//   kDropQueued tasks not yet started are dropped unrun, running ones finish — a
//               callback to a client that may never answer is not worth waiting for.
// Either way Shutdown returns once every thread has ended; later Posts (also from a task
// still running) are ignored. The executor stays a valid object meanwhile, which is why
// owners call Shutdown first instead of destroying it (resetting a unique_ptr would make
// it null while its tasks still run). Idempotent; the destructor calls it.
//
// Thread-safety: thread-safe. Shutdown must not be called from one of its own tasks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace volumed {

class Executor {
 public:
  enum class OnShutdown : unsigned char { kRunQueued, kDropQueued };

  // At least one thread.
  Executor(size_t threads, OnShutdown on_shutdown);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Post(std::function<void()> task,
            std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  void Shutdown();
  // Tasks queued or running now.
  size_t pending() const;

 private:
  using Clock = std::chrono::steady_clock;
  void Run(std::stop_token stop);

  const OnShutdown on_shutdown_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  // Ordered by due time, then by posting order.
  std::multimap<Clock::time_point, std::function<void()>> queue_;  // guarded by mu_
  size_t running_ = 0;                                             // guarded by mu_
  bool accepting_ = true;                                          // guarded by mu_
  std::vector<std::jthread> threads_;
};

}  // namespace volumed
