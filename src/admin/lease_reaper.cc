#include "admin/lease_reaper.h"

#include <map>
#include <utility>

#include "base/logging.h"

namespace volumed::admin {

LeaseReaper::LeaseReaper(storage::VolumeCatalog* catalog, std::chrono::milliseconds period,
                         OnDeleted on_deleted, NowFn now)
    : catalog_(catalog),
      period_(period),
      on_deleted_(std::move(on_deleted)),
      now_(std::move(now)) {}

LeaseReaper::~LeaseReaper() { Stop(); }

Result<std::vector<std::string>> LeaseReaper::RunOnce() {
  std::lock_guard<std::mutex> run(run_mu_);
  const int64_t now = now_();
  // CollectExpired reports names only, after the volumes are gone: remember the ids of
  // the candidates first so that their locks can be dropped by id.
  std::map<std::string, uint64_t, std::less<>> ids;
  if (auto all = catalog_->List(); all.ok()) {
    for (const storage::VolumeInfo& v : *all) {
      if (v.kind == storage::VolumeKind::kEphemeral) ids.emplace(v.name, v.id);
    }
  }
  VOLUMED_ASSIGN_OR_RETURN(std::vector<std::string> names, catalog_->CollectExpired(now));
  for (const std::string& name : names) {
    const auto it = ids.find(name);
    const uint64_t id = it == ids.end() ? 0 : it->second;
    LOG_INFO("lease reaper: ephemeral volume '{}' (id {}) lapsed and was deleted", name, id);
    if (on_deleted_ && id != 0) on_deleted_(id, name);
  }
  return names;
}

void LeaseReaper::Start() {
  if (thread_) return;
  thread_ = std::make_unique<PeriodicThread>(period_, PeriodicThread::First::kAtOnce, [this] {
    if (auto r = RunOnce(); !r.ok()) {
      LOG_WARN("lease reaper: collecting lapsed volumes failed: {}", r.status().ToString());
    }
  });
}

void LeaseReaper::Stop() { thread_.reset(); }

}  // namespace volumed::admin
