#include "storage/rados/rados_lease_lock.h"

#include <sys/time.h>

#include <list>

#include "base/logging.h"
#include "storage/rados/rados_errors.h"
#include "storage/rados/rados_names.h"

namespace volumed::storage::rados {
namespace {

const std::string kLock(kLockObject);
const std::string kName(kLockName);
const std::string kOwner(kOwnerXattr);

// A fenced client can never come back (a new one has a new address nonce), so the entry
// only has to outlive any pause of the old process: a day.
constexpr uint32_t kBlocklistSeconds = 24 * 3600;

}  // namespace

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RadosLeaseLock::RadosLeaseLock(librados::Rados* cluster, librados::IoCtx* io, std::string gateway,
                               std::string cookie, std::chrono::seconds lease,
                               std::atomic<int64_t>* valid_until)
    : cluster_(cluster),
      io_(io),
      gateway_(std::move(gateway)),
      cookie_(std::move(cookie)),
      lease_(lease),
      valid_until_(valid_until) {}

int RadosLeaseLock::TryLock(uint8_t flags) {
  struct timeval duration = {static_cast<time_t>(lease_.count()), 0};
  const int64_t sent = SteadyNowNs();
  const int r =
      io_->lock_exclusive(kLock, kName, cookie_, "volumed gateway " + gateway_, &duration, flags);
  if (r == 0) {
    valid_until_->store(sent + std::chrono::nanoseconds(lease_).count(), std::memory_order_release);
  }
  return r;
}

leveldb::Status RadosLeaseLock::Fence(const std::string& address) {
  LOG_WARN("rados: fencing the previous owner {} of namespace '{}' before taking it over", address,
           io_->get_namespace());
  int r = cluster_->blocklist_add(address, kBlocklistSeconds);
  if (r < 0) return RadosError(r, "blocklist", address);
  r = cluster_->wait_for_latest_osdmap();
  if (r < 0) return RadosError(r, "wait for osdmap after blocklisting", address);
  return leveldb::Status::OK();
}

leveldb::Status RadosLeaseLock::Acquire() {
  std::lock_guard<std::mutex> l(mu_);
  int r = TryLock(0);
  if (Classify(r) == RadosOutcome::kBusy) {
    int exclusive = 0;
    std::string tag;
    std::list<librados::locker_t> lockers;
    r = io_->list_lockers(kLock, kName, &exclusive, &tag, &lockers);
    if (r < 0) return RadosError(r, "list lockers", kLock);
    if (!lockers.empty()) {
      const librados::locker_t& holder = lockers.front();
      if (GatewayOfCookie(holder.cookie) != gateway_ || holder.cookie == cookie_) {
        return leveldb::Status::IOError(
            "volume directory '" + io_->get_namespace() + "'",
            "owned by gateway '" + std::string(GatewayOfCookie(holder.cookie)) + "' (" +
                holder.client + " at " + holder.address + ") whose lease has not lapsed");
      }
      // Our own earlier incarnation (a restart after a crash): fence it, then break its
      // lock.
      leveldb::Status s = Fence(holder.address);
      if (!s.ok()) return s;
      fenced_ = holder.address;
      r = io_->break_lock(kLock, kName, holder.client, holder.cookie);
      if (r < 0 && Classify(r) != RadosOutcome::kNotFound) {
        return RadosError(r, "break lock", kLock);
      }
    }
    r = TryLock(0);
  }
  if (r < 0) return RadosError(r, "lock", kLock);
  held_ = true;
  return RecordOwner();
}

// Fences whoever owned the directory last without letting go, then records us.
leveldb::Status RadosLeaseLock::RecordOwner() {
  int exclusive = 0;
  std::string tag;
  std::list<librados::locker_t> lockers;
  int r = io_->list_lockers(kLock, kName, &exclusive, &tag, &lockers);
  if (r < 0) return RadosError(r, "list lockers", kLock);
  std::string mine;
  for (const auto& l : lockers) {
    if (l.cookie == cookie_) mine = l.address;
  }
  if (mine.empty())
    return leveldb::Status::IOError(kLock, "our lock vanished right after taking it");
  librados::bufferlist previous;
  r = io_->getxattr(kLock, kOwner.c_str(), previous);
  if (r < 0 && Classify(r) != RadosOutcome::kNotFound) return RadosError(r, "getxattr", kLock);
  if (r > 0 && previous.to_str() != mine && previous.to_str() != fenced_) {
    leveldb::Status s = Fence(previous.to_str());
    if (!s.ok()) return s;
  }
  librados::bufferlist bl;
  bl.append(mine.data(), mine.size());
  r = io_->setxattr(kLock, kOwner.c_str(), bl);
  if (r < 0) return RadosError(r, "setxattr", kLock);
  return leveldb::Status::OK();
}

leveldb::Status RadosLeaseLock::Renew() {
  std::lock_guard<std::mutex> l(mu_);
  if (!held_) return leveldb::Status::OK();
  const int r = TryLock(LIBRADOS_LOCK_FLAG_MUST_RENEW);
  return r < 0 ? RadosError(r, "renew lock", kLock) : leveldb::Status::OK();
}

leveldb::Status RadosLeaseLock::Release() {
  std::lock_guard<std::mutex> l(mu_);
  if (!held_) return leveldb::Status::OK();
  held_ = false;
  int r = io_->rmxattr(kLock, kOwner.c_str());
  if (r < 0 && Classify(r) != RadosOutcome::kNotFound) return RadosError(r, "rmxattr", kLock);
  r = io_->unlock(kLock, kName, cookie_);
  if (r < 0 && Classify(r) != RadosOutcome::kNotFound) return RadosError(r, "unlock", kLock);
  valid_until_->store(kUnowned, std::memory_order_release);
  return leveldb::Status::OK();
}

}  // namespace volumed::storage::rados
