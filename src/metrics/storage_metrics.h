// StorageMetrics: the stores' durability figures for /metrics — log syncs (fsyncs of a
// volume's LevelDB log) and their failures, how long each took, and how many waiting
// operations each one made durable at once (the group-commit size, DESIGN.md §5).
// storage/durability.cc reports each sync; the metrics module knows nothing of storage.
//
// Thread-safety: thread-safe and lock-free (relaxed atomics, metrics/histogram.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "metrics/exposition.h"
#include "metrics/histogram.h"

namespace volumed::metrics {

class StorageMetrics {
 public:
  static constexpr std::array<uint64_t, 11> kGroupBounds = {1,  2,   4,   8,   16,  32,
                                                            64, 128, 256, 512, 1024};

  static StorageMetrics& Global();

  // One log sync that took `duration_ns`, answered `waiters` operations, and `ok`.
  void SyncDone(uint64_t waiters, int64_t duration_ns, bool ok);
  void WriteTo(ExpositionWriter& out) const;

 private:
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> failures_{0};
  LatencyHistogram duration_;
  Histogram<kGroupBounds.size()> group_size_;
};

}  // namespace volumed::metrics
