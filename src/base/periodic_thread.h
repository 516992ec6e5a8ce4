// PeriodicThread: a thread that calls `tick` every `period` until stopped — the lease
// reaper, the NSM sweep, volumectl's lease renewal and progress line. The first call is
// at once or after one period. Stop (or destruction) wakes the thread at once, lets a
// running tick finish and joins; no tick starts after Stop has begun.
//
// Thread-safety: Stop may be called from any thread but the ticking one; tick runs on
// the thread alone.
#pragma once

#include <chrono>
#include <functional>
#include <stop_token>
#include <thread>

namespace volumed {

class PeriodicThread {
 public:
  enum class First : unsigned char { kAtOnce, kAfterPeriod };

  PeriodicThread(std::chrono::milliseconds period, First first, std::function<void()> tick);
  ~PeriodicThread() { Stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Idempotent.
  void Stop();

 private:
  void Loop(std::stop_token stop);

  const std::chrono::milliseconds period_;
  const First first_;
  const std::function<void()> tick_;
  std::jthread thread_;  // last: starts once the members above are set
};

}  // namespace volumed
