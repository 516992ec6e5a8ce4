// Permission rules of Volume's operations: every decision the store makes about who may
// do what to an inode, as Linux's VFS and its NFS server (knfsd) make it. This is the one
// place they are written down; Volume's operations only call these functions.
//
// Thread-safety: stateless free functions.
//
// The caller is an AUTH_SYS identity after the export's squashing (uid, gid and the
// supplementary gids; src/export/export_access.cc squashes as knfsd's nfsd_setuser
// does). uid 0 stands for a caller with every capability (knfsd keeps CAP_CHOWN,
// CAP_FOWNER, CAP_FSETID, CAP_DAC_OVERRIDE, CAP_MKNOD only for fsuid 0). Sources are
// Linux 6.x: fs/namei.c, fs/attr.c, fs/inode.c, fs/open.c, fs/utimes.c, fs/nfsd/vfs.c.
//
//  R1 group membership — in_group_p (kernel/groups.c): the caller's gid or any of its
//     supplementary gids.                                                     InGroup
//  R2 mode bits — acl_permission_check / generic_permission (fs/namei.c): the owner
//     class if the caller owns the inode, else the group class if it is in the inode's
//     group, else other; only that class counts (an owner denied by the owner bits is
//     denied even if the group bits allow). Root (CAP_DAC_OVERRIDE) may read and write
//     anything and search any directory, and execute a non-directory only when some
//     execute bit is set.                                                      Allows
//  R3 owner or capable — inode_owner_or_capable (fs/inode.c): the owner, or root
//     (CAP_FOWNER).                                                     OwnerOrCapable
//  R4 READ and WRITE — nfsd_permission (fs/nfsd/vfs.c) with NFSD_MAY_OWNER_OVERRIDE: the
//     owner may read and write its file whatever the mode (a client that opened a file
//     and then made it read-only keeps its open file descriptor working; the client
//     checked the mode at open with ACCESS), and READ is also allowed with execute
//     permission (a client runs a 0711 binary). SETATTR of the size is a write (R4 also
//     applies, as knfsd's nfsd_get_write_access).              MayReadData MayWriteData
//  R5 ACCESS — nfsd_access (fs/nfsd/vfs.c) maps: a regular file: READ=r, EXECUTE=x,
//     MODIFY=w, EXTEND=w; a directory: READ=r, LOOKUP=x, MODIFY, EXTEND and DELETE=wx
//     (what creating, removing and renaming in it need, R10); any other type: READ=r,
//     EXECUTE=x, MODIFY=w, EXTEND=w. Other bits are never granted for that type. ACCESS
//     is what a client's open() checks; the owner override of R4 is the only place an
//     operation allows more than ACCESS answered.                              Access
//  R6 chown — chown_ok (fs/attr.c): setting the owner is allowed only to root, or to the
//     owner when the value is the current owner; a "no-op" chown by anyone else is EPERM.
//     chgrp — chgrp_ok: allowed to root, or to the owner when the new group is the
//     current group or one the caller is in (R1); a no-op chgrp by a non-owner is
//     EPERM.                                                            CheckSetAttr
//  R7 chmod — setattr_prepare (fs/attr.c): only the owner or root (R3), else EPERM. The
//     set-group-ID bit is dropped unless the caller is in the file's (new) group or is
//     root (in_group_or_capable). A mode on a symbolic link is ignored, as knfsd's
//     nfsd_setattr does (symlink modes are not used).       CheckSetAttr ModeAfterSetAttr
//  R8 times — setattr_prepare and notify_change (fs/attr.c), vfs_utimes (fs/utimes.c):
//     setting an explicit time (either one) needs R3, else EPERM; setting the times to
//     "now" (only server times, no explicit time) needs R3 or write permission (R2),
//     else EACCES.                                                        CheckSetAttr
//  R9 clearing set-ID bits — on chown or chgrp of a non-directory (any uid/gid given,
//     even unchanged; by root too): set-user-ID is cleared, and set-group-ID when the
//     group-execute bit is set or the caller is not in the file's group (chown_common in
//     fs/open.c with setattr_should_drop_sgid; knfsd's nfsd_sanitize_attrs when a mode
//     comes with it: that mode loses set-user-ID, and set-group-ID if it has
//     group-execute). On a write or a size change of a regular file by a caller other
//     than root: set-user-ID is cleared, and set-group-ID when group-execute is set or
//     the caller is not in the file's group (setattr_should_drop_suidgid, called from
//     file_remove_privs and do_truncate).                     ModeAfterSetAttr ModeAfterWrite
//  R10 creating, removing, renaming, linking — may_create and may_delete (fs/namei.c):
//     write and search permission (R2) on the directory (on both directories for a
//     rename, on the target directory for a link); checked before the name is looked at
//     (knfsd's fh_verify with NFSD_MAY_CREATE / NFSD_MAY_REMOVE). Moving a directory to
//     another parent also needs write permission on it (vfs_rename: its ".." changes).
//     Making a device node needs root (CAP_MKNOD, vfs_mknod), else EPERM (after the
//     directory's permission and the name's existence are checked).
//  R11 sticky directories — check_sticky / __check_sticky (fs/namei.c), from may_delete:
//     in a directory with the sticky bit, an entry may be removed, renamed away or
//     replaced by a rename only by the owner of the entry's inode, the owner of the
//     directory or root, else EPERM (checked before the type of the entry).
//                                                                       MayDeleteFrom
//  R12 new inodes — inode_init_owner (fs/inode.c): owned by the caller's uid; the group
//     is the caller's gid, or the directory's group when the directory is set-group-ID,
//     and a new subdirectory of such a directory is set-group-ID too. mode_strip_sgid
//     (fs/inode.c): a non-directory created set-group-ID and group-executable in a
//     set-group-ID directory loses set-group-ID unless the caller is in the directory's
//     group or root. An owner or group in CREATE's attributes is applied only for root,
//     as a chown (R9) after the creation (knfsd's nfsd_create_setattr); others' are
//     ignored.                                                             NewInodeMode
//
// Not applied, as knfsd does not apply them either: fs.protected_hardlinks (may_linkat
// runs in the link system call on the client, not in vfs_link) and
// fs.protected_regular/fifos (open-time policies of the client).
#pragma once

#include <cstdint>

#include "base/status.h"
#include "storage/records.h"
#include "storage/types.h"

namespace volumed::storage::perm {

inline constexpr uint32_t kSetUid = 04000;
inline constexpr uint32_t kSetGid = 02000;
inline constexpr uint32_t kSticky = 01000;
inline constexpr uint32_t kGroupExec = 00010;
inline constexpr uint32_t kRead = 4;
inline constexpr uint32_t kWrite = 2;
inline constexpr uint32_t kExec = 1;

// R1.
bool InGroup(const Credentials& cred, uint32_t gid);
bool IsOwner(const Credentials& cred, const InodeRecord& r);
// R3.
bool OwnerOrCapable(const Credentials& cred, const InodeRecord& r);
// R2: whether the caller has every bit of `want` (kRead|kWrite|kExec) on `r`.
bool Allows(const Credentials& cred, const InodeRecord& r, uint32_t want);
// R4.
bool MayReadData(const Credentials& cred, const InodeRecord& r);
bool MayWriteData(const Credentials& cred, const InodeRecord& r);
// R5: the subset of `requested` (AccessBits) granted.
uint32_t Access(const Credentials& cred, const InodeRecord& r, uint32_t requested);
// R11: whether the caller may remove or replace `child`'s entry in `dir`.
bool MayDeleteFrom(const Credentials& cred, const InodeRecord& dir, const InodeRecord& child);

// R4 (size), R6, R7, R8: kAccessDenied (EACCES) or kNotPermitted (EPERM) when the caller
// may not apply `req` to `r`, in knfsd's order (write access, then chown, chgrp, chmod,
// explicit times). Type and range checks of the size are the caller's.
Status CheckSetAttr(const Credentials& cred, const InodeRecord& r, const SetAttrRequest& req);
// R7, R9: the mode `r` has after `req` (already checked) is applied.
uint32_t ModeAfterSetAttr(const Credentials& cred, const InodeRecord& r, const SetAttrRequest& req);
// R9: the mode `r` has after the caller wrote it or changed its size.
uint32_t ModeAfterWrite(const Credentials& cred, const InodeRecord& r);
// R12: the mode of a new inode of `type` requested with `mode` in `dir`.
uint32_t NewInodeMode(const Credentials& cred, const InodeRecord& dir, FileType type,
                      uint32_t mode);
// R12: the group of a new inode in `dir`.
uint32_t NewInodeGroup(const Credentials& cred, const InodeRecord& dir);

}  // namespace volumed::storage::perm
