// Permission rules shared by Volume's operations: mode bits against Credentials, as
// Linux applies them (root passes read/write checks always, and execute checks when any
// execute bit is set or the object is a directory).
//
// Thread-safety: stateless free functions.
#pragma once

#include <cstdint>

#include "storage/records.h"
#include "storage/types.h"

namespace volumed::storage::perm {

inline constexpr uint32_t kSetUid = 04000;
inline constexpr uint32_t kSetGid = 02000;
inline constexpr uint32_t kSticky = 01000;
inline constexpr uint32_t kRead = 4;
inline constexpr uint32_t kWrite = 2;
inline constexpr uint32_t kExec = 1;

bool InGroup(const Credentials& cred, uint32_t gid);
bool IsOwner(const Credentials& cred, const InodeRecord& r);
// Whether the caller has every bit of `want` (kRead|kWrite|kExec) on `r`.
bool Allows(const Credentials& cred, const InodeRecord& r, uint32_t want);
// Sticky-directory rule for removing or replacing `child` from `dir`.
bool MayDeleteFrom(const Credentials& cred, const InodeRecord& dir, const InodeRecord& child);
// ACCESS: the subset of `requested` (AccessBits) granted.
uint32_t Access(const Credentials& cred, const InodeRecord& r, uint32_t requested);

}  // namespace volumed::storage::perm
