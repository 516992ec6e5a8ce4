// AdminHooks: what the admin program needs from the other services of the server, as
// plain callbacks so that src/admin depends on none of them. main.cc wires them; an
// unset hook means "this server does not know" (reported as such, never invented).
//
// Thread-safety: hooks are called concurrently from RPC worker threads and from the
// lease reaper; each one must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace volumed::admin {

struct LockEntry {
  std::string holder;  // NLM caller_name
  uint32_t svid = 0;
  uint64_t fileid = 0;
  uint64_t offset = 0;
  uint64_t length = 0;  // 0 = to end of file
  bool exclusive = false;
};

struct LockListing {
  uint64_t total = 0;            // every lock held in the volume
  std::vector<LockEntry> locks;  // at most the `max` asked for
};

struct FsckReport {
  uint64_t inodes_checked = 0;
  uint64_t problems_found = 0;
  uint64_t problems_repaired = 0;
  std::vector<std::string> findings;
};

struct AdminHooks {
  // Clients holding a MOUNT of the named volume.
  std::function<std::vector<std::string>(std::string_view name)> mounts_of;
  // Locks held in the volume; at most `max` entries listed (total counts all).
  std::function<Result<LockListing>(uint64_t volume_id, size_t max)> list_locks;
  // Releases the locks `holder` holds in the volume (empty holder = every lock);
  // returns how many were released.
  std::function<Result<uint32_t>(uint64_t volume_id, std::string_view holder)> break_locks;
  // Called after a volume was deleted (by DELETE or by the lease reaper): drop its
  // locks, forget its mounts. The catalog has already made its handles STALE.
  std::function<void(uint64_t volume_id, std::string_view name)> volume_deleted;
  // Called after a volume was rolled back to a snapshot: its clients must resend the
  // writes they have not seen committed (the NFS write verifier changes).
  std::function<void(uint64_t volume_id, std::string_view name)> volume_restored;
  // Checks (and with `repair`, fixes) the named volume's store.
  std::function<Result<FsckReport>(std::string_view name, bool repair)> fsck;
};

}  // namespace volumed::admin
