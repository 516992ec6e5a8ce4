#include "metrics/volume_activity.h"

namespace volumed::metrics {
namespace {

size_t Home(uint64_t id) {
  // Fibonacci hashing: consecutive ids spread over the table.
  return static_cast<size_t>((id * 0x9E3779B97F4A7C15ull) >> 51) & (VolumeActivity::kCapacity - 1);
}

}  // namespace

VolumeActivity& VolumeActivity::Global() {
  static VolumeActivity* table = new VolumeActivity();  // never destroyed: workers may outlive main
  return *table;
}

size_t VolumeActivity::Probe(uint64_t volume_id) const {
  size_t i = Home(volume_id);
  for (size_t n = 0; n < kCapacity; ++n, i = (i + 1) & (kCapacity - 1)) {
    const uint64_t key = keys_[i].load(std::memory_order_acquire);
    if (key == volume_id) return i;
    if (key == kEmpty) return kCapacity;  // a chain ends at the first never-used slot
  }
  return kCapacity;
}

VolumeActivity::Counters* VolumeActivity::Find(uint64_t volume_id) {
  if (volume_id == kEmpty || volume_id == kTombstone) return nullptr;
  if (size_t i = Probe(volume_id); i < kCapacity) return &counters_[i];
  std::lock_guard lock(claim_mu_);
  if (size_t i = Probe(volume_id); i < kCapacity) return &counters_[i];  // claimed meanwhile
  size_t i = Home(volume_id);
  for (size_t n = 0; n < kCapacity; ++n, i = (i + 1) & (kCapacity - 1)) {
    const uint64_t key = keys_[i].load(std::memory_order_relaxed);
    if (key != kEmpty && key != kTombstone) continue;
    Counters& c = counters_[i];
    c.bytes_read.store(0, std::memory_order_relaxed);
    c.bytes_written.store(0, std::memory_order_relaxed);
    for (auto& calls : c.calls) calls.store(0, std::memory_order_relaxed);
    keys_[i].store(volume_id, std::memory_order_release);
    return &c;
  }
  untracked_.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

const VolumeActivity::Counters* VolumeActivity::Peek(uint64_t volume_id) const {
  if (volume_id == kEmpty || volume_id == kTombstone) return nullptr;
  const size_t i = Probe(volume_id);
  return i < kCapacity ? &counters_[i] : nullptr;
}

void VolumeActivity::Forget(uint64_t volume_id) {
  if (volume_id == kEmpty || volume_id == kTombstone) return;
  std::lock_guard lock(claim_mu_);
  // A tombstone, not kEmpty: later keys of the same probe chain must stay reachable.
  if (size_t i = Probe(volume_id); i < kCapacity)
    keys_[i].store(kTombstone, std::memory_order_release);
}

}  // namespace volumed::metrics
