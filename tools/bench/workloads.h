// The load generator's workloads, one per invocation (see loadgen.cc for what each one
// does and reports). Namespace workloads live in workloads_namespace.cc, data workloads in
// workloads_data.cc.
//
// Thread-safety: a workload's Prepare/StartUnit/Finish run on every client thread at
// once; each keeps per-client state in a vector indexed by Client::index and shares only
// atomics (see load_driver.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "load_driver.h"

namespace volumed::bench {

struct WorkloadOptions {
  std::string export_path = "/bench";  // MNT path of the volume or export
  std::string dir = "loadgen";         // working directory under the export's root
  int clients = 1;
  uint64_t files = 1000;          // create/unlink/lookup: `files` files f<first> … in `dir`
  uint32_t file_kib = 4;          // create: bytes written into each new file (0: none)
  std::string file;               // rand*/seq*: file name (default "rand" / "seq-<client>")
  uint64_t file_mib = 256;        // rand*: size of the file written into and read from
  uint64_t seq_mib = 1024;        // seq*: bytes per client
  uint32_t io_kib = 0;            // I/O size (0: 4 for random, 1024 for sequential)
  stable_how stable = FILE_SYNC;  // create, randwrite (seqwrite: UNSTABLE unless stated)
  bool stable_given = false;
  uint32_t readdir_kib = 64;        // READDIRPLUS dircount and maxcount
  uint64_t first = 0;               // create/unlink/lookup: first file number; touch: first volume
  std::string volume_prefix = "v";  // touch: volumes <prefix><first> … <prefix><first+count-1>
  uint64_t count = 1;
};

std::unique_ptr<Workload> MakeNullWorkload();
std::unique_ptr<Workload> MakeCreateWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeUnlinkWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeGetattrWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeLookupWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeReadDirPlusWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeTouchVolumesWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeRandomWriteWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeRandomReadWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeSequentialWriteWorkload(const WorkloadOptions& o);
std::unique_ptr<Workload> MakeSequentialReadWorkload(const WorkloadOptions& o);

// The bytes every WRITE sends, at least `bytes` long (up to 16 MiB): pseudo-random, the same
// in every run, so that no store gains by compressing them (user data such as checkpoints
// and archives is mostly incompressible; a repeating pattern once let snappy shrink every
// streamed block to a fraction of its size).
std::span<const char> WritePattern(size_t bytes);

// Mounts the export and looks up (making it when missing) the working directory.
Result<Fh> OpenWorkDir(AsyncNfs& c, const WorkloadOptions& o);

}  // namespace volumed::bench
