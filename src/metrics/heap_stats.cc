#include "metrics/heap_stats.h"

#include <dlfcn.h>

#include <cstddef>

namespace volumed::metrics {
namespace {

// jemalloc's control interface (`man jemalloc`, "MALLCTL NAMESPACE").
using MallctlFn = int (*)(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen);

MallctlFn FindMallctl() {
  static const MallctlFn fn = reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl"));
  return fn;
}

bool ReadSize(MallctlFn mallctl, const char* name, uint64_t* out) {
  size_t value = 0;
  size_t len = sizeof(value);
  if (mallctl(name, &value, &len, nullptr, 0) != 0) return false;
  *out = value;
  return true;
}

}  // namespace

std::optional<HeapStats> ReadHeapStats() {
  const MallctlFn mallctl = FindMallctl();
  if (mallctl == nullptr) return std::nullopt;
  // The stats.* figures are a snapshot taken when the epoch advances.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  if (mallctl("epoch", &epoch, &len, &epoch, len) != 0) return std::nullopt;
  HeapStats s;
  if (!ReadSize(mallctl, "stats.allocated", &s.allocated_bytes) ||
      !ReadSize(mallctl, "stats.resident", &s.resident_bytes)) {
    return std::nullopt;
  }
  return s;
}

}  // namespace volumed::metrics
