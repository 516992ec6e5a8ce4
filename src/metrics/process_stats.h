// ProcessStats: what /proc says about this process (resident memory, open descriptors,
// threads, CPU time, start time), read at scrape time.
//
// Thread-safety: ReadProcessStats reads /proc and touches no shared state; call it from
// any thread.
#pragma once

#include <cstdint>

namespace volumed::metrics {

struct ProcessStats {
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;  // the soft RLIMIT_NOFILE
  uint64_t threads = 0;
  double cpu_seconds = 0;         // user + system
  double start_time_seconds = 0;  // since the Unix epoch
};

// Fields that cannot be read stay 0.
ProcessStats ReadProcessStats();

}  // namespace volumed::metrics
