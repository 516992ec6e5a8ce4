#include "storage/durability.h"

#include <algorithm>

#include "base/clock.h"
#include "metrics/storage_metrics.h"
#include "storage/kv.h"

namespace volumed::storage {

Durability::Durability(Kv* kv, SyncScheduler* scheduler, bool syncs)
    : kv_(kv),
      scheduler_(scheduler),
      syncs_(syncs),
      max_syncs_(std::max<size_t>(1, scheduler->threads())),
      overlap_waiters_(std::max<size_t>(1, scheduler->overlap_waiters())) {}

Durability::~Durability() { Close(); }

void Durability::Applied(uint64_t seq, bool needed) {
  std::lock_guard<std::mutex> l(mu_);
  applied_ = seq;
  if (needed && syncs_) needed_ = seq;
}

void Durability::NeedEverything() {
  std::lock_guard<std::mutex> l(mu_);
  if (syncs_) needed_ = applied_;
}

bool Durability::StartSyncLocked() {
  if (running_ >= max_syncs_) return false;
  const auto uncovered = static_cast<size_t>(std::count_if(
      waiters_.begin(), waiters_.end(), [&](const auto& w) { return w.first > covered_; }));
  if (uncovered < (running_ == 0 ? 1 : overlap_waiters_)) return false;
  // Every group numbered up to applied_ is in the log now; the sync starts later still.
  covered_ = applied_;
  ++running_;
  return true;
}

void Durability::WhenDurable(Done done) {
  Status answer;
  {
    std::unique_lock<std::mutex> l(mu_);
    if (needed_ > durable_ && !closed_) {
      if (!failed_.ok()) {
        answer = failed_;
      } else {
        waiters_.emplace_back(needed_, std::move(done));
        const bool start = StartSyncLocked();
        l.unlock();
        if (start) scheduler_->Schedule(this);
        return;
      }
    } else if (needed_ > durable_) {
      answer = Status(Status::Code::kStale, "volume closed before its changes were synced");
    }
  }
  done(answer);
}

void Durability::RunSync() {
  uint64_t target;
  Status failed;
  {
    std::lock_guard<std::mutex> l(mu_);
    target = applied_;
    covered_ = std::max(covered_, target);
    failed = failed_;
  }
  // Every group numbered up to `target` has been written to the log before this point;
  // one sync of the log makes all of them durable, whatever other syncs run beside it.
  const int64_t sync_start_ns = MonotonicNowNs();
  Status s = failed.ok() ? kv_->SyncLog() : failed;
  std::vector<std::pair<uint64_t, Done>> ready;
  bool again;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (s.ok()) {
      durable_ = std::max(durable_, target);
    } else {
      failed_ = s;
    }
    auto keep = std::partition(waiters_.begin(), waiters_.end(),
                               [&](const auto& w) { return s.ok() && w.first > durable_; });
    std::move(keep, waiters_.end(), std::back_inserter(ready));
    waiters_.erase(keep, waiters_.end());
    --running_;
    // Waiters no running sync covers — too few to start one beside it, or every slot
    // taken — get the next one.
    again = StartSyncLocked();
    if (running_ == 0) idle_cv_.notify_all();
  }
  if (failed.ok()) {
    metrics::StorageMetrics::Global().SyncDone(ready.size(), MonotonicNowNs() - sync_start_ns,
                                               s.ok());
  }
  if (again) scheduler_->Schedule(this);
  for (auto& [seq, done] : ready) done(s);
}

void Durability::Close() {
  std::vector<std::pair<uint64_t, Done>> ready;
  Status s;
  {
    std::unique_lock<std::mutex> l(mu_);
    if (closed_) return;
    idle_cv_.wait(l, [&] { return running_ == 0; });
    closed_ = true;
    if (needed_ > durable_ && failed_.ok()) {
      l.unlock();
      s = kv_->SyncLog();
      l.lock();
      if (s.ok()) durable_ = needed_;
    }
    if (!failed_.ok()) s = failed_;
    ready.swap(waiters_);
  }
  for (auto& [seq, done] : ready) done(s);
}

}  // namespace volumed::storage
