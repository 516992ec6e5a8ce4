#include "rpc/record_buffer_pool.h"

#include <utility>

namespace volumed::rpc {

std::vector<uint8_t> RecordBufferPool::Take() {
  std::lock_guard<std::mutex> l(mu_);
  if (free_.empty()) return {};
  std::vector<uint8_t> buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void RecordBufferPool::Give(std::vector<uint8_t> buffer) {
  if (buffer.capacity() < kMinPooledCapacity) return;
  buffer.clear();
  std::lock_guard<std::mutex> l(mu_);
  if (free_.size() < max_buffers_) free_.push_back(std::move(buffer));
}

}  // namespace volumed::rpc
