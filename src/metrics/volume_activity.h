// VolumeActivity: per-volume NFS activity for /metrics and the status page — bytes read
// and written, and calls per NFS procedure — in a fixed table keyed by volume id.
//
// The request path finds a volume's entry by probing an open-addressing table (a hash of
// the id, then linear probing over relaxed atomic keys): no lock and no allocation once
// the volume has an entry. Its first call since the server started takes the table's
// mutex once to claim a slot. Forget (the volume was deleted) frees the slot for reuse.
// When all kCapacity slots hold live volumes, further volumes are not counted (Find
// returns null) and Untracked() says how many calls were missed that way.
//
// Thread-safety: thread-safe. Counter reads race benignly with increments (each counter
// is read at some recent value). An increment racing with the Forget of its own volume
// may land in the slot's next owner: only calls in flight on a volume being deleted.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace volumed::metrics {

class VolumeActivity {
 public:
  static constexpr size_t kCapacity = 8192;  // a power of two
  static constexpr size_t kProcedures = 22;  // NFS v3 procedures 0..21

  struct Counters {
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> bytes_written{0};
    std::array<std::atomic<uint64_t>, kProcedures> calls{};
  };

  static VolumeActivity& Global();

  // The volume's counters (claiming a slot on first use); null when the table is full.
  Counters* Find(uint64_t volume_id);
  // The volume's counters if it has any; never claims a slot (for readers).
  const Counters* Peek(uint64_t volume_id) const;
  // The volume was deleted: its slot (and counts) go.
  void Forget(uint64_t volume_id);
  uint64_t Untracked() const { return untracked_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint64_t kEmpty = 0;                 // volume ids start at 1
  static constexpr uint64_t kTombstone = ~uint64_t{0};  // a forgotten volume's slot

  size_t Probe(uint64_t volume_id) const;  // its slot index, or kCapacity

  std::array<std::atomic<uint64_t>, kCapacity> keys_{};
  std::array<Counters, kCapacity> counters_;
  std::mutex claim_mu_;  // claims and Forget
  std::atomic<uint64_t> untracked_{0};
};

}  // namespace volumed::metrics
