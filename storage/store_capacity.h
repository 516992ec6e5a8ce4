// StoreCapacity: how many bytes the store that holds a volume has in all and has left, for
// FSSTAT when the volume has no byte quota — the local file system for the embedded store
// (LocalDiskCapacity), the pool as the cluster reports it for RADOS (RadosStore).
// A source that cannot tell (statvfs failed, the cluster reports no figures yet) returns
// an error and FSSTAT falls back to a nominal capacity.
//
// Thread-safety: implementations are thread-safe (FSSTATs of many volumes at once).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace volumed::storage {

struct StoreSpace {
  uint64_t total_bytes = 0;
  uint64_t avail_bytes = 0;  // what writers may still use
};

class CapacitySource {
 public:
  virtual ~CapacitySource() = default;
  virtual Result<StoreSpace> Capacity() = 0;
};

// The file system holding `path` (statvfs: total blocks, blocks available to non-root).
class LocalDiskCapacity final : public CapacitySource {
 public:
  explicit LocalDiskCapacity(std::string path) : path_(std::move(path)) {}
  Result<StoreSpace> Capacity() override;

 private:
  const std::string path_;
};

}  // namespace volumed::storage
