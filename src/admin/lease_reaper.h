// LeaseReaper: deletes ephemeral volumes whose lease has lapsed. A thread calls
// VolumeCatalog::CollectExpired once at start (so a lease that lapsed while the server
// was down is collected at once) and then every `period`. For each volume collected it
// calls `on_deleted(id, name)` (AdminService::NotifyDeleted: drop its locks); the catalog
// itself makes the volume's handles STALE and removes its data.
//
// Thread-safety: Start/Stop from one owner thread; RunOnce is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin_service.h"
#include "base/periodic_thread.h"
#include "base/result.h"
#include "storage/catalog.h"

namespace volumed::admin {

class LeaseReaper {
 public:
  using OnDeleted = std::function<void(uint64_t volume_id, std::string_view name)>;

  LeaseReaper(storage::VolumeCatalog* catalog, std::chrono::milliseconds period,
              OnDeleted on_deleted, NowFn now = WallNowNs);
  ~LeaseReaper();  // stops the thread

  LeaseReaper(const LeaseReaper&) = delete;
  LeaseReaper& operator=(const LeaseReaper&) = delete;

  // One pass: collects what has lapsed by now; returns the names collected.
  Result<std::vector<std::string>> RunOnce();

  void Start();
  void Stop();

 private:
  storage::VolumeCatalog* const catalog_;
  const std::chrono::milliseconds period_;
  const OnDeleted on_deleted_;
  const NowFn now_;

  std::mutex run_mu_;                       // one pass at a time
  std::unique_ptr<PeriodicThread> thread_;  // while started
};

}  // namespace volumed::admin
