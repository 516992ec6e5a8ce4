// RecordBufferPool: the buffers of large RPC records, handed back once their call has run,
// so that the next large record of any connection is received into memory that is already
// mapped. A fresh buffer per 1 MiB WRITE cost a page fault for every 4 KiB of it: glibc
// serves such sizes from new mappings, and the faults were most of the reassembly's CPU
// (storage/TUNING.md, "Record buffers").
//
// Only buffers of at least kMinPooledCapacity bytes are kept, at most `max_buffers` of
// them; the pool never allocates. Memory held: at most max_buffers × the largest record.
//
// Thread-safety: thread-safe (the reactor takes, workers give back).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace volumed::rpc {

class RecordBufferPool {
 public:
  static constexpr size_t kMinPooledCapacity = size_t{64} << 10;

  explicit RecordBufferPool(size_t max_buffers) : max_buffers_(max_buffers) {}

  // An empty buffer with the capacity of one given back, or a plain empty one.
  std::vector<uint8_t> Take();

  // Keeps `buffer` (emptied) for a later Take when it is large and there is room.
  void Give(std::vector<uint8_t> buffer);

 private:
  const size_t max_buffers_;
  std::mutex mu_;
  std::vector<std::vector<uint8_t>> free_;  // guarded by mu_
};

}  // namespace volumed::rpc
