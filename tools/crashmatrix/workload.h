// Workload: random NFS operations on a few directories — CREATE (GUARDED), UNSTABLE and
// FILE_SYNC WRITEs (1 byte to 200 KiB, crossing block boundaries, extending files),
// COMMITs, truncating SETATTRs, RENAMEs (also onto an existing file), REMOVEs — applied to
// the crash model (model.h) as the server acknowledges them. It runs until a call gets no
// reply (the server was killed) and reports the operation that was then in flight.
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "model.h"
#include "nfs_ops.h"

namespace volumed::crashmatrix {

// Random choices shared by both workloads (this one and concurrent_workload.h).
uint64_t Uniform(std::mt19937_64& rng, uint64_t lo, uint64_t hi);  // inclusive
std::string RandomBytes(std::mt19937_64& rng, size_t n);
// A WRITE's range on a file whose live size is `live`: 1 byte to 200 KiB, often crossing a
// 64 KiB block, up to 16 KiB past the end, never past kMaxFileSize.
struct WriteRange {
  uint64_t offset = 0;
  uint64_t len = 0;
};
WriteRange RandomWriteRange(std::mt19937_64& rng, uint64_t live);
// A truncating SETATTR's new size: up to 8 KiB past the live size.
uint64_t RandomTruncateSize(std::mt19937_64& rng, uint64_t live);
// Files grow to at most this many bytes.
inline constexpr uint64_t kMaxFileSize = 512 * 1024;

struct WorkloadStats {
  uint64_t creates = 0, unstable_writes = 0, sync_writes = 0, commits = 0, truncates = 0,
           renames = 0, removes = 0;
  uint64_t stable_bytes = 0;  // bytes acknowledged as stable (sync writes and committed ones)
  uint64_t ops() const {
    return creates + unstable_writes + sync_writes + commits + truncates + renames + removes;
  }
};

// What was in flight when the server stopped answering.
struct InFlight {
  std::string what;                   // e.g. "RENAME d0/f3 -> d2/f9"; empty when nothing was
  std::optional<World> after;         // the world if it took effect (namespace ops, truncates)
  std::vector<std::string> replaced;  // where it puts another file (a rename's destination)
};

class Workload {
 public:
  // `dirs` maps directory name → handle; `handles` maps file path → handle.
  Workload(NfsOps* ops, std::mt19937_64* rng, World* world, std::map<std::string, Fh>* handles,
           const std::map<std::string, Fh>* dirs, uint64_t* name_counter, Verifier verifier)
      : ops_(ops),
        rng_(rng),
        world_(world),
        handles_(handles),
        dirs_(dirs),
        name_counter_(name_counter),
        verifier_(std::move(verifier)) {}

  // Runs until a call gets no reply; ok then, with `inflight` describing it. A non-ok
  // Status is an unexpected answer from the server (a failure of the run).
  Status RunUntilNoReply(InFlight* inflight, WorkloadStats* stats);

 private:
  uint64_t Uniform(uint64_t lo, uint64_t hi) { return crashmatrix::Uniform(*rng_, lo, hi); }
  std::string RandomFile();
  std::string RandomDir();
  Status CheckVerifier(const Verifier& v, const char* op);

  NfsOps* ops_;
  std::mt19937_64* rng_;
  World* world_;
  std::map<std::string, Fh>* handles_;
  const std::map<std::string, Fh>* dirs_;
  uint64_t* name_counter_;
  Verifier verifier_;
};

// "d1/f7" → {"d1", "f7"}
std::pair<std::string, std::string> SplitPath(const std::string& path);

}  // namespace volumed::crashmatrix
