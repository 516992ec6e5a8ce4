// RoundDriver: the crash matrix's rounds. Each round runs the workload against a live
// volumed — one call at a time on one connection (workload.h), or, with clients × depth
// > 1, that many calls in flight from several connections (concurrent_workload.h) —
// SIGKILLs it at a random moment, checks the volume offline with storage fsck, restarts
// the server on the same data directory and verifies, through NFS:
//  - every acknowledged-stable byte and namespace change is there and nothing is half
//    applied (model.h), choosing for each operation in flight at the kill between "it
//    happened" and "it did not" — its paths must match one of the two whole — and only
//    "it happened" when a reply had revealed its effect;
//  - file handles from before the crash still name the same files;
//  - the write verifier differs from the previous server run's.
// Then it COMMITs every file and takes what it read as the next round's durable state.
//
// Thread-safety: one thread (plus the killer thread it starts per round).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/status.h"
#include "concurrent_workload.h"
#include "model.h"
#include "nfs_ops.h"
#include "server.h"
#include "storage/catalog.h"
#include "workload.h"

namespace volumed::crashmatrix {

struct DriverOptions {
  uint64_t rounds = 10;
  uint64_t seed = 1;
  uint64_t kill_min_ms = 20;
  uint64_t kill_max_ms = 1500;
  int clients = 1;  // NFS connections; with depth, > 1 selects the concurrent workload
  int depth = 1;    // calls in flight per connection
  bool verbose = false;
  bool concurrent() const { return clients * depth > 1; }
};

struct DriverSummary {
  uint64_t rounds = 0;
  uint64_t inflight_applied = 0;      // in-flight namespace ops found applied
  uint64_t inflight_not_applied = 0;  // ... found not applied
  uint64_t files_checked = 0;
  uint64_t bytes_checked = 0;
  WorkloadStats ops;
  ConcurrencyStats concurrency;  // concurrent mode only
  std::vector<std::string> problems;
};

class RoundDriver {
 public:
  // `store`: where the server keeps its catalog and volumes, for the offline fsck (null:
  // the embedded store under data_dir); it outlives the driver.
  RoundDriver(ServerLauncher* server, std::string data_dir, storage::StoreEnv* store,
              DriverOptions options)
      : server_(server),
        data_dir_(std::move(data_dir)),
        store_(store),
        options_(options),
        rng_(options.seed) {}

  // Runs every round; problems go into the summary; non-ok only when the harness itself
  // could not proceed (e.g. the server did not restart).
  Status Run(DriverSummary* summary);

 private:
  struct Connection {
    std::unique_ptr<RpcSession> nfs, mount;
    std::unique_ptr<NfsOps> ops;
  };
  Status Connect(Connection* c);
  Status Setup(NfsOps& ops);
  Status OfflineFsck(DriverSummary* summary, uint64_t round);
  // Reads the namespace and every file; fills `actual` and `found_handles`.
  Status ReadBack(NfsOps& ops, std::map<std::string, std::string>* actual,
                  std::map<std::string, Fh>* found_handles);
  // Runs one round's workload until the server is gone; fills what was in flight.
  Status RunWorkload(uint64_t round, DriverSummary* summary, std::vector<PendingChange>* pending,
                     std::string* inflight);
  Status Verify(NfsOps& ops, const std::vector<PendingChange>& pending, const std::string& inflight,
                DriverSummary* summary, uint64_t round);

  ServerLauncher* server_;
  std::string data_dir_;
  storage::StoreEnv* store_;
  DriverOptions options_;
  std::mt19937_64 rng_;
  World world_;
  std::map<std::string, Fh> handles_;
  std::map<std::string, Fh> dirs_;
  Fh anchor_;  // a file the workload never touches: COMMIT on it yields the run's verifier
  Verifier verifier_;
  uint64_t name_counter_ = 0;
};

}  // namespace volumed::crashmatrix
