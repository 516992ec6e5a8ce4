// HeapStats: what the allocator says about the heap, read at scrape time: the bytes the
// program holds (allocated) and the bytes the allocator keeps resident for it, freed
// memory it has not yet returned to the kernel included. RSS alone cannot tell a leak
// from an allocator keeping freed pages (jemalloc returns them after its decay time), so
// leak checks read `allocated`.
//
// Known only under jemalloc (volumed's allocator, meson option `allocator`): it is found
// at run time by its `mallctl` symbol, so this library needs no link to it. Under another
// allocator (tests, sanitizer builds) ReadHeapStats returns nullopt.
//
// Thread-safety: ReadHeapStats may be called from any thread (mallctl is thread-safe).
#pragma once

#include <cstdint>
#include <optional>

namespace volumed::metrics {

struct HeapStats {
  uint64_t allocated_bytes = 0;  // in live allocations
  uint64_t resident_bytes = 0;   // the allocator's resident pages (freed, unreturned too)
};

std::optional<HeapStats> ReadHeapStats();

}  // namespace volumed::metrics
