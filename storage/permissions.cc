#include "storage/permissions.h"

#include <algorithm>

namespace volumed::storage::perm {
namespace {

Status Denied() { return Status(Status::Code::kAccessDenied, "permission denied"); }
Status NotPermitted(const char* what) { return Status(Status::Code::kNotPermitted, what); }

// in_group_or_capable (fs/attr.c) with CAP_FSETID.
bool InGroupOrCapable(const Credentials& cred, uint32_t gid) {
  return cred.IsRoot() || InGroup(cred, gid);
}

// setattr_should_drop_sgid (fs/attr.c): of a set-group-ID inode, as the caller sees it.
bool ShouldDropSgid(const Credentials& cred, uint32_t mode, uint32_t gid) {
  if ((mode & kSetGid) == 0) return false;
  return (mode & kGroupExec) != 0 || !InGroupOrCapable(cred, gid);
}

}  // namespace

bool InGroup(const Credentials& cred, uint32_t gid) {
  return cred.gid == gid ||
         std::find(cred.groups.begin(), cred.groups.end(), gid) != cred.groups.end();
}

bool IsOwner(const Credentials& cred, const InodeRecord& r) { return cred.uid == r.uid; }

bool OwnerOrCapable(const Credentials& cred, const InodeRecord& r) {
  return IsOwner(cred, r) || cred.IsRoot();
}

bool Allows(const Credentials& cred, const InodeRecord& r, uint32_t want) {
  uint32_t bits;
  if (cred.uid == r.uid) {
    bits = (r.mode >> 6) & 7;
  } else if (InGroup(cred, r.gid)) {
    bits = (r.mode >> 3) & 7;
  } else {
    bits = r.mode & 7;
  }
  if ((bits & want) == want) return true;
  if (!cred.IsRoot()) return false;
  if ((want & kExec) == 0 || r.type == FileType::kDirectory) return true;
  return (r.mode & 0111) != 0;
}

bool MayReadData(const Credentials& cred, const InodeRecord& r) {
  return IsOwner(cred, r) || Allows(cred, r, kRead) || Allows(cred, r, kExec);
}

bool MayWriteData(const Credentials& cred, const InodeRecord& r) {
  return IsOwner(cred, r) || Allows(cred, r, kWrite);
}

uint32_t Access(const Credentials& cred, const InodeRecord& r, uint32_t requested) {
  const bool dir = r.type == FileType::kDirectory;
  const uint32_t change = dir ? kWrite | kExec : kWrite;
  uint32_t granted = 0;
  if ((requested & kAccessRead) && Allows(cred, r, kRead)) granted |= kAccessRead;
  if ((requested & kAccessLookup) && dir && Allows(cred, r, kExec)) granted |= kAccessLookup;
  if ((requested & kAccessModify) && Allows(cred, r, change)) granted |= kAccessModify;
  if ((requested & kAccessExtend) && Allows(cred, r, change)) granted |= kAccessExtend;
  if ((requested & kAccessDelete) && dir && Allows(cred, r, change)) granted |= kAccessDelete;
  if ((requested & kAccessExecute) && !dir && Allows(cred, r, kExec)) granted |= kAccessExecute;
  return granted;
}

bool MayDeleteFrom(const Credentials& cred, const InodeRecord& dir, const InodeRecord& child) {
  if ((dir.mode & kSticky) == 0) return true;
  return IsOwner(cred, child) || IsOwner(cred, dir) || cred.IsRoot();
}

Status CheckSetAttr(const Credentials& cred, const InodeRecord& r, const SetAttrRequest& req) {
  const bool explicit_time =
      req.atime_how == TimeHow::kClientTime || req.mtime_how == TimeHow::kClientTime;
  const bool touch = !explicit_time && (req.atime_how == TimeHow::kServerTime ||
                                        req.mtime_how == TimeHow::kServerTime);
  if (req.size && !MayWriteData(cred, r)) return Denied();
  if (touch && !OwnerOrCapable(cred, r) && !Allows(cred, r, kWrite)) return Denied();
  if (req.uid && !cred.IsRoot() && !(IsOwner(cred, r) && *req.uid == r.uid)) {
    return NotPermitted("only root may change an owner");
  }
  if (req.gid && !cred.IsRoot() &&
      !(IsOwner(cred, r) && (*req.gid == r.gid || InGroup(cred, *req.gid)))) {
    return NotPermitted("only the owner may change the group, to one of its groups");
  }
  if (req.mode && r.type != FileType::kSymlink && !OwnerOrCapable(cred, r)) {
    return NotPermitted("only the owner may change the mode");
  }
  if (explicit_time && !OwnerOrCapable(cred, r)) {
    return NotPermitted("only the owner may set explicit times");
  }
  return Status::Ok();
}

uint32_t ModeAfterSetAttr(const Credentials& cred, const InodeRecord& r,
                          const SetAttrRequest& req) {
  const bool chown = (req.uid || req.gid) && r.type != FileType::kDirectory;
  uint32_t mode = r.mode;
  if (req.mode && r.type != FileType::kSymlink) {
    mode = *req.mode & 07777;
    if (chown) {
      mode &= ~kSetUid;
      if (mode & kGroupExec) mode &= ~kSetGid;
    }
    if (!InGroupOrCapable(cred, req.gid.value_or(r.gid))) mode &= ~kSetGid;
  } else if (chown) {
    if (ShouldDropSgid(cred, mode, r.gid)) mode &= ~kSetGid;
    mode &= ~kSetUid;
  }
  if (req.size) {
    InodeRecord changed = r;
    changed.mode = mode;
    changed.gid = req.gid.value_or(r.gid);
    mode = ModeAfterWrite(cred, changed);
  }
  return mode;
}

uint32_t ModeAfterWrite(const Credentials& cred, const InodeRecord& r) {
  if (cred.IsRoot() || r.type != FileType::kRegular) return r.mode;
  uint32_t mode = r.mode & ~kSetUid;
  if (ShouldDropSgid(cred, mode, r.gid)) mode &= ~kSetGid;
  return mode;
}

uint32_t NewInodeMode(const Credentials& cred, const InodeRecord& dir, FileType type,
                      uint32_t mode) {
  mode &= 07777;
  if (type == FileType::kDirectory) {
    if (dir.mode & kSetGid) mode |= kSetGid;
    return mode;
  }
  if ((mode & (kSetGid | kGroupExec)) == (kSetGid | kGroupExec) && (dir.mode & kSetGid) &&
      !InGroupOrCapable(cred, dir.gid)) {
    mode &= ~kSetGid;
  }
  return mode;
}

uint32_t NewInodeGroup(const Credentials& cred, const InodeRecord& dir) {
  return (dir.mode & kSetGid) ? dir.gid : cred.gid;
}

}  // namespace volumed::storage::perm
