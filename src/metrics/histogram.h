// Histogram: a fixed-bucket histogram for the hot path — observing is one bucket search
// over a handful of bounds and two relaxed atomic additions, with no lock and no
// allocation. Bounds are integers in the unit the caller counts in (nanoseconds for
// latencies, items for batch sizes); the exposition converts them (see Snapshot).
//
// Thread-safety: Observe is thread-safe and wait-free; Snapshot may run concurrently with
// it and sees each bucket at some recent value (counts and sum are not read atomically
// together, which Prometheus tolerates: the next scrape is consistent again).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace volumed::metrics {

template <size_t kBounds>
class Histogram {
 public:
  struct Snapshot {
    std::array<uint64_t, kBounds + 1> counts{};  // per bucket; the last is +Inf
    uint64_t sum = 0;
    uint64_t total() const {
      uint64_t n = 0;
      for (uint64_t c : counts) n += c;
      return n;
    }
  };

  void Observe(std::span<const uint64_t, kBounds> bounds, uint64_t value) {
    size_t i = 0;
    while (i < kBounds && value > bounds[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  Snapshot Read() const {
    Snapshot s;
    for (size_t i = 0; i <= kBounds; ++i) s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::array<std::atomic<uint64_t>, kBounds + 1> counts_{};
  std::atomic<uint64_t> sum_{0};
};

// Latency bounds shared by every RPC latency histogram: 100 µs .. 10 s, in nanoseconds.
inline constexpr std::array<uint64_t, 16> kLatencyBoundsNs = {
    100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
    10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
using LatencyHistogram = Histogram<kLatencyBoundsNs.size()>;

// kLatencyBoundsNs in seconds, for the exposition.
inline std::array<double, kLatencyBoundsNs.size()> LatencyBoundsSeconds() {
  std::array<double, kLatencyBoundsNs.size()> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(kLatencyBoundsNs[i]) / 1e9;
  return out;
}

}  // namespace volumed::metrics
