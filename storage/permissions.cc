#include "storage/permissions.h"

#include <algorithm>

namespace volumed::storage::perm {

bool InGroup(const Credentials& cred, uint32_t gid) {
  return cred.gid == gid ||
         std::find(cred.groups.begin(), cred.groups.end(), gid) != cred.groups.end();
}

bool IsOwner(const Credentials& cred, const InodeRecord& r) { return cred.uid == r.uid; }

bool Allows(const Credentials& cred, const InodeRecord& r, uint32_t want) {
  if (cred.IsRoot()) {
    if ((want & kExec) == 0) return true;
    return r.type == FileType::kDirectory || (r.mode & 0111) != 0;
  }
  uint32_t bits;
  if (cred.uid == r.uid) {
    bits = (r.mode >> 6) & 7;
  } else if (InGroup(cred, r.gid)) {
    bits = (r.mode >> 3) & 7;
  } else {
    bits = r.mode & 7;
  }
  return (bits & want) == want;
}

bool MayDeleteFrom(const Credentials& cred, const InodeRecord& dir, const InodeRecord& child) {
  if ((dir.mode & kSticky) == 0 || cred.IsRoot()) return true;
  return cred.uid == dir.uid || cred.uid == child.uid;
}

uint32_t Access(const Credentials& cred, const InodeRecord& r, uint32_t requested) {
  uint32_t granted = 0;
  const bool dir = r.type == FileType::kDirectory;
  if ((requested & kAccessRead) && Allows(cred, r, kRead)) granted |= kAccessRead;
  if ((requested & kAccessLookup) && dir && Allows(cred, r, kExec)) granted |= kAccessLookup;
  if ((requested & kAccessModify) && Allows(cred, r, kWrite)) granted |= kAccessModify;
  if ((requested & kAccessExtend) && Allows(cred, r, kWrite)) granted |= kAccessExtend;
  if ((requested & kAccessDelete) && dir && Allows(cred, r, kWrite | kExec)) {
    granted |= kAccessDelete;
  }
  if ((requested & kAccessExecute) && !dir && Allows(cred, r, kExec)) granted |= kAccessExecute;
  return granted;
}

}  // namespace volumed::storage::perm
