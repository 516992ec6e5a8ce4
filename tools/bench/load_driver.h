// The load generator's engine: runs one Workload from C clients (one thread and one pair of
// TCP connections each), each keeping up to D units of work in flight, either for a fixed
// time or until the workload runs out of units, and reports the rate and the latency
// distribution of the units.
//
// A unit is what the workload counts (one NULL call, one file created and written, one
// 1 MiB write); it may take several RPCs in sequence. Timing starts when every client has
// connected and prepared, and ends when the last client has finished (Finish included,
// e.g. the final COMMIT of a streaming write).
//
// Thread-safety: Run() is called from one thread; it calls a Workload's Prepare,
// StartUnit and Finish from C threads at once, each with its own Client, so a workload
// keeps per-client state indexed by Client::index and shares only atomics between them.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "async_nfs.h"

namespace volumed::bench {

struct Client {
  int index = 0;
  AsyncNfs* nfs = nullptr;
  std::mt19937_64 rng;
};

class Workload {
 public:
  // `items`: what the unit adds to the reported figure (1 file, N bytes, N entries).
  using UnitDone = std::function<void(const Status&, uint64_t items)>;
  enum class Started { kYes, kNoneLeft };

  virtual ~Workload() = default;
  // Once, before any Prepare, on a client of its own (e.g. make a shared file).
  virtual Status Setup(Client&) { return Status::Ok(); }
  // Per client, before the clock starts (mount, look up handles).
  virtual Status Prepare(Client& c) = 0;
  // Starts the client's next unit; `done` runs from the client's Pump (or at once, on a
  // failure to queue). kNoneLeft when a count-bounded workload has no unit left.
  virtual Started StartUnit(Client& c, UnitDone done) = 0;
  // Per client after its last unit, still on the clock.
  virtual Status Finish(Client&) { return Status::Ok(); }
  // Most units in flight per client the workload allows (a directory listing: 1).
  virtual int MaxInFlight() const { return 1 << 20; }
  // Items per reported unit: 1e6 turns bytes into MB.
  virtual double ItemsPerUnit() const { return 1; }
  virtual const char* Unit() const = 0;
};

struct RunOptions {
  ServerAddress server;
  int clients = 1;
  int in_flight = 1;
  double seconds = 0;  // > 0: stop starting units after this long; 0: until none is left
};

struct RunResult {
  uint64_t units = 0;
  uint64_t items = 0;
  double seconds = 0;
  std::vector<uint32_t> latencies_us;  // one per unit, unordered
  // The longest Workload::Finish of any client (on the clock): an UNSTABLE workload's
  // closing COMMIT.
  uint64_t finish_us = 0;
};

Result<RunResult> Run(Workload& workload, const RunOptions& options);

}  // namespace volumed::bench
