// The server's two clocks, read one way everywhere:
//   MonotonicNowNs  for intervals, deadlines and grace periods (never jumps);
//   WallNowNs       for times that are stored or shown: file times, creation and lease
//                   expiry times, seeds (the Unix epoch, in ns).
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>

namespace volumed {

inline int64_t MonotonicNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

}  // namespace volumed
