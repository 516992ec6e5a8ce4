#include "monitor/status_source.h"

#include <algorithm>

#include "base/clock.h"
#include "nlm/lock_services.h"
#include "rpc/call_metrics.h"

namespace volumed::monitor {
namespace {

constexpr auto kSamplePeriod = std::chrono::seconds(5);
constexpr int64_t kRateWindowNs = 60 * kNanosPerSecond;

}  // namespace

std::string_view VolumeOfMountPath(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  return path.substr(0, path.find('/'));
}

StatusSource::StatusSource(storage::VolumeCatalog* catalog, const mount::MountService* mounts,
                           nlm::LockServices* locks, const nfs3::ListingCache* listings)
    : catalog_(catalog),
      mounts_(mounts),
      locks_(locks),
      listings_(listings),
      started_ns_(WallNowNs()) {
  SampleRate();
  sampler_ = std::make_unique<PeriodicThread>(
      std::chrono::duration_cast<std::chrono::milliseconds>(kSamplePeriod),
      PeriodicThread::First::kAfterPeriod, [this] { SampleRate(); });
}

StatusSource::~StatusSource() { sampler_->Stop(); }

void StatusSource::SampleRate() {
  const RateSample sample{MonotonicNowNs(), rpc::CallMetrics::Global().TotalCalls()};
  std::lock_guard lock(mu_);
  samples_.push_back(sample);
  // Keep one sample at least a minute old, so the window spans the whole minute.
  while (samples_.size() > 2 && sample.mono_ns - samples_[1].mono_ns >= kRateWindowNs) {
    samples_.pop_front();
  }
}

ServerStatus StatusSource::CollectServer() {
  ServerStatus out;
  out.now_ns = WallNowNs();
  out.started_ns = started_ns_;
  out.grace_active = locks_ != nullptr && locks_->nlm().InGrace();
  out.block_cache_bytes = catalog_->BlockCacheBytes();
  if (listings_ != nullptr) out.listing_cache = listings_->stats();
  out.read_ahead = catalog_->TotalReadAhead();
  out.read_ahead_in_flight = catalog_->ReadAheadInFlight();
  const RateSample now{MonotonicNowNs(), rpc::CallMetrics::Global().TotalCalls()};
  std::lock_guard lock(mu_);
  if (!samples_.empty()) {
    const RateSample& first = samples_.front();
    const double seconds = static_cast<double>(now.mono_ns - first.mono_ns) / 1e9;
    if (seconds > 0.5)
      out.calls_per_second = static_cast<double>(now.calls - first.calls) / seconds;
  }
  return out;
}

VolumeStatus StatusSource::Describe(const storage::VolumeInfo& info,
                                    const std::vector<mount::MountEntry>& mounts, bool list_locks) {
  VolumeStatus v;
  v.info = info;
  const storage::VolumeCatalog::PeekResult peek = catalog_->Peek(info.id);
  v.damaged = peek.damaged;
  if (peek.volume != nullptr) {
    if (auto fs = peek.volume->StatFs(); fs.ok()) {
      v.open = v.usage_known = true;
      v.used_bytes = fs->used_bytes;
      v.used_files = fs->used_files;
      v.store = peek.volume->Stats();
      std::lock_guard lock(mu_);
      last_usage_[info.id] = {v.used_bytes, v.used_files};
    }
  }
  if (!v.usage_known) {
    std::lock_guard lock(mu_);
    if (auto it = last_usage_.find(info.id); it != last_usage_.end()) {
      v.usage_known = true;
      v.used_bytes = it->second.bytes;
      v.used_files = it->second.files;
    }
  }
  for (const mount::MountEntry& m : mounts) {
    if (VolumeOfMountPath(m.path) == info.name) v.mounts.push_back(m);
  }
  if (locks_ != nullptr) {
    for (const nlm::LockReportEntry& e : locks_->locks().ListVolume(info.id)) {
      ++(e.waiting ? v.locks_waiting : v.locks_held);
      if (list_locks) v.locks.push_back(e);
    }
  }
  if (const auto* activity = metrics::VolumeActivity::Global().Peek(info.id)) {
    v.bytes_read = activity->bytes_read.load(std::memory_order_relaxed);
    v.bytes_written = activity->bytes_written.load(std::memory_order_relaxed);
    for (size_t p = 0; p < v.calls.size(); ++p) {
      v.calls[p] = activity->calls[p].load(std::memory_order_relaxed);
    }
  }
  return v;
}

ServerStatus StatusSource::Collect() {
  ServerStatus out = CollectServer();
  auto list = catalog_->List();
  if (!list.ok()) {
    out.catalog_ok = false;
    out.catalog_error = list.status().ToString();
    return out;
  }
  std::sort(list->begin(), list->end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  const std::vector<mount::MountEntry> mounts = mounts_->Mounts();
  for (const storage::VolumeInfo& info : *list) {
    out.volumes.push_back(Describe(info, mounts, /*list_locks=*/false));
  }
  return out;
}

Result<VolumeStatus> StatusSource::CollectVolume(std::string_view name) {
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  return Describe(info, mounts_->Mounts(), /*list_locks=*/true);
}

}  // namespace volumed::monitor
