// Fsck: checks a volume's database for consistency, from one snapshot:
//  - the superblock decodes; every record decodes;
//  - every entry names a live inode of the recorded type and generation, and has its
//    cookie record (and the reverse); cookies are below the directory's next cookie;
//  - nlink matches the entries (directories: 2 + subdirectories; one entry each, and
//    their parent pointer names the directory holding it); every inode is reachable;
//  - no block lies beyond its file's size or belongs to a dead inode, unless the orphan
//    list holds it for reclaim; each inode's `used` and the volume's counters match the
//    stored blocks and inodes; no inode number at or above next_ino;
//  - a file with a deferred marker (its record lags its blocks: key_codec.h) is live,
//    has no orphan record and may have blocks past its size and beyond its `used`; the
//    counters leave out exactly those extra bytes.
// Callable from tests and tools; reports problems instead of fixing them.
//
// Thread-safety: safe to run on a live volume (it reads a snapshot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/kv.h"
#include "storage/volume.h"

namespace volumed::storage {

struct FsckReport {
  uint64_t inodes = 0;
  uint64_t entries = 0;
  uint64_t blocks = 0;
  uint64_t block_bytes = 0;
  uint64_t orphans = 0;
  std::vector<std::string> problems;  // empty = clean
  bool clean() const { return problems.empty(); }
  std::string Summary() const;
};

// Status is not ok only when the check could not run (I/O error); inconsistencies go
// into `report`.
Status Fsck(const Kv& kv, FsckReport* report);
// For a Volume opened by VolumeCatalog (or VolumeImpl::Open); kNotSupported otherwise.
Status Fsck(Volume& volume, FsckReport* report);

}  // namespace volumed::storage
