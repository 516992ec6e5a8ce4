// OwnerCache: what GatewayForwarder needs of a volume whose calls it forwards — its name,
// its owner and its export policy — kept for a short time, so that a stream of forwarded
// calls costs no catalog read per call (without it: the volume record and its owner key,
// two reads of the shared catalog table, on every call).
//
// Correctness does not rest on the cache. The catalog's Serve reads the volume's owner
// afresh before a call is redirected (storage/catalog.h), so a volume this gateway has
// just been given (a move, an adoption) is served here and never reaches the forwarder,
// whatever an entry says. An entry can only send a call to a gateway that no longer owns
// the volume; that gateway refuses it (it never forwards a forwarded call) and the client
// retries after JUKEBOX. The forwarder drops an entry at once when that happens, when a
// call forwarded with it fails, or when it declines a call from it; and every entry is
// dropped `ttl` after it was read, so a policy change reaches forwarded calls within `ttl`.
//
// Bounds: at most `capacity` entries; entries are kept in the order they were read (which
// is the order they expire in), and the oldest goes when a new one needs room.
//
// Thread-safety: thread-safe (one mutex, held to look up, insert or drop; entries are
// immutable and shared).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/cidr.h"
#include "storage/catalog.h"

namespace volumed::services {

class OwnerCache {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    std::string name;   // for logs
    std::string owner;  // the gateway id ("": none)
    storage::ExportPolicy policy;
    std::vector<Cidr> clients;  // policy.allowed_cidrs, parsed
  };
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;  // absent or expired
    uint64_t invalidations = 0;
  };

  // `now` stands for the clock (tests).
  OwnerCache(Clock::duration ttl, size_t capacity,
             std::function<Clock::time_point()> now = &Clock::now);
  OwnerCache(const OwnerCache&) = delete;
  OwnerCache& operator=(const OwnerCache&) = delete;

  // Volume `id`'s entry if it was read less than `ttl` ago; null otherwise.
  std::shared_ptr<const Entry> Find(uint64_t id);
  // Keeps `entry`, just read from the catalog, for volume `id`; returns it.
  std::shared_ptr<const Entry> Put(uint64_t id, Entry entry);
  // Drops volume `id`'s entry, if any.
  void Invalidate(uint64_t id);

  size_t size() const;
  Stats stats() const;

 private:
  struct Item {
    uint64_t id;
    Clock::time_point read;
    std::shared_ptr<const Entry> entry;
  };
  using Fifo = std::list<Item>;  // oldest first

  // Drops the expired entries at the front, then the oldest while over capacity. Caller
  // holds mu_.
  void TrimLocked(Clock::time_point now);

  const Clock::duration ttl_;
  const size_t capacity_;
  const std::function<Clock::time_point()> now_;
  mutable std::mutex mu_;
  Fifo fifo_;                                           // guarded by mu_
  std::unordered_map<uint64_t, Fifo::iterator> index_;  // guarded by mu_
  Stats stats_;                                         // guarded by mu_
};

}  // namespace volumed::services
