// The permission rules of storage/permissions.h (R1-R12, Linux's VFS and knfsd) through
// the wire: one table row per rule, caller and file type, with the NFS status expected
// and, where the rule changes the mode (set-ID clearing), the mode expected after.
//
// Every row gets its own directory holding the object "obj" of the row's type, owned and
// moded as the row says, set up by an unsquashed root. The row's caller is an AUTH_SYS
// identity (uid, gid, supplementary gids) on volume "plain" (no squashing) or "squash"
// (root squashed to 65534:65534, the default policy; it is squash-free while the rows
// are set up). A second test checks that ACCESS agrees with what the operations then
// permit, over a grid of modes and callers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raw_client.h"
#include "support/server_process.h"

namespace volumed::testing {
namespace {

enum class Vol { kPlain, kSquash };

struct Who {
  const char* name;
  uint32_t uid;
  uint32_t gid;
  std::vector<uint32_t> groups;
  Vol vol = Vol::kPlain;
};

// Objects are owned by 1000:1000 unless a row says otherwise.
const Who kOwner{"owner", 1000, 1000, {}};
const Who kOwnerIn3000{"owner+g3000", 1000, 1000, {3000}};
const Who kOther{"other", 2000, 2000, {}};
const Who kMember{"member", 2000, 2000, {1000}};  // the file's group as a supplementary gid
const Who kDirOwner{"dir-owner", 3000, 3000, {}};
const Who kRoot{"root", 0, 0, {}};
const Who kSquashedRoot{"squashed-root", 0, 0, {}, Vol::kSquash};
const Who kSquashedRootG{"squashed-root+g1000", 0, 0, {1000}, Vol::kSquash};
const Who kIssueCaller{"uid65533", 65533, 65533, {}};

struct Owner {
  uint32_t uid = 1000;
  uint32_t gid = 1000;
  uint32_t mode = 0644;
};

enum class Op {
  kChown,          // SETATTR uid=a
  kChgrp,          // SETATTR gid=a
  kChownChgrp,     // SETATTR uid=a gid=b
  kChownMode,      // SETATTR uid=a mode=b
  kChmod,          // SETATTR mode=a
  kTimesExplicit,  // SETATTR atime and mtime set to client times
  kTimesNow,       // SETATTR atime and mtime set to server time (utimes(path, NULL))
  kTimesMixed,     // SETATTR atime = server time, mtime = client time
  kTruncate,       // SETATTR size=a
  kWrite,          // WRITE 1 byte at 0
  kRead,           // READ
  kAccess,         // ACCESS of every bit; the answer must be `access`
  kRemove,         // REMOVE obj
  kRmdir,          // RMDIR obj
  kRenameAway,     // RENAME obj -> moved (same directory)
  kRenameOnto,     // RENAME mine (owned by the caller) -> obj
  kRenameInto,     // RENAME obj -> sub/obj; sub is 1000:1000 with mode a
  kLink,           // LINK obj -> linked (same directory)
  kCreate,         // CREATE new (same directory)
  kCreateMode,     // CREATE new with mode a
  kMkdirMode,      // MKDIR new with mode a
  kCreateOwned,    // CREATE new with mode 0644, uid a, gid b
  kMknodChr,       // MKNOD chr new
  kMknodFifo,      // MKNOD fifo new
  kLookup,         // LOOKUP obj
  kReadDir,        // READDIR of the row's directory
};

struct Row {
  std::string name;
  ftype3 type = NF3REG;
  Owner obj;
  Owner dir;  // the row's directory; `{}` (1000:1000 0644) where the operation needs none
  Who who = kOwner;
  Op op = Op::kAccess;
  uint32_t a = 0;
  uint32_t b = 0;
  nfsstat3 want = NFS3_OK;
  // After the operation: obj's mode, or for the operations that make "new", its mode and
  // owner:group (uid << 32 | gid).
  std::optional<uint32_t> mode_after;
  std::optional<uint64_t> ids_after;
  uint32_t access = 0;  // kAccess: the bits granted
  Vol vol() const { return who.vol; }
};

constexpr uint32_t kAllAccess = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND |
                                ACCESS3_DELETE | ACCESS3_EXECUTE;

const char* TypeName(ftype3 t) {
  switch (t) {
    case NF3REG:
      return "reg";
    case NF3DIR:
      return "dir";
    case NF3BLK:
      return "blk";
    case NF3CHR:
      return "chr";
    case NF3LNK:
      return "lnk";
    case NF3SOCK:
      return "sock";
    case NF3FIFO:
      return "fifo";
  }
  return "?";
}

Row R(std::string name, ftype3 type, Owner obj, Owner dir, Who who, Op op, uint32_t a = 0,
      uint32_t b = 0, nfsstat3 want = NFS3_OK, std::optional<uint32_t> mode_after = std::nullopt,
      uint32_t access = 0) {
  Row r;
  r.name = std::move(name);
  r.type = type;
  r.obj = obj;
  r.dir = dir;
  r.who = std::move(who);
  r.op = op;
  r.a = a;
  r.b = b;
  r.want = want;
  r.mode_after = mode_after;
  r.access = access;
  return r;
}

const ftype3 kAllTypes[] = {NF3REG, NF3DIR, NF3LNK, NF3FIFO, NF3SOCK, NF3CHR, NF3BLK};

// The whole table. Statuses are Linux's errno through knfsd: EPERM = NFS3ERR_PERM,
// EACCES = NFS3ERR_ACCES.
std::vector<Row> Table() {
  std::vector<Row> rows;
  auto add = [&](Row r) {
    r.name = r.name + "." + TypeName(r.type);
    rows.push_back(std::move(r));
  };
  for (ftype3 t : kAllTypes) {
    const bool lnk = t == NF3LNK;
    const uint32_t m = lnk ? 0777u : 0644u;
    // R6 chown / chgrp, also through a symlink's own handle (lchown).
    add(R("issue15-noop-chown-chgrp", t, {65534, 65534, m}, {}, kIssueCaller, Op::kChownChgrp,
          65534, 65534, NFS3ERR_PERM));
    add(R("issue15-noop-chgrp", t, {65534, 65534, m}, {}, kIssueCaller, Op::kChgrp, 65534, 0,
          NFS3ERR_PERM));
    add(R("noop-chown-by-other", t, {1000, 1000, m}, {}, kOther, Op::kChown, 1000, 0,
          NFS3ERR_PERM));
    add(R("noop-chgrp-by-group-member", t, {1000, 1000, m}, {}, kMember, Op::kChgrp, 1000, 0,
          NFS3ERR_PERM));
    add(R("noop-chown-by-owner", t, {1000, 1000, m}, {}, kOwner, Op::kChown, 1000));
    add(R("chown-away-by-owner", t, {1000, 1000, m}, {}, kOwner, Op::kChown, 2000, 0,
          NFS3ERR_PERM));
    add(R("chgrp-to-supplementary-by-owner", t, {1000, 1000, m}, {}, kOwnerIn3000, Op::kChgrp,
          3000));
    add(R("chgrp-to-primary-by-owner", t, {1000, 5000, m}, {}, kOwner, Op::kChgrp, 1000));
    add(R("chgrp-to-foreign-by-owner", t, {1000, 1000, m}, {}, kOwner, Op::kChgrp, 3000, 0,
          NFS3ERR_PERM));
    add(R("chown-by-root", t, {1000, 1000, m}, {}, kRoot, Op::kChownChgrp, 2000, 2000));
    add(R("chown-by-squashed-root", t, {1000, 1000, m}, {}, kSquashedRoot, Op::kChown, 2000, 0,
          NFS3ERR_PERM));
    add(R("noop-chown-of-roots-file-by-squashed-root", t, {0, 0, m}, {}, kSquashedRoot, Op::kChown,
          0, 0, NFS3ERR_PERM));
    add(R("noop-chown-of-anon-file-by-squashed-root", t, {65534, 65534, m}, {}, kSquashedRoot,
          Op::kChown, 65534));
    // R7 chmod (ignored on a symlink, whoever asks).
    add(R("chmod-by-owner", t, {1000, 1000, m}, {}, kOwner, Op::kChmod, 0600, 0, NFS3_OK,
          lnk ? 0777u : 0600u));
    add(R("chmod-by-group-member", t, {1000, 1000, lnk ? 0777u : 0664u}, {}, kMember, Op::kChmod,
          0666, 0, lnk ? NFS3_OK : NFS3ERR_PERM, lnk ? 0777u : 0664u));
    add(R("chmod-by-root", t, {1000, 1000, m}, {}, kRoot, Op::kChmod, 0600, 0, NFS3_OK,
          lnk ? 0777u : 0600u));
    add(R("chmod-by-squashed-root", t, {0, 0, m}, {}, kSquashedRoot, Op::kChmod, 0600, 0,
          lnk ? NFS3_OK : NFS3ERR_PERM, m));
    // R8 times.
    add(R("explicit-times-by-other-with-write", t, {1000, 1000, lnk ? 0777u : 0666u}, {}, kOther,
          Op::kTimesExplicit, 0, 0, NFS3ERR_PERM));
    add(R("now-by-other-with-write", t, {1000, 1000, lnk ? 0777u : 0666u}, {}, kOther,
          Op::kTimesNow));
    add(R("mixed-times-by-other-with-write", t, {1000, 1000, lnk ? 0777u : 0666u}, {}, kOther,
          Op::kTimesMixed, 0, 0, NFS3ERR_PERM));
    add(R("explicit-times-by-owner", t, {1000, 1000, lnk ? 0777u : 0444u}, {}, kOwner,
          Op::kTimesExplicit));
    add(R("explicit-times-by-root", t, {1000, 1000, m}, {}, kRoot, Op::kTimesExplicit));
    if (!lnk) {
      add(R("now-by-other-without-write", t, {1000, 1000, 0644}, {}, kOther, Op::kTimesNow, 0, 0,
            NFS3ERR_ACCES));
      add(R("now-by-group-member-with-write", t, {1000, 1000, 0664}, {}, kMember, Op::kTimesNow));
      add(R("now-by-owner-without-write", t, {1000, 1000, 0444}, {}, kOwner, Op::kTimesNow));
    }
    // R7 set-group-ID on chmod by an owner outside the file's group.
    if (!lnk) {
      add(R("chmod-sgid-owner-outside-group", t, {1000, 5000, 0755}, {}, kOwner, Op::kChmod, 02755,
            0, NFS3_OK, 0755));
      add(R("chmod-sgid-owner-in-supplementary-group", t, {1000, 3000, 0755}, {}, kOwnerIn3000,
            Op::kChmod, 02755, 0, NFS3_OK, 02755));
      add(R("chmod-sgid-by-root-outside-group", t, {1000, 5000, 0755}, {}, kRoot, Op::kChmod, 02755,
            0, NFS3_OK, 02755));
    }
    // R9 set-ID bits on chown: cleared for non-directories, by root too.
    if (!lnk) {
      const bool dir = t == NF3DIR;
      add(R("chown-clears-setid-by-root", t, {1000, 1000, 06755}, {}, kRoot, Op::kChown, 2000, 0,
            NFS3_OK, dir ? 06755u : 0755u));
      add(R("chown-keeps-sgid-without-gx-for-root", t, {1000, 1000, 06745}, {}, kRoot, Op::kChown,
            2000, 0, NFS3_OK, dir ? 06745u : 02745u));
      add(R("chgrp-clears-setid-by-owner", t, {1000, 1000, 06755}, {}, kOwnerIn3000, Op::kChgrp,
            3000, 0, NFS3_OK, dir ? 06755u : 0755u));
      add(R("noop-chown-clears-setid-by-owner", t, {1000, 1000, 04755}, {}, kOwner, Op::kChown,
            1000, 0, NFS3_OK, dir ? 04755u : 0755u));
      add(R("chown-with-mode-by-root", t, {1000, 1000, 0755}, {}, kRoot, Op::kChownMode, 2000,
            06755, NFS3_OK, dir ? 06755u : 0755u));
    }
  }

  // R9 on write and truncate (regular files only).
  add(R("write-clears-setid-by-group-member", NF3REG, {1000, 1000, 06775}, {}, kMember, Op::kWrite,
        0, 0, NFS3_OK, 0775));
  add(R("write-clears-suid-by-owner", NF3REG, {1000, 1000, 04755}, {}, kOwner, Op::kWrite, 0, 0,
        NFS3_OK, 0755));
  add(R("write-keeps-sgid-without-gx-in-group", NF3REG, {1000, 1000, 02745}, {}, kOwner, Op::kWrite,
        0, 0, NFS3_OK, 02745));
  add(R("write-clears-sgid-without-gx-outside-group", NF3REG, {1000, 1000, 02746}, {}, kOther,
        Op::kWrite, 0, 0, NFS3_OK, 0746));
  add(R("write-by-root-keeps-setid", NF3REG, {1000, 1000, 06755}, {}, kRoot, Op::kWrite, 0, 0,
        NFS3_OK, 06755));
  add(R("truncate-clears-suid-by-owner", NF3REG, {1000, 1000, 04755}, {}, kOwner, Op::kTruncate, 0,
        0, NFS3_OK, 0755));
  add(R("truncate-by-root-keeps-setid", NF3REG, {1000, 1000, 06755}, {}, kRoot, Op::kTruncate, 0, 0,
        NFS3_OK, 06755));
  // R4 data access: owner override, read-if-exec, mode classes.
  add(R("truncate-by-other-without-write", NF3REG, {1000, 1000, 0644}, {}, kOther, Op::kTruncate, 0,
        0, NFS3ERR_ACCES));
  add(R("truncate-by-group-member-with-write", NF3REG, {1000, 1000, 0664}, {}, kMember,
        Op::kTruncate));
  add(R("truncate-by-owner-of-readonly-file", NF3REG, {1000, 1000, 0444}, {}, kOwner,
        Op::kTruncate));
  add(R("write-by-owner-of-readonly-file", NF3REG, {1000, 1000, 0444}, {}, kOwner, Op::kWrite));
  add(R("write-by-other-without-write", NF3REG, {1000, 1000, 0664}, {}, kOther, Op::kWrite, 0, 0,
        NFS3ERR_ACCES));
  add(R("read-by-other-exec-only", NF3REG, {1000, 1000, 0711}, {}, kOther, Op::kRead));
  add(R("read-by-other-no-bits", NF3REG, {1000, 1000, 0700}, {}, kOther, Op::kRead, 0, 0,
        NFS3ERR_ACCES));
  add(R("read-by-group-member-denied-by-group-bits", NF3REG, {1000, 1000, 0604}, {}, kMember,
        Op::kRead, 0, 0, NFS3ERR_ACCES));
  add(R("read-by-root", NF3REG, {1000, 1000, 0000}, {}, kRoot, Op::kRead));
  add(R("read-by-squashed-root-through-supplementary-group", NF3REG, {1000, 1000, 0640}, {},
        kSquashedRootG, Op::kRead));
  add(R("read-by-squashed-root-gid0-squashed", NF3REG, {0, 0, 0640}, {}, kSquashedRoot, Op::kRead,
        0, 0, NFS3ERR_ACCES));

  // R11 sticky directories (directory 01777 owned by 3000; obj owned by 1000).
  const Owner sticky{3000, 3000, 01777};
  for (ftype3 t : kAllTypes) {
    const Op rm = t == NF3DIR ? Op::kRmdir : Op::kRemove;
    const uint32_t m = t == NF3LNK ? 0777 : 0755;
    add(R("sticky-remove-by-other", t, {1000, 1000, m}, sticky, kOther, rm, 0, 0, NFS3ERR_PERM));
    add(R("sticky-remove-by-squashed-root", t, {1000, 1000, m}, sticky, kSquashedRoot, rm, 0, 0,
          NFS3ERR_PERM));
    add(R("sticky-remove-by-owner", t, {1000, 1000, m}, sticky, kOwner, rm));
    add(R("sticky-remove-by-dir-owner", t, {1000, 1000, m}, sticky, kDirOwner, rm));
    add(R("sticky-remove-by-root", t, {1000, 1000, m}, sticky, kRoot, rm));
    add(R("sticky-rename-away-by-other", t, {1000, 1000, m}, sticky, kOther, Op::kRenameAway, 0, 0,
          NFS3ERR_PERM));
    add(R("sticky-rename-away-by-owner", t, {1000, 1000, m}, sticky, kOwner, Op::kRenameAway));
    add(R("nonsticky-remove-by-other", t, {1000, 1000, m}, {3000, 3000, 0777}, kOther, rm));
  }
  add(R("sticky-wrong-type-is-perm-first", NF3DIR, {1000, 1000, 0755}, sticky, kOther, Op::kRemove,
        0, 0, NFS3ERR_PERM));
  add(R("sticky-rename-onto-others-file", NF3REG, {1000, 1000, 0644}, sticky, kOther,
        Op::kRenameOnto, 0, 0, NFS3ERR_PERM));
  add(R("sticky-rename-onto-own-file", NF3REG, {2000, 2000, 0644}, sticky, kOther,
        Op::kRenameOnto));
  add(R("sticky-rename-onto-by-dir-owner", NF3REG, {1000, 1000, 0644}, sticky, kDirOwner,
        Op::kRenameOnto));

  // R10 directory permissions: create, remove, rename (both directories), link, lookup.
  const Owner ro_dir{1000, 1000, 0755};
  const Owner group_w_dir{1000, 1000, 0775};
  add(R("create-in-unwritable-dir", NF3REG, {}, ro_dir, kOther, Op::kCreate, 0, 0, NFS3ERR_ACCES));
  add(R("create-in-group-writable-dir-as-member", NF3REG, {}, group_w_dir, kMember, Op::kCreate));
  add(R("create-in-dir-without-search", NF3REG, {}, {1000, 1000, 0776}, kOther, Op::kCreate, 0, 0,
        NFS3ERR_ACCES));
  add(R("create-in-dir-owner-denied-by-owner-bits", NF3REG, {}, {1000, 1000, 0577}, kOwner,
        Op::kCreate, 0, 0, NFS3ERR_ACCES));
  add(R("create-by-root-in-unwritable-dir", NF3REG, {}, {1000, 1000, 0555}, kRoot, Op::kCreate));
  add(R("mknod-chr-by-user", NF3REG, {}, {1000, 1000, 0777}, kOwner, Op::kMknodChr, 0, 0,
        NFS3ERR_PERM));
  add(R("mknod-chr-by-user-in-unwritable-dir", NF3REG, {}, ro_dir, kOther, Op::kMknodChr, 0, 0,
        NFS3ERR_ACCES));
  add(R("mknod-chr-by-root", NF3REG, {}, {1000, 1000, 0777}, kRoot, Op::kMknodChr));
  add(R("mknod-chr-by-squashed-root", NF3REG, {}, {1000, 1000, 0777}, kSquashedRoot, Op::kMknodChr,
        0, 0, NFS3ERR_PERM));
  add(R("mknod-fifo-by-user", NF3REG, {}, {1000, 1000, 0777}, kOwner, Op::kMknodFifo));
  add(R("remove-from-unwritable-dir", NF3REG, {2000, 2000, 0644}, ro_dir, kOther, Op::kRemove, 0, 0,
        NFS3ERR_ACCES));
  add(R("remove-from-group-writable-dir-as-member", NF3REG, {}, group_w_dir, kMember, Op::kRemove));
  add(R("rename-within-unwritable-dir", NF3REG, {2000, 2000, 0644}, ro_dir, kOther, Op::kRenameAway,
        0, 0, NFS3ERR_ACCES));
  add(R("rename-into-unwritable-dir", NF3REG, {2000, 2000, 0644}, {0, 0, 0777}, kOther,
        Op::kRenameInto, 0755, 0, NFS3ERR_ACCES));
  add(R("rename-into-writable-dir", NF3REG, {2000, 2000, 0644}, {0, 0, 0777}, kOther,
        Op::kRenameInto, 0777));
  add(R("rename-dir-into-other-parent-without-write-on-it", NF3DIR, {1000, 1000, 0555},
        {0, 0, 0777}, kOther, Op::kRenameInto, 0777, 0, NFS3ERR_ACCES));
  add(R("rename-dir-within-parent-without-write-on-it", NF3DIR, {1000, 1000, 0555}, {0, 0, 0777},
        kOther, Op::kRenameAway));
  add(R("rename-own-dir-into-other-parent", NF3DIR, {2000, 2000, 0755}, {0, 0, 0777}, kOther,
        Op::kRenameInto, 0777));
  add(R("link-into-unwritable-dir", NF3REG, {2000, 2000, 0644}, ro_dir, kOther, Op::kLink, 0, 0,
        NFS3ERR_ACCES));
  add(R("link-others-file-into-writable-dir", NF3REG, {1000, 1000, 0600}, {0, 0, 0777}, kOther,
        Op::kLink));
  add(R("lookup-without-search", NF3REG, {}, {1000, 1000, 0766}, kOther, Op::kLookup, 0, 0,
        NFS3ERR_ACCES));
  add(R("lookup-with-search-only", NF3REG, {}, {1000, 1000, 0711}, kOther, Op::kLookup));
  add(R("readdir-without-read", NF3REG, {}, {1000, 1000, 0711}, kOther, Op::kReadDir, 0, 0,
        NFS3ERR_ACCES));
  add(R("readdir-by-root-without-read", NF3REG, {}, {1000, 1000, 0000}, kRoot, Op::kReadDir));

  // R12 new inodes: owner and group (set-group-ID directories), mode_strip_sgid, and
  // CREATE's owner/group, which only root's CREATE applies.
  auto made = [&](const char* name, Owner dir, const Who& who, Op op, uint32_t a, uint32_t b,
                  uint32_t mode, uint32_t uid, uint32_t gid) {
    add(R(name, op == Op::kMkdirMode ? NF3DIR : NF3REG, {}, dir, who, op, a, b, NFS3_OK, mode));
    rows.back().ids_after = (uint64_t{uid} << 32) | gid;
  };
  const Owner sgid_dir{0, 5000, 02777};
  const Owner plain_dir{0, 0, 0777};
  made("new-file-takes-callers-group", plain_dir, kOther, Op::kCreateMode, 0644, 0, 0644, 2000,
       2000);
  made("new-file-in-setgid-dir-takes-its-group", sgid_dir, kOther, Op::kCreateMode, 0644, 0, 0644,
       2000, 5000);
  made("new-dir-in-setgid-dir-is-setgid", sgid_dir, kOther, Op::kMkdirMode, 0755, 0, 02755, 2000,
       5000);
  made("new-sgid-gx-file-in-setgid-dir-outside-group", sgid_dir, kOther, Op::kCreateMode, 02755, 0,
       0755, 2000, 5000);
  made("new-sgid-file-without-gx-in-setgid-dir-outside-group", sgid_dir, kOther, Op::kCreateMode,
       02745, 0, 02745, 2000, 5000);
  made("new-sgid-gx-file-in-setgid-dir-as-member", {0, 1000, 02777}, kMember, Op::kCreateMode,
       02755, 0, 02755, 2000, 1000);
  made("new-sgid-gx-file-in-setgid-dir-by-root", sgid_dir, kRoot, Op::kCreateMode, 02755, 0, 02755,
       0, 5000);
  made("create-owner-group-by-user-ignored", plain_dir, kOther, Op::kCreateOwned, 1000, 1000, 0644,
       2000, 2000);
  made("create-own-ids-by-member-ignored", plain_dir, kMember, Op::kCreateOwned, 2000, 1000, 0644,
       2000, 2000);
  made("create-owner-group-by-root-applied", plain_dir, kRoot, Op::kCreateOwned, 1000, 1000, 0644,
       1000, 1000);
  made("create-owner-group-by-squashed-root-ignored", plain_dir, kSquashedRoot, Op::kCreateOwned, 0,
       0, 0644, 65534, 65534);

  // R5 ACCESS, per type: what nfsd_access grants.
  const uint32_t kRW = ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND;
  for (ftype3 t : kAllTypes) {
    if (t == NF3DIR) continue;
    const bool lnk = t == NF3LNK;
    add(R("access-owner", t, {1000, 1000, lnk ? 0777u : 0640u}, {}, kOwner, Op::kAccess, 0, 0,
          NFS3_OK, std::nullopt, lnk ? kRW | ACCESS3_EXECUTE : kRW));
    if (lnk) continue;
    add(R("access-member", t, {1000, 1000, 0640}, {}, kMember, Op::kAccess, 0, 0, NFS3_OK,
          std::nullopt, ACCESS3_READ));
    add(R("access-other", t, {1000, 1000, 0640}, {}, kOther, Op::kAccess, 0, 0, NFS3_OK,
          std::nullopt, 0));
    add(R("access-root-no-x", t, {1000, 1000, 0000}, {}, kRoot, Op::kAccess, 0, 0, NFS3_OK,
          std::nullopt, kRW));
    add(R("access-root-some-x", t, {1000, 1000, 0100}, {}, kRoot, Op::kAccess, 0, 0, NFS3_OK,
          std::nullopt, kRW | ACCESS3_EXECUTE));
    add(R("access-owner-class-only", t, {1000, 1000, 0077}, {}, kOwner, Op::kAccess, 0, 0, NFS3_OK,
          std::nullopt, 0));
  }
  const uint32_t kDirChange = ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE;
  add(R("access-dir-owner", NF3DIR, {1000, 1000, 0700}, {}, kOwner, Op::kAccess, 0, 0, NFS3_OK,
        std::nullopt, ACCESS3_READ | ACCESS3_LOOKUP | kDirChange));
  add(R("access-dir-member", NF3DIR, {1000, 1000, 0750}, {}, kMember, Op::kAccess, 0, 0, NFS3_OK,
        std::nullopt, ACCESS3_READ | ACCESS3_LOOKUP));
  add(R("access-dir-write-without-search", NF3DIR, {1000, 1000, 0600}, {}, kOwner, Op::kAccess, 0,
        0, NFS3_OK, std::nullopt, ACCESS3_READ));
  add(R("access-dir-search-write-only", NF3DIR, {1000, 1000, 0300}, {}, kOwner, Op::kAccess, 0, 0,
        NFS3_OK, std::nullopt, ACCESS3_LOOKUP | kDirChange));
  add(R("access-dir-root", NF3DIR, {1000, 1000, 0000}, {}, kRoot, Op::kAccess, 0, 0, NFS3_OK,
        std::nullopt, ACCESS3_READ | ACCESS3_LOOKUP | kDirChange));
  add(R("access-dir-squashed-root-other", NF3DIR, {1000, 1000, 0705}, {}, kSquashedRoot,
        Op::kAccess, 0, 0, NFS3_OK, std::nullopt, ACCESS3_READ | ACCESS3_LOOKUP));
  return rows;
}

// One caller's connections to one volume.
struct Client {
  std::unique_ptr<RawClient> mnt;
  std::unique_ptr<RawClient> nfs;
  Fh root;
};

class Nfs3Permissions : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    ServerProcessOptions options;
    options.extra_args = {"--volume", "plain", "--volume", "squash"};
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
    // Rows are set up by an unsquashed root on both volumes; "squash" gets knfsd's default
    // (root squash) back before any row runs.
    Volumectl("policy plain --squash none");
    Volumectl("policy squash --squash none");
  }
  static void TearDownTestSuite() {
    clients_.clear();
    delete server_;
    server_ = nullptr;
  }

 protected:
  static void Volumectl(const std::string& args) {
    const char* ctl = std::getenv("VOLUMECTL_BIN");
    ASSERT_NE(ctl, nullptr);
    const std::string cmd =
        std::string(ctl) + " --admin-socket " + server_->admin_socket() + " " + args + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  static const char* VolName(Vol v) { return v == Vol::kPlain ? "plain" : "squash"; }

  // A fresh connection per caller and volume (the server squashes per request, so the
  // connection made before a policy change still sees the new policy).
  static Client& ClientFor(const Who& who, Vol vol) {
    std::string key =
        std::string(VolName(vol)) + "/" + std::to_string(who.uid) + "/" + std::to_string(who.gid);
    for (uint32_t g : who.groups) key += "," + std::to_string(g);
    auto it = clients_.find(key);
    if (it != clients_.end()) return it->second;
    Client c;
    c.mnt = RawClient::Connect(server_->mount_port(), MOUNT_PROGRAM, MOUNT_V3, who.uid, who.gid,
                               who.groups);
    c.nfs =
        RawClient::Connect(server_->nfs_port(), NFS_PROGRAM, NFS_V3, who.uid, who.gid, who.groups);
    EXPECT_NE(c.mnt, nullptr);
    EXPECT_NE(c.nfs, nullptr);
    const std::string path = std::string("/") + VolName(vol);
    EXPECT_TRUE(c.mnt->Call<mountres3>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) {
          return rpc_mount3_mnt_async(rpc, cb, const_cast<char*>(path.c_str()), p);
        },
        [&](mountres3* r) {
          ASSERT_EQ(r->fhs_status, MNT3_OK);
          const auto& fh = r->mountres3_u.mountinfo.fhandle;
          c.root.bytes.assign(fh.fhandle3_val, fh.fhandle3_val + fh.fhandle3_len);
        }));
    return clients_.emplace(key, std::move(c)).first->second;
  }

  template <typename Res, typename Args>
  static nfsstat3 Call(Client& c, int (*fn)(rpc_context*, rpc_cb, Args*, void*), Args args,
                       const std::function<void(Res&)>& on = nullptr) {
    nfsstat3 st = static_cast<nfsstat3>(-1);
    const bool ok = c.nfs->Call<Res>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) { return fn(rpc, cb, &args, p); },
        [&](Res* r) {
          st = r->status;
          if (on) on(*r);
        });
    EXPECT_TRUE(ok) << c.nfs->last_error;
    return st;
  }

  static diropargs3 Where(Fh& dir, const std::string& name) {
    names_.push_back(name);
    diropargs3 d{};
    d.dir = dir.wire();
    d.name = names_.back().data();
    return d;
  }

  static sattr3 Mode(uint32_t mode) {
    sattr3 s{};
    s.mode.set_it = 1;
    s.mode.set_mode3_u.mode = mode;
    return s;
  }

  static nfsstat3 SetAttr(Client& c, Fh& fh, const sattr3& attrs) {
    SETATTR3args a{};
    a.object = fh.wire();
    a.new_attributes = attrs;
    return Call<SETATTR3res>(c, rpc_nfs3_setattr_async, a);
  }

  static std::optional<fattr3> GetAttr(Client& c, Fh& fh) {
    GETATTR3args a{};
    a.object = fh.wire();
    std::optional<fattr3> out;
    Call<GETATTR3res>(c, rpc_nfs3_getattr_async, a,
                      [&](GETATTR3res& r) { out = r.GETATTR3res_u.resok.obj_attributes; });
    return out;
  }

  // The ACCESS bits granted to `c` on `fh` when it asks for all of them.
  static nfsstat3 Granted(Client& c, Fh& fh, uint32_t* granted) {
    ACCESS3args a{};
    a.object = fh.wire();
    a.access = kAllAccess;
    return Call<ACCESS3res>(c, rpc_nfs3_access_async, a,
                            [&](ACCESS3res& r) { *granted = r.ACCESS3res_u.resok.access; });
  }

  static nfsstat3 ReadSome(Client& c, Fh& fh) {
    READ3args a{};
    a.file = fh.wire();
    a.count = 16;
    return Call<READ3res>(c, rpc_nfs3_read_async, a);
  }

  static nfsstat3 WriteByte(Client& c, Fh& fh) {
    WRITE3args a{};
    a.file = fh.wire();
    a.count = 1;
    a.stable = FILE_SYNC;
    char byte = 'x';
    a.data.data_len = 1;
    a.data.data_val = &byte;
    return Call<WRITE3res>(c, rpc_nfs3_write_async, a);
  }

  static nfsstat3 Remove(Client& c, Fh& dir, const std::string& name) {
    REMOVE3args a{};
    a.object = Where(dir, name);
    return Call<REMOVE3res>(c, rpc_nfs3_remove_async, a);
  }

  static nfsstat3 LookupStatus(Client& c, Fh& dir, const std::string& name) {
    LOOKUP3args a{};
    a.what = Where(dir, name);
    return Call<LOOKUP3res>(c, rpc_nfs3_lookup_async, a);
  }

  static nfsstat3 ReadDir(Client& c, Fh& dir) {
    READDIR3args a{};
    a.dir = dir.wire();
    a.count = 4096;
    return Call<READDIR3res>(c, rpc_nfs3_readdir_async, a);
  }

  static nfsstat3 Truncate(Client& c, Fh& fh) {
    sattr3 s{};
    s.size.set_it = 1;
    s.size.set_size3_u.size = 0;
    return SetAttr(c, fh, s);
  }

  static std::optional<Fh> Lookup(Client& c, Fh& dir, const std::string& name) {
    LOOKUP3args a{};
    a.what = Where(dir, name);
    std::optional<Fh> out;
    if (Call<LOOKUP3res>(c, rpc_nfs3_lookup_async, a, [&](LOOKUP3res& r) {
          out = Fh::From(r.LOOKUP3res_u.resok.object);
        }) != NFS3_OK) {
      return std::nullopt;
    }
    return out;
  }

  // Makes `name` of `type` in `dir` as `c`; its handle, or nothing with the status.
  // `attrs`: CREATE's or MKDIR's attributes (default: mode 0644 or 0755 only).
  static std::optional<Fh> Make(Client& c, Fh& dir, const std::string& name, ftype3 type,
                                nfsstat3* status = nullptr, const sattr3* attrs = nullptr) {
    nfsstat3 st = static_cast<nfsstat3>(-1);
    std::optional<Fh> out;
    auto take = [&](const post_op_fh3& h) {
      if (h.handle_follows) out = Fh::From(h.post_op_fh3_u.handle);
    };
    switch (type) {
      case NF3REG: {
        CREATE3args a{};
        a.where = Where(dir, name);
        a.how.mode = GUARDED;
        a.how.createhow3_u.obj_attributes = attrs != nullptr ? *attrs : Mode(0644);
        st = Call<CREATE3res>(c, rpc_nfs3_create_async, a,
                              [&](CREATE3res& r) { take(r.CREATE3res_u.resok.obj); });
        break;
      }
      case NF3DIR: {
        MKDIR3args a{};
        a.where = Where(dir, name);
        a.attributes = attrs != nullptr ? *attrs : Mode(0755);
        st = Call<MKDIR3res>(c, rpc_nfs3_mkdir_async, a,
                             [&](MKDIR3res& r) { take(r.MKDIR3res_u.resok.obj); });
        break;
      }
      case NF3LNK: {
        SYMLINK3args a{};
        a.where = Where(dir, name);
        names_.push_back("target");
        a.symlink.symlink_data = names_.back().data();
        st = Call<SYMLINK3res>(c, rpc_nfs3_symlink_async, a,
                               [&](SYMLINK3res& r) { take(r.SYMLINK3res_u.resok.obj); });
        break;
      }
      case NF3CHR:
      case NF3BLK:
      case NF3SOCK:
      case NF3FIFO: {
        MKNOD3args a{};
        a.where = Where(dir, name);
        a.what.type = type;
        if (type == NF3CHR) {
          a.what.mknoddata3_u.chr_device.dev_attributes = Mode(0644);
          a.what.mknoddata3_u.chr_device.spec = {1, 3};
        } else if (type == NF3BLK) {
          a.what.mknoddata3_u.blk_device.dev_attributes = Mode(0644);
          a.what.mknoddata3_u.blk_device.spec = {7, 0};
        } else if (type == NF3SOCK) {
          a.what.mknoddata3_u.sock_attributes = Mode(0644);
        } else {
          a.what.mknoddata3_u.pipe_attributes = Mode(0644);
        }
        st = Call<MKNOD3res>(c, rpc_nfs3_mknod_async, a,
                             [&](MKNOD3res& r) { take(r.MKNOD3res_u.resok.obj); });
        break;
      }
    }
    if (status != nullptr) *status = st;
    if (st != NFS3_OK) return std::nullopt;
    return out;
  }

  // Root on the row's volume sets `fh` to owner/mode (mode last: a chown clears set-ID).
  static void Own(Client& root, Fh& fh, const Owner& o, bool symlink) {
    sattr3 s{};
    s.uid.set_it = 1;
    s.uid.set_uid3_u.uid = o.uid;
    s.gid.set_it = 1;
    s.gid.set_gid3_u.gid = o.gid;
    ASSERT_EQ(SetAttr(root, fh, s), NFS3_OK);
    if (!symlink) {
      ASSERT_EQ(SetAttr(root, fh, Mode(o.mode)), NFS3_OK);
    }
  }

  struct Prepared {
    Fh dir;
    Fh obj;
    Fh sub;
  };

  // The row's directory and objects, made by an unsquashed root.
  static Prepared Prepare(const Row& row) {
    Client& root = ClientFor(kRoot, row.vol());
    Prepared p;
    auto dir = Make(root, root.root, row.name, NF3DIR);
    EXPECT_TRUE(dir.has_value()) << row.name;
    if (!dir) return p;
    p.dir = *dir;
    auto obj = Make(root, p.dir, "obj", row.type);
    EXPECT_TRUE(obj.has_value()) << row.name;
    if (!obj) return p;
    p.obj = *obj;
    Own(root, p.obj, row.obj, row.type == NF3LNK);
    if (row.op == Op::kRenameOnto) {
      auto mine = Make(root, p.dir, "mine", NF3REG);
      EXPECT_TRUE(mine.has_value());
      if (mine) Own(root, *mine, {row.who.uid, row.who.gid, 0644}, false);
    }
    if (row.op == Op::kRenameInto) {
      auto sub = Make(root, p.dir, "sub", NF3DIR);
      EXPECT_TRUE(sub.has_value());
      if (sub) {
        p.sub = *sub;
        Own(root, p.sub, {1000, 1000, row.a}, false);
      }
    }
    Own(root, p.dir, row.dir, false);
    return p;
  }

  // Runs the row's operation as its caller; the status, and the granted bits of ACCESS.
  static nfsstat3 Run(const Row& row, Prepared& p, uint32_t* granted) {
    Client& c = ClientFor(row.who, row.vol());
    sattr3 s{};
    switch (row.op) {
      case Op::kChown:
      case Op::kChownChgrp:
      case Op::kChownMode:
        s.uid.set_it = 1;
        s.uid.set_uid3_u.uid = row.a;
        if (row.op == Op::kChownChgrp) {
          s.gid.set_it = 1;
          s.gid.set_gid3_u.gid = row.b;
        }
        if (row.op == Op::kChownMode) {
          s.mode.set_it = 1;
          s.mode.set_mode3_u.mode = row.b;
        }
        return SetAttr(c, p.obj, s);
      case Op::kChgrp:
        s.gid.set_it = 1;
        s.gid.set_gid3_u.gid = row.a;
        return SetAttr(c, p.obj, s);
      case Op::kChmod:
        return SetAttr(c, p.obj, Mode(row.a));
      case Op::kTimesExplicit:
      case Op::kTimesNow:
      case Op::kTimesMixed:
        s.atime.set_it = row.op == Op::kTimesExplicit ? SET_TO_CLIENT_TIME : SET_TO_SERVER_TIME;
        s.atime.set_atime_u.atime = {1000000, 0};
        s.mtime.set_it = row.op == Op::kTimesNow ? SET_TO_SERVER_TIME : SET_TO_CLIENT_TIME;
        s.mtime.set_mtime_u.mtime = {1000000, 0};
        return SetAttr(c, p.obj, s);
      case Op::kTruncate:
        s.size.set_it = 1;
        s.size.set_size3_u.size = row.a;
        return SetAttr(c, p.obj, s);
      case Op::kWrite:
        return WriteByte(c, p.obj);
      case Op::kRead:
        return ReadSome(c, p.obj);
      case Op::kAccess:
        return Granted(c, p.obj, granted);
      case Op::kRemove:
        return Remove(c, p.dir, "obj");
      case Op::kRmdir: {
        RMDIR3args a{};
        a.object = Where(p.dir, "obj");
        return Call<RMDIR3res>(c, rpc_nfs3_rmdir_async, a);
      }
      case Op::kRenameAway:
      case Op::kRenameOnto:
      case Op::kRenameInto: {
        RENAME3args a{};
        a.from = Where(p.dir, row.op == Op::kRenameOnto ? "mine" : "obj");
        a.to = row.op == Op::kRenameInto   ? Where(p.sub, "obj")
               : row.op == Op::kRenameAway ? Where(p.dir, "moved")
                                           : Where(p.dir, "obj");
        return Call<RENAME3res>(c, rpc_nfs3_rename_async, a);
      }
      case Op::kLink: {
        LINK3args a{};
        a.file = p.obj.wire();
        a.link = Where(p.dir, "linked");
        return Call<LINK3res>(c, rpc_nfs3_link_async, a);
      }
      case Op::kCreate:
      case Op::kMknodChr:
      case Op::kMknodFifo: {
        nfsstat3 st = static_cast<nfsstat3>(-1);
        Make(c, p.dir, "new",
             row.op == Op::kCreate     ? NF3REG
             : row.op == Op::kMknodChr ? NF3CHR
                                       : NF3FIFO,
             &st);
        return st;
      }
      case Op::kCreateMode:
      case Op::kMkdirMode:
      case Op::kCreateOwned: {
        s = Mode(row.op == Op::kCreateOwned ? 0644 : row.a);
        if (row.op == Op::kCreateOwned) {
          s.uid.set_it = 1;
          s.uid.set_uid3_u.uid = row.a;
          s.gid.set_it = 1;
          s.gid.set_gid3_u.gid = row.b;
        }
        nfsstat3 st = static_cast<nfsstat3>(-1);
        Make(c, p.dir, "new", row.op == Op::kMkdirMode ? NF3DIR : NF3REG, &st, &s);
        return st;
      }
      case Op::kLookup:
        return LookupStatus(c, p.dir, "obj");
      case Op::kReadDir:
        return ReadDir(c, p.dir);
    }
    return static_cast<nfsstat3>(-1);
  }

  static inline ServerProcess* server_ = nullptr;
  static inline std::map<std::string, Client> clients_;
  static inline std::deque<std::string> names_;
};

TEST_F(Nfs3Permissions, EveryRuleEveryTypeAsLinux) {
  const std::vector<Row> rows = Table();
  std::vector<Prepared> prepared;
  prepared.reserve(rows.size());
  for (const Row& row : rows) prepared.push_back(Prepare(row));
  ASSERT_FALSE(HasFailure()) << "setting the rows up failed";
  Volumectl("policy squash --squash root");
  size_t checked = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    SCOPED_TRACE(row.name + " as " + row.who.name);
    uint32_t granted = ~0u;
    EXPECT_EQ(Run(row, prepared[i], &granted), row.want);
    if (row.op == Op::kAccess) {
      EXPECT_EQ(granted, row.access);
    }
    if (row.mode_after || row.ids_after) {
      const bool made =
          row.op == Op::kCreateMode || row.op == Op::kMkdirMode || row.op == Op::kCreateOwned;
      Client& root = ClientFor(kRoot, row.vol());
      auto target = made ? Lookup(root, prepared[i].dir, "new") : prepared[i].obj;
      ASSERT_TRUE(target.has_value());
      auto attrs = GetAttr(root, *target);
      ASSERT_TRUE(attrs.has_value());
      if (row.mode_after) {
        EXPECT_EQ(attrs->mode & 07777, *row.mode_after)
            << std::oct << "mode 0" << (attrs->mode & 07777) << ", want 0" << *row.mode_after;
      }
      if (row.ids_after) {
        EXPECT_EQ((uint64_t{attrs->uid} << 32) | attrs->gid, *row.ids_after)
            << "owner " << attrs->uid << ":" << attrs->gid;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 300u);  // the table is what it says: every rule times every type
}

// ACCESS answers what the operations then do: over a grid of directory and file modes
// and callers (owner, group member through a supplementary gid, other), LOOKUP succeeds
// iff LOOKUP was granted, READDIR iff READ on the directory, CREATE and REMOVE iff
// MODIFY and DELETE on the directory, WRITE by a non-owner iff MODIFY on the file, READ
// by a non-owner without execute iff READ.
TEST_F(Nfs3Permissions, AccessAgreesWithOperations) {
  Client& root = ClientFor(kRoot, Vol::kPlain);
  auto base = Make(root, root.root, "agree", NF3DIR);
  ASSERT_TRUE(base.has_value());
  const Who callers[] = {kOwner, kMember, kOther};
  const uint32_t dir_modes[] = {0777, 0700, 0770, 0750, 0730, 0710, 0760, 0705, 0703, 0701, 0000};
  const uint32_t file_modes[] = {0666, 0644, 0640, 0604, 0600, 0660, 0606, 0000};
  int n = 0;
  for (uint32_t dm : dir_modes) {
    for (const Who& who : callers) {
      SCOPED_TRACE(::testing::Message() << who.name << " dir mode 0" << std::oct << dm);
      const std::string name = "d" + std::to_string(n++);
      auto d = Make(root, *base, name, NF3DIR);
      ASSERT_TRUE(d.has_value());
      auto victim = Make(root, *d, "victim", NF3REG);
      ASSERT_TRUE(victim.has_value());
      Own(root, *d, {1000, 1000, dm}, false);
      Client& c = ClientFor(who, Vol::kPlain);
      uint32_t granted = 0;
      ASSERT_EQ(Granted(c, *d, &granted), NFS3_OK);
      EXPECT_EQ(LookupStatus(c, *d, "victim") == NFS3_OK, (granted & ACCESS3_LOOKUP) != 0);
      EXPECT_EQ(ReadDir(c, *d) == NFS3_OK, (granted & ACCESS3_READ) != 0);
      nfsstat3 created;
      Make(c, *d, "new", NF3REG, &created);
      EXPECT_EQ(created == NFS3_OK, (granted & ACCESS3_MODIFY) != 0);
      EXPECT_EQ(created == NFS3_OK, (granted & ACCESS3_EXTEND) != 0);
      EXPECT_EQ(Remove(c, *d, "victim") == NFS3_OK, (granted & ACCESS3_DELETE) != 0);
    }
  }
  for (uint32_t fm : file_modes) {
    for (const Who& who : {kMember, kOther}) {
      SCOPED_TRACE(::testing::Message() << who.name << " file mode 0" << std::oct << fm);
      auto f = Make(root, *base, "f" + std::to_string(n++), NF3REG);
      ASSERT_TRUE(f.has_value());
      Own(root, *f, {1000, 1000, fm}, false);
      Client& c = ClientFor(who, Vol::kPlain);
      uint32_t granted = 0;
      ASSERT_EQ(Granted(c, *f, &granted), NFS3_OK);
      const bool modify = (granted & ACCESS3_MODIFY) != 0;
      EXPECT_EQ(ReadSome(c, *f) == NFS3_OK, (granted & ACCESS3_READ) != 0);
      EXPECT_EQ(WriteByte(c, *f) == NFS3_OK, modify);
      EXPECT_EQ(Truncate(c, *f) == NFS3_OK, modify);
    }
  }
}

}  // namespace
}  // namespace volumed::testing
