#include "metrics/storage_metrics.h"

#include <algorithm>

namespace volumed::metrics {

StorageMetrics& StorageMetrics::Global() {
  static StorageMetrics* metrics = new StorageMetrics();  // never destroyed: sync threads may
                                                          // outlive main
  return *metrics;
}

void StorageMetrics::SyncDone(uint64_t waiters, int64_t duration_ns, bool ok) {
  syncs_.fetch_add(1, std::memory_order_relaxed);
  if (!ok) failures_.fetch_add(1, std::memory_order_relaxed);
  duration_.Observe(kLatencyBoundsNs, static_cast<uint64_t>(std::max<int64_t>(0, duration_ns)));
  group_size_.Observe(kGroupBounds, waiters);
}

void StorageMetrics::WriteTo(ExpositionWriter& out) const {
  out.Family("volumed_storage_log_syncs_total", MetricType::kCounter,
             "Syncs (fsync) of a volume's LevelDB log made for durable operations.");
  out.Sample("volumed_storage_log_syncs_total", {},
             static_cast<double>(syncs_.load(std::memory_order_relaxed)));
  out.Family("volumed_storage_log_sync_failures_total", MetricType::kCounter,
             "Log syncs that failed (the write verifier changes; clients resend).");
  out.Sample("volumed_storage_log_sync_failures_total", {},
             static_cast<double>(failures_.load(std::memory_order_relaxed)));

  const auto bounds = LatencyBoundsSeconds();
  const auto duration = duration_.Read();
  out.Family("volumed_storage_log_sync_duration_seconds", MetricType::kHistogram,
             "Time one log sync took.");
  out.Histogram("volumed_storage_log_sync_duration_seconds", {}, bounds.data(),
                duration.counts.data(), bounds.size(), static_cast<double>(duration.sum) / 1e9);

  std::array<double, kGroupBounds.size()> group_bounds{};
  std::copy(kGroupBounds.begin(), kGroupBounds.end(), group_bounds.begin());
  const auto group = group_size_.Read();
  out.Family("volumed_storage_group_commit_operations", MetricType::kHistogram,
             "Operations made durable by one log sync (group commit).");
  out.Histogram("volumed_storage_group_commit_operations", {}, group_bounds.data(),
                group.counts.data(), group_bounds.size(), static_cast<double>(group.sum));
}

}  // namespace volumed::metrics
