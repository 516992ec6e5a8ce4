// Percentile: the p-th percentile of a set of latencies, for the benchmark tools' result
// lines; Merged: per-thread latencies gathered into one set.
//
// Thread-safety: a pure function over the caller's vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace volumed::bench {

// The p-th percentile (0..100) of `values` (reorders them); 0 when empty.
inline uint32_t Percentile(std::vector<uint32_t>& values, double p) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(k), values.end());
  return values[k];
}

// Every thread's latencies in one vector (per-thread vectors need no lock while timed).
inline std::vector<uint32_t> Merged(const std::vector<std::vector<uint32_t>>& per_thread) {
  std::vector<uint32_t> all;
  for (const auto& l : per_thread) all.insert(all.end(), l.begin(), l.end());
  return all;
}

}  // namespace volumed::bench
