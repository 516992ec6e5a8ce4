// RadosPoolCapacity: the RADOS store's size for FSSTAT — the pool's figures as `ceph df`
// shows them (the monitors' "df" command): total = STORED + MAX AVAIL, available = MAX
// AVAIL, where MAX AVAIL already accounts for the pool's replication (or erasure coding),
// the OSDs' full ratio and how CRUSH spreads the pool. Asking the monitors costs a round
// trip and Ceph refreshes these figures every few seconds, so the answer is kept for
// `refresh` and FSSTATs in between are served from it.
//
// The figures come from the ceph-mgr: a cluster without one (or one that has not reported
// yet) has none, and Capacity() then fails, so FSSTAT falls back to its nominal size.
// Needs the cephx cap `mon 'allow r'` (within `profile rbd`).
//
// Capacity() never waits for the cluster: FSSTAT may run on the RPC reactor, and a
// monitor command blocks for as long as the monitors do not answer. A thread of its own
// asks the monitors every `refresh` and Capacity() answers the last figures (an error
// until the first answer).
//
// Thread-safety: thread-safe.
#pragma once

#include <rados/librados.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "storage/store_capacity.h"

namespace volumed::storage::rados {

class RadosPoolCapacity final : public CapacitySource {
 public:
  // `cluster` is connected and outlives this. Starts the refresh thread.
  RadosPoolCapacity(librados::Rados* cluster, std::string pool,
                    std::chrono::milliseconds refresh = std::chrono::seconds(5));
  // Stops the refresh thread (waits for a monitor command it is in).
  ~RadosPoolCapacity() override;

  Result<StoreSpace> Capacity() override;

 private:
  Result<StoreSpace> Fetch();
  void Refresh(std::stop_token stop);

  librados::Rados* const cluster_;
  const std::string pool_;
  const std::chrono::milliseconds refresh_;
  std::mutex mu_;
  std::condition_variable_any cv_;  // wakes the refresh thread to stop
  Result<StoreSpace> last_;         // guarded by mu_
  bool reported_unknown_ = false;   // guarded by mu_: logged once
  std::jthread refresher_;          // last: starts after the members it uses
};

// The pool `pool`'s figures in the monitors' "df" JSON (exposed for tests): an error
// when the JSON is not df's or names no such pool, or the pool's figures are all zero
// (no ceph-mgr has reported yet).
Result<StoreSpace> PoolSpaceFromDf(const std::string& df_json, const std::string& pool);

}  // namespace volumed::storage::rados
