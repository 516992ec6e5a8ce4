#include "nlm/lock_manager.h"

#include "base/clock.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace volumed::nlm {
namespace {

bool Conflicts(const LockRecord& held, const LockRequest& req) {
  if (held.owner == req.owner) return false;
  if (!held.range.Overlaps(req.range)) return false;
  return held.mode == LockMode::kExclusive || req.mode == LockMode::kExclusive;
}

bool SameRequest(const LockRequest& a, const LockRequest& b) {
  return a.owner == b.owner && a.range == b.range && a.mode == b.mode;
}

bool ShareConflicts(const ShareRecord& held, const ShareRecord& req) {
  if (held.owner == req.owner) return false;
  return (req.access & held.deny) != 0 || (req.deny & held.access) != 0;
}

}  // namespace

LockManager::LockManager(std::function<int64_t()> now_ns)
    : now_ns_(now_ns ? std::move(now_ns) : MonotonicNowNs) {}

const LockRecord* LockManager::FindConflict(const FileState& st, const LockRequest& req) const {
  for (const LockRecord& held : st.locks) {
    if (Conflicts(held, req)) return &held;
  }
  return nullptr;
}

void LockManager::RemoveRange(FileState& st, const LockOwner& owner, const ByteRange& range) {
  std::vector<LockRecord> kept;
  kept.reserve(st.locks.size() + 1);
  for (LockRecord& held : st.locks) {
    if (!(held.owner == owner) || !held.range.Overlaps(range)) {
      kept.push_back(std::move(held));
      continue;
    }
    if (held.range.first < range.first) {
      LockRecord left = held;
      left.range.last = range.first - 1;
      kept.push_back(std::move(left));
    }
    if (range.last < held.range.last) {  // so range.last != kToEof
      LockRecord right = held;
      right.range.first = range.last + 1;
      kept.push_back(std::move(right));
    }
  }
  st.locks = std::move(kept);
}

void LockManager::Apply(FileState& st, const LockRequest& req, int64_t since_ns) {
  RemoveRange(st, req.owner, req.range);
  LockRecord merged{req.owner, req.range, req.mode, since_ns};
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto it = st.locks.begin(); it != st.locks.end(); ++it) {
      if (it->owner == merged.owner && it->mode == merged.mode && it->range.Touches(merged.range)) {
        merged.range.first = std::min(merged.range.first, it->range.first);
        merged.range.last = std::max(merged.range.last, it->range.last);
        merged.since_ns = std::min(merged.since_ns, it->since_ns);
        st.locks.erase(it);
        changed = true;
        break;
      }
    }
  }
  st.locks.push_back(std::move(merged));
}

void LockManager::GrantWaiters(const FileKey& file, FileState& st, std::vector<Grant>* grants) {
  for (auto it = st.waiters.begin(); it != st.waiters.end();) {
    if (FindConflict(st, it->req) != nullptr) {
      ++it;
      continue;
    }
    const int64_t now = now_ns_();
    Apply(st, it->req, now);
    grants->push_back(Grant{std::move(it->on_grant), file,
                            LockRecord{it->req.owner, it->req.range, it->req.mode, now}});
    it = st.waiters.erase(it);
  }
}

void LockManager::RunGrants(std::vector<Grant>& grants) {
  for (Grant& g : grants) {
    if (g.callback) g.callback(g.file, g.lock);
  }
}

std::optional<LockRecord> LockManager::Test(const FileKey& file, const LockRequest& req) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(file);
  if (it == files_.end()) return std::nullopt;
  const LockRecord* conflict = FindConflict(it->second, req);
  if (conflict == nullptr) return std::nullopt;
  return *conflict;
}

LockResult LockManager::Lock(const FileKey& file, const LockRequest& req, bool block,
                             GrantCallback on_grant) {
  std::lock_guard lock(mu_);
  FileState& st = files_[file];
  if (const LockRecord* conflict = FindConflict(st, req)) {
    LockResult result{block ? LockOutcome::kBlocked : LockOutcome::kDenied, *conflict};
    if (!block) {
      if (st.empty()) files_.erase(file);
      return result;
    }
    for (Waiter& w : st.waiters) {
      if (SameRequest(w.req, req)) {
        w.on_grant = std::move(on_grant);
        return result;
      }
    }
    st.waiters.push_back(Waiter{req, std::move(on_grant), now_ns_()});
    return result;
  }
  // A granted request supersedes the owner's identical queued one (a retransmission).
  std::erase_if(st.waiters, [&](const Waiter& w) { return SameRequest(w.req, req); });
  Apply(st, req, now_ns_());
  return LockResult{LockOutcome::kGranted, std::nullopt};
}

bool LockManager::Cancel(const FileKey& file, const LockRequest& req) {
  std::lock_guard lock(mu_);
  auto it = files_.find(file);
  if (it == files_.end()) return false;
  const size_t removed =
      std::erase_if(it->second.waiters, [&](const Waiter& w) { return SameRequest(w.req, req); });
  if (it->second.empty()) files_.erase(it);
  return removed > 0;
}

void LockManager::Unlock(const FileKey& file, const LockOwner& owner, const ByteRange& range) {
  std::vector<Grant> grants;
  {
    std::lock_guard lock(mu_);
    auto it = files_.find(file);
    if (it == files_.end()) return;
    FileState& st = it->second;
    std::erase_if(st.waiters, [&](const Waiter& w) {
      return w.req.owner == owner && range.first <= w.req.range.first &&
             w.req.range.last <= range.last;
    });
    RemoveRange(st, owner, range);
    GrantWaiters(file, st, &grants);
    if (st.empty()) files_.erase(it);
  }
  RunGrants(grants);
}

bool LockManager::Share(const FileKey& file, const ShareRecord& share) {
  std::lock_guard lock(mu_);
  FileState& st = files_[file];
  for (const ShareRecord& held : st.shares) {
    if (ShareConflicts(held, share)) {
      if (st.empty()) files_.erase(file);
      return false;
    }
  }
  std::erase_if(st.shares, [&](const ShareRecord& s) { return s.owner == share.owner; });
  st.shares.push_back(share);
  return true;
}

void LockManager::Unshare(const FileKey& file, const ShareOwner& owner) {
  std::lock_guard lock(mu_);
  auto it = files_.find(file);
  if (it == files_.end()) return;
  std::erase_if(it->second.shares, [&](const ShareRecord& s) { return s.owner == owner; });
  if (it->second.empty()) files_.erase(it);
}

size_t LockManager::ReleaseHostWhere(const std::string& host,
                                     const std::function<bool(const FileKey&)>& in) {
  std::vector<Grant> grants;
  size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    for (auto it = files_.begin(); it != files_.end();) {
      if (!in(it->first)) {
        ++it;
        continue;
      }
      FileState& st = it->second;
      const bool all = host.empty();
      dropped +=
          std::erase_if(st.locks, [&](const LockRecord& l) { return all || l.owner.host == host; });
      dropped += std::erase_if(st.shares,
                               [&](const ShareRecord& s) { return all || s.owner.host == host; });
      std::erase_if(st.waiters, [&](const Waiter& w) { return !all && w.req.owner.host == host; });
      GrantWaiters(it->first, st, &grants);
      it = st.empty() ? files_.erase(it) : std::next(it);
    }
  }
  RunGrants(grants);
  return dropped;
}

size_t LockManager::ReleaseHost(const std::string& host) {
  if (host.empty()) return 0;  // never "everyone" from a nameless notification
  return ReleaseHostWhere(host, [](const FileKey&) { return true; });
}

size_t LockManager::ReleaseHostInVolume(uint64_t volume_id, const std::string& host) {
  return ReleaseHostWhere(host, [&](const FileKey& f) { return f.volume_id == volume_id; });
}

size_t LockManager::ReleaseVolume(uint64_t volume_id) {
  std::lock_guard lock(mu_);
  size_t dropped = 0;
  auto it = files_.lower_bound(FileKey{volume_id, 0});
  while (it != files_.end() && it->first.volume_id == volume_id) {
    dropped += it->second.locks.size() + it->second.shares.size();
    it = files_.erase(it);
  }
  return dropped;
}

std::vector<LockReportEntry> LockManager::ListVolume(uint64_t volume_id) const {
  std::lock_guard lock(mu_);
  std::vector<LockReportEntry> out;
  for (auto it = files_.lower_bound(FileKey{volume_id, 0});
       it != files_.end() && it->first.volume_id == volume_id; ++it) {
    std::vector<LockRecord> held = it->second.locks;
    std::sort(held.begin(), held.end(), [](const LockRecord& a, const LockRecord& b) {
      return a.range.first < b.range.first;
    });
    for (LockRecord& l : held) out.push_back({it->first.inode, std::move(l), false});
    for (const Waiter& w : it->second.waiters) {
      out.push_back(
          {it->first.inode, LockRecord{w.req.owner, w.req.range, w.req.mode, w.since_ns}, true});
    }
  }
  return out;
}

std::vector<LockRecord> LockManager::LocksOf(const FileKey& file) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(file);
  if (it == files_.end()) return {};
  return it->second.locks;
}

std::vector<ShareRecord> LockManager::SharesOf(const FileKey& file) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(file);
  if (it == files_.end()) return {};
  return it->second.shares;
}

bool LockManager::HostIsActive(const std::string& host) const {
  std::lock_guard lock(mu_);
  for (const auto& [key, st] : files_) {
    for (const LockRecord& l : st.locks) {
      if (l.owner.host == host) return true;
    }
    for (const Waiter& w : st.waiters) {
      if (w.req.owner.host == host) return true;
    }
    for (const ShareRecord& s : st.shares) {
      if (s.owner.host == host) return true;
    }
  }
  return false;
}

size_t LockManager::lock_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, st] : files_) n += st.locks.size();
  return n;
}

}  // namespace volumed::nlm
