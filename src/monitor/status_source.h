// StatusSource: one consistent-enough picture of the server for /metrics, the status
// pages and `volumectl top` — every volume's record, usage, mounts, locks and activity,
// the NLM grace period, and the recent call rate.
//
// Where each figure comes from, and why none of it blocks the RPC workers:
//   - the volume list: VolumeCatalog::List (a scan of the small catalog LevelDB, as
//     `volumectl list` does; no catalog lock);
//   - usage (bytes, files): StatFs of volumes that are open now (VolumeCatalog::Peek,
//     which neither opens a volume nor counts as a use, so a scrape never keeps an idle
//     volume open). A volume closed since it was last seen open shows that last usage,
//     marked as such; one not opened since the server started shows none;
//   - damaged: the catalog's record of volumes whose store failed to open (Peek);
//   - LevelDB figures (tables, memtable, compaction bytes) of open volumes, and the shared
//     block cache's use: LevelDB properties, read without I/O;
//   - mounts: the MOUNT service's in-memory list; locks: the NLM lock manager's (both
//     in-memory, their mutexes are never held across I/O);
//   - bytes read/written and calls per procedure: metrics/volume_activity.h (atomics);
//   - the call rate: a sampler thread reads the RPC counters (atomics) every 5 s and
//     keeps the last minute.
//   - the READDIRPLUS listing cache's figures (nfs3/listing_cache.h: its mutex, held for
//     a copy) and the read-ahead of every volume (VolumeCatalog::TotalReadAhead: atomics).
//
// Thread-safety: thread-safe; Collect may run on several HTTP threads at once (the
// last-known-usage cache has its own mutex, held for map updates only).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/periodic_thread.h"
#include "metrics/volume_activity.h"
#include "mount/mount_service.h"
#include "nfs3/listing_cache.h"
#include "nlm/lock_manager.h"
#include "storage/catalog.h"

namespace volumed::nlm {
class LockServices;
}

namespace volumed::monitor {

struct VolumeStatus {
  storage::VolumeInfo info;
  bool open = false;         // open now: usage is live
  bool usage_known = false;  // live, or as last seen open
  uint64_t used_bytes = 0;
  uint64_t used_files = 0;
  bool damaged = false;
  storage::StoreStats store;              // LevelDB's figures; only while open
  std::vector<mount::MountEntry> mounts;  // entries whose path is in this volume
  uint64_t locks_held = 0;
  uint64_t locks_waiting = 0;
  std::vector<nlm::LockReportEntry> locks;  // filled only by CollectVolume
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  std::array<uint64_t, metrics::VolumeActivity::kProcedures> calls{};  // by NFS procedure
};

struct ServerStatus {
  int64_t now_ns = 0;                     // wall clock
  int64_t started_ns = 0;                 // wall clock of the server's start
  bool catalog_ok = true;                 // false: the volume list could not be read
  std::string catalog_error;              // why
  bool grace_active = false;              // NLM grace period after a restart
  double calls_per_second = 0;            // over the last minute (or since start, if shorter)
  uint64_t block_cache_bytes = 0;         // LevelDB's shared block cache
  nfs3::ListingCacheStats listing_cache;  // zero when there is none
  storage::ReadAheadStats read_ahead;     // every volume's, since the server started
  uint64_t read_ahead_in_flight = 0;      // prefetches queued or running now
  std::vector<VolumeStatus> volumes;      // by name
};

class StatusSource {
 public:
  // `locks` may be null (no lock figures), so may `listings` (no listing cache figures);
  // the others are required. All must outlive it.
  StatusSource(storage::VolumeCatalog* catalog, const mount::MountService* mounts,
               nlm::LockServices* locks, const nfs3::ListingCache* listings = nullptr);
  ~StatusSource();
  StatusSource(const StatusSource&) = delete;
  StatusSource& operator=(const StatusSource&) = delete;

  // Every volume; lock entries are not listed (only counted).
  ServerStatus Collect();
  // One volume with its lock entries; NotFound if there is no such volume.
  Result<VolumeStatus> CollectVolume(std::string_view name);
  // Server-wide figures only (no volumes).
  ServerStatus CollectServer();

 private:
  VolumeStatus Describe(const storage::VolumeInfo& info,
                        const std::vector<mount::MountEntry>& mounts, bool list_locks);
  void SampleRate();

  storage::VolumeCatalog* const catalog_;
  const mount::MountService* const mounts_;
  nlm::LockServices* const locks_;
  const nfs3::ListingCache* const listings_;
  const int64_t started_ns_;

  struct Usage {
    uint64_t bytes = 0;
    uint64_t files = 0;
  };
  std::mutex mu_;
  std::map<uint64_t, Usage> last_usage_;  // guarded by mu_: by volume id
  struct RateSample {
    int64_t mono_ns = 0;
    uint64_t calls = 0;
  };
  std::deque<RateSample> samples_;           // guarded by mu_: the last minute, oldest first
  std::unique_ptr<PeriodicThread> sampler_;  // last: starts once the members above are set
};

// The volume a MOUNT path ("/NAME" or "/NAME/sub/dir") is in.
std::string_view VolumeOfMountPath(std::string_view path);

}  // namespace volumed::monitor
