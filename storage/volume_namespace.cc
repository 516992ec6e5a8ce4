// VolumeImpl: namespace operations — create, mkdir, symlink, mknod, remove, rmdir,
// rename, link, readdir. Each change is one WriteBatch that must become durable.
#include <leveldb/write_batch.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "storage/permissions.h"
#include "storage/volume_impl.h"
#include "storage/volume_util.h"

namespace volumed::storage {
namespace {

Status NotDir() { return Status(Status::Code::kNotDir, "not a directory"); }
Status IsDir() { return Status(Status::Code::kIsDir, "is a directory"); }

// Entries read before locking, to learn which inodes to lock; re-read after.
struct Peek {
  std::optional<EntryRecord> entry;
  bool operator==(const Peek& o) const {
    if (entry.has_value() != o.entry.has_value()) return false;
    return !entry || entry->child == o.entry->child;
  }
  InodeId child() const { return entry ? entry->child : 0; }
};

}  // namespace

Result<CreateResult> VolumeImpl::MakeNode(const Credentials& cred, InodeRef dir,
                                          std::string_view name, FileType type,
                                          uint32_t default_mode, const SetAttrRequest& initial,
                                          const std::function<void(InodeRecord*)>& fill,
                                          CreateMode mode, uint64_t verifier, Wcc* dir_wcc,
                                          bool* existed) {
  *existed = false;
  auto g = Enter();
  if (!g.ok) return Stale();
  if (IsDotName(name)) return Exists("name exists");
  VOLUMED_RETURN_IF_ERROR(CheckName(name));
  auto guard = locks_.Exclusive(dir.ino);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord d, inodes_.GetRef(dir));
  const InodeRecord d_before = d;
  FillWcc(dir_wcc, dir.ino, d, d);
  if (d.type != FileType::kDirectory) return NotDir();
  if (!perm::Allows(cred, d, perm::kWrite | perm::kExec)) return Denied();
  VOLUMED_ASSIGN_OR_RETURN(auto existing, dirs_.Lookup(dir.ino, name));
  if (existing) {
    if (mode == CreateMode::kGuarded) return Exists("name exists");
    VOLUMED_ASSIGN_OR_RETURN(auto c, inodes_.Get(existing->child));
    if (!c) return Corruption("entry points to a missing inode");
    if (c->type != FileType::kRegular) return Exists("name exists");
    if (mode == CreateMode::kExclusive && !(c->has_verifier && c->verifier == verifier)) {
      return Exists("name exists");
    }
    *existed = true;
    return CreateResult{InodeRef{existing->child, c->generation},
                        ToAttributes(existing->child, *c)};
  }
  // After the directory's permission and the name (knfsd's order): devices need root.
  if ((type == FileType::kCharDevice || type == FileType::kBlockDevice) && !cred.IsRoot()) {
    return NotPermitted();
  }
  if (type == FileType::kDirectory && d.nlink >= kMaxLinkCount) {
    return Status(Status::Code::kTooManyLinks, "too many links");
  }
  const InodeId ino = queue_->AllocateIno();
  InodeRecord child = NewInode(cred, d, type, default_mode, initial, ino);
  if (mode == CreateMode::kExclusive) {
    child.has_verifier = true;
    child.verifier = verifier;
  }
  if (fill) fill(&child);
  Mutation m;
  m.delta.files = 1;
  dirs_.Add(&m.batch, dir.ino, &d, name, ino, child);
  if (type == FileType::kDirectory) d.nlink += 1;
  d.mtime = After(d.mtime, child.ctime);
  d.ctime = After(d.ctime, child.ctime);
  PutInode(&m, ino, child);
  PutInode(&m, dir.ino, d);
  VOLUMED_RETURN_IF_ERROR(CommitOp(&m, true));
  FillWcc(dir_wcc, dir.ino, d_before, d);
  return CreateResult{InodeRef{ino, child.generation}, ToAttributes(ino, child)};
}

Result<CreateResult> VolumeImpl::Create(const Credentials& cred, InodeRef dir,
                                        std::string_view name, CreateMode mode,
                                        const SetAttrRequest& initial, uint64_t verifier,
                                        Wcc* dir_wcc) {
  // EXCLUSIVE creates with mode 0 and no attributes: the client sets them next.
  const SetAttrRequest none;
  const SetAttrRequest& attrs = mode == CreateMode::kExclusive ? none : initial;
  bool existed = false;
  VOLUMED_ASSIGN_OR_RETURN(
      CreateResult r,
      MakeNode(cred, dir, name, FileType::kRegular, mode == CreateMode::kExclusive ? 0 : 0644,
               attrs, nullptr, mode, verifier, dir_wcc, &existed));
  if (existed && mode == CreateMode::kUnchecked && initial.size) {
    // UNCHECKED over an existing file applies the size (O_TRUNC), as a SETATTR would.
    SetAttrRequest truncate;
    truncate.size = initial.size;
    Wcc ignored;
    VOLUMED_RETURN_IF_ERROR(SetAttr(cred, r.ref, truncate, &ignored));
    if (ignored.after) r.attrs = *ignored.after;
  }
  return r;
}

Result<CreateResult> VolumeImpl::Mkdir(const Credentials& cred, InodeRef dir, std::string_view name,
                                       const SetAttrRequest& initial, Wcc* dir_wcc) {
  bool existed = false;
  return MakeNode(
      cred, dir, name, FileType::kDirectory, 0755, initial,
      [&](InodeRecord* c) {
        c->nlink = 2;
        c->parent = dir.ino;
      },
      CreateMode::kGuarded, 0, dir_wcc, &existed);
}

Result<CreateResult> VolumeImpl::Symlink(const Credentials& cred, InodeRef dir,
                                         std::string_view name, std::string_view target,
                                         const SetAttrRequest& initial, Wcc* dir_wcc) {
  if (target.size() > kMaxPathLength) {
    return Status(Status::Code::kNameTooLong, "symlink target too long");
  }
  if (target.empty()) return InvalidArgument("empty symlink target");
  bool existed = false;
  SetAttrRequest attrs = initial;
  attrs.mode = 0777;  // symlink permissions are not used; Linux shows 0777
  return MakeNode(
      cred, dir, name, FileType::kSymlink, 0777, attrs,
      [&](InodeRecord* c) {
        c->target = std::string(target);
        c->size = target.size();
      },
      CreateMode::kGuarded, 0, dir_wcc, &existed);
}

Result<CreateResult> VolumeImpl::Mknod(const Credentials& cred, InodeRef dir, std::string_view name,
                                       FileType type, const SetAttrRequest& initial,
                                       uint32_t rdev_major, uint32_t rdev_minor, Wcc* dir_wcc) {
  const bool device = type == FileType::kCharDevice || type == FileType::kBlockDevice;
  if (!device && type != FileType::kSocket && type != FileType::kFifo) {
    return Status(Status::Code::kBadType, "mknod of this type is not supported");
  }
  bool existed = false;
  return MakeNode(
      cred, dir, name, type, 0644, initial,
      [&](InodeRecord* c) {
        if (device) {
          c->rdev_major = rdev_major;
          c->rdev_minor = rdev_minor;
        }
      },
      CreateMode::kGuarded, 0, dir_wcc, &existed);
}

Result<VolumeImpl::LockedEntry> VolumeImpl::LockEntryToRemove(const Credentials& cred, InodeRef dir,
                                                              std::string_view name, Removing what,
                                                              Wcc* dir_wcc) {
  for (;;) {
    VOLUMED_ASSIGN_OR_RETURN(auto peek, dirs_.Lookup(dir.ino, name));
    auto guard = locks_.Exclusive({dir.ino, peek ? peek->child : 0});
    VOLUMED_ASSIGN_OR_RETURN(InodeRecord d, inodes_.GetRef(dir));
    FillWcc(dir_wcc, dir.ino, d, d);
    if (d.type != FileType::kDirectory) return NotDir();
    VOLUMED_ASSIGN_OR_RETURN(auto e, dirs_.Lookup(dir.ino, name));
    if (!(Peek{e} == Peek{peek})) continue;  // changed before we held its lock: again
    if (!perm::Allows(cred, d, perm::kWrite | perm::kExec)) return Denied();
    if (!e) return NotFound("no such entry");
    VOLUMED_ASSIGN_OR_RETURN(auto c, inodes_.Get(e->child));
    if (!c) return Corruption("entry points to a missing inode");
    if (!perm::MayDeleteFrom(cred, d, *c)) return NotPermitted();
    const bool is_directory = c->type == FileType::kDirectory;
    if (is_directory && what == Removing::kNonDirectory) return IsDir();
    if (!is_directory && what == Removing::kDirectory) return NotDir();
    return LockedEntry{std::move(guard), std::move(d), std::move(*e), std::move(*c)};
  }
}

Status VolumeImpl::RemoveEntry(const Credentials& cred, InodeRef dir, std::string_view name,
                               Removing what, Wcc* dir_wcc) {
  VOLUMED_ASSIGN_OR_RETURN(LockedEntry found, LockEntryToRemove(cred, dir, name, what, dir_wcc));
  if (what == Removing::kDirectory) {
    VOLUMED_ASSIGN_OR_RETURN(bool empty, dirs_.IsEmpty(found.entry.child));
    if (!empty) return Status(Status::Code::kNotEmpty, "directory not empty");
  }
  InodeRecord& d = found.dir;
  const InodeRecord d_before = d;
  const Timespec now = Now();
  Mutation m;
  dirs_.Remove(&m.batch, dir.ino, name, found.entry);
  if (what == Removing::kDirectory) {
    VOLUMED_RETURN_IF_ERROR(FreeInode(&m, found.entry.child, found.child));
    d.nlink -= 1;  // the child's ".." linked to `dir`
  } else {
    VOLUMED_RETURN_IF_ERROR(Unlink(&m, found.entry.child, &found.child, now));
  }
  d.mtime = After(d.mtime, now);
  d.ctime = After(d.ctime, now);
  PutInode(&m, dir.ino, d);
  VOLUMED_RETURN_IF_ERROR(CommitOp(&m, true));
  FillWcc(dir_wcc, dir.ino, d_before, d);
  return Status::Ok();
}

Status VolumeImpl::Remove(const Credentials& cred, InodeRef dir, std::string_view name,
                          Wcc* dir_wcc) {
  auto g = Enter();
  if (!g.ok) return Stale();
  if (IsDotName(name)) return InvalidArgument("cannot remove . or ..");
  VOLUMED_RETURN_IF_ERROR(CheckName(name));
  return RemoveEntry(cred, dir, name, Removing::kNonDirectory, dir_wcc);
}

Status VolumeImpl::Rmdir(const Credentials& cred, InodeRef dir, std::string_view name,
                         Wcc* dir_wcc) {
  auto g = Enter();
  if (!g.ok) return Stale();
  if (name == ".") return InvalidArgument("cannot remove .");
  if (name == "..") return Status(Status::Code::kNotEmpty, "cannot remove ..");
  VOLUMED_RETURN_IF_ERROR(CheckName(name));
  return RemoveEntry(cred, dir, name, Removing::kDirectory, dir_wcc);
}

Status VolumeImpl::Rename(const Credentials& cred, InodeRef from_dir, std::string_view from_name,
                          InodeRef to_dir, std::string_view to_name, Wcc* from_wcc, Wcc* to_wcc) {
  auto g = Enter();
  if (!g.ok) return Stale();
  if (IsDotName(from_name) || IsDotName(to_name)) {
    return InvalidArgument("cannot rename . or ..");
  }
  VOLUMED_RETURN_IF_ERROR(CheckName(from_name));
  VOLUMED_RETURN_IF_ERROR(CheckName(to_name));
  const bool same_dir = from_dir.ino == to_dir.ino;
  for (;;) {
    VOLUMED_ASSIGN_OR_RETURN(auto src_peek, dirs_.Lookup(from_dir.ino, from_name));
    VOLUMED_ASSIGN_OR_RETURN(auto dst_peek, dirs_.Lookup(to_dir.ino, to_name));
    std::unique_lock<std::mutex> tree_lock;
    if (!same_dir && src_peek && src_peek->type == FileType::kDirectory) {
      tree_lock = std::unique_lock<std::mutex>(rename_mu_);
    }
    auto guard = locks_.Exclusive(
        {from_dir.ino, to_dir.ino, Peek{src_peek}.child(), Peek{dst_peek}.child()});
    VOLUMED_ASSIGN_OR_RETURN(InodeRecord fd, inodes_.GetRef(from_dir));
    FillWcc(from_wcc, from_dir.ino, fd, fd);
    VOLUMED_ASSIGN_OR_RETURN(InodeRecord td_own, inodes_.GetRef(to_dir));
    FillWcc(to_wcc, to_dir.ino, td_own, td_own);
    InodeRecord& td = same_dir ? fd : td_own;
    const InodeRecord fd_before = fd;
    const InodeRecord td_before = td;
    if (fd.type != FileType::kDirectory || td.type != FileType::kDirectory) return NotDir();
    VOLUMED_ASSIGN_OR_RETURN(auto src, dirs_.Lookup(from_dir.ino, from_name));
    VOLUMED_ASSIGN_OR_RETURN(auto dst, dirs_.Lookup(to_dir.ino, to_name));
    if (!(Peek{src} == Peek{src_peek}) || !(Peek{dst} == Peek{dst_peek})) continue;
    if (src && src->type == FileType::kDirectory && !same_dir && !tree_lock.owns_lock()) continue;
    if (!perm::Allows(cred, fd, perm::kWrite | perm::kExec) ||
        !perm::Allows(cred, td, perm::kWrite | perm::kExec)) {
      return Denied();
    }
    if (!src) return NotFound("no such entry");
    VOLUMED_ASSIGN_OR_RETURN(auto s_rec, inodes_.Get(src->child));
    if (!s_rec) return Corruption("entry points to a missing inode");
    InodeRecord s = *s_rec;
    if (dst && dst->child == src->child) return Status::Ok();  // same inode: nothing to do
    if (!perm::MayDeleteFrom(cred, fd, s)) return NotPermitted();
    const bool s_is_dir = s.type == FileType::kDirectory;
    std::optional<InodeRecord> t;
    if (dst) {
      VOLUMED_ASSIGN_OR_RETURN(auto t_rec, inodes_.Get(dst->child));
      if (!t_rec) return Corruption("entry points to a missing inode");
      t = *t_rec;
      if (!perm::MayDeleteFrom(cred, td, *t)) return NotPermitted();
      const bool t_is_dir = t->type == FileType::kDirectory;
      if (s_is_dir && !t_is_dir) return NotDir();
      if (!s_is_dir && t_is_dir) return IsDir();
    }
    // Moving a directory rewrites its "..": Linux requires write permission on it.
    if (s_is_dir && !same_dir && !perm::Allows(cred, s, perm::kWrite)) return Denied();
    if (t && t->type == FileType::kDirectory) {
      VOLUMED_ASSIGN_OR_RETURN(bool empty, dirs_.IsEmpty(dst->child));
      if (!empty) return Status(Status::Code::kNotEmpty, "directory not empty");
    }
    if (s_is_dir && !same_dir) {
      // Never into its own subtree: walk up from the target directory.
      InodeId at = to_dir.ino;
      for (int depth = 0;; ++depth) {
        if (at == src->child) return InvalidArgument("cannot move a directory into itself");
        if (at == kRootIno || depth > 1 << 20) break;
        VOLUMED_ASSIGN_OR_RETURN(auto up, inodes_.Get(at));
        if (!up) return Corruption("directory parent chain broken");
        at = up->parent;
      }
      if (!t && td.nlink >= kMaxLinkCount) {
        return Status(Status::Code::kTooManyLinks, "too many links");
      }
    }

    const Timespec now = Now();
    Mutation m;
    dirs_.Remove(&m.batch, from_dir.ino, from_name, *src);
    if (dst) {
      dirs_.Remove(&m.batch, to_dir.ino, to_name, *dst);
      if (t->type == FileType::kDirectory) {
        VOLUMED_RETURN_IF_ERROR(FreeInode(&m, dst->child, *t));
        td.nlink -= 1;
      } else {
        VOLUMED_RETURN_IF_ERROR(Unlink(&m, dst->child, &*t, now));
      }
    }
    dirs_.Add(&m.batch, to_dir.ino, &td, to_name, src->child, s);
    if (s_is_dir && !same_dir) {
      s.parent = to_dir.ino;
      fd.nlink -= 1;
      td.nlink += 1;
    }
    s.ctime = After(s.ctime, now);
    PutInode(&m, src->child, s);
    fd.mtime = After(fd.mtime, now);
    fd.ctime = After(fd.ctime, now);
    if (!same_dir) {
      td.mtime = After(td.mtime, now);
      td.ctime = After(td.ctime, now);
      PutInode(&m, to_dir.ino, td);
    }
    PutInode(&m, from_dir.ino, fd);
    VOLUMED_RETURN_IF_ERROR(CommitOp(&m, true));
    FillWcc(from_wcc, from_dir.ino, fd_before, fd);
    FillWcc(to_wcc, to_dir.ino, td_before, td);
    return Status::Ok();
  }
}

Status VolumeImpl::Link(const Credentials& cred, InodeRef file, InodeRef dir, std::string_view name,
                        Attributes* file_after, Wcc* dir_wcc) {
  auto g = Enter();
  if (!g.ok) return Stale();
  if (IsDotName(name)) return Exists("name exists");
  VOLUMED_RETURN_IF_ERROR(CheckName(name));
  auto guard = locks_.Exclusive({file.ino, dir.ino});
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord f, inodes_.GetRef(file));
  if (file_after) *file_after = ToAttributes(file.ino, f);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord d, inodes_.GetRef(dir));
  const InodeRecord d_before = d;
  FillWcc(dir_wcc, dir.ino, d, d);
  if (d.type != FileType::kDirectory) return NotDir();
  if (f.type == FileType::kDirectory) return IsDir();
  if (!perm::Allows(cred, d, perm::kWrite | perm::kExec)) return Denied();
  VOLUMED_ASSIGN_OR_RETURN(auto existing, dirs_.Lookup(dir.ino, name));
  if (existing) return Exists("name exists");
  if (f.nlink >= kMaxLinkCount) return Status(Status::Code::kTooManyLinks, "too many links");
  const Timespec now = Now();
  Mutation m;
  f.nlink += 1;
  f.ctime = After(f.ctime, now);
  dirs_.Add(&m.batch, dir.ino, &d, name, file.ino, f);
  d.mtime = After(d.mtime, now);
  d.ctime = After(d.ctime, now);
  PutInode(&m, file.ino, f);
  PutInode(&m, dir.ino, d);
  VOLUMED_RETURN_IF_ERROR(CommitOp(&m, true));
  if (file_after) *file_after = ToAttributes(file.ino, f);
  FillWcc(dir_wcc, dir.ino, d_before, d);
  return Status::Ok();
}

Result<bool> VolumeImpl::ReadDir(const Credentials& cred, InodeRef dir, uint64_t cookie,
                                 const DirVisitor& visit, Attributes* dir_after) {
  return ListDirectory(cred, dir, cookie, visit, dir_after, false);
}

Result<bool> VolumeImpl::ReadDirPlus(const Credentials& cred, InodeRef dir, uint64_t cookie,
                                     const DirVisitor& visit, Attributes* dir_after) {
  return ListDirectory(cred, dir, cookie, visit, dir_after, true);
}

Result<bool> VolumeImpl::ListDirectory(const Credentials& cred, InodeRef dir, uint64_t cookie,
                                       const DirVisitor& visit, Attributes* dir_after,
                                       bool with_attrs) {
  auto g = Enter();
  if (!g.ok) return Stale();
  // Entries are read in chunks under the directory's lock and visited without it, so a
  // slow visitor holds no lock.
  constexpr size_t kChunk = 512;
  bool first = true;
  for (;;) {
    std::vector<DirEntry> chunk;
    {
      auto guard = locks_.Shared(dir.ino);
      VOLUMED_ASSIGN_OR_RETURN(InodeRecord d, inodes_.GetRef(dir));
      if (first) {
        if (dir_after) *dir_after = ToAttributes(dir.ino, d);
        if (d.type != FileType::kDirectory) return NotDir();
        if (!perm::Allows(cred, d, perm::kRead)) return Denied();
        first = false;
      }
      VOLUMED_RETURN_IF_ERROR(dirs_.List(dir.ino, cookie, [&](uint64_t c, const CookieRecord& rec) {
        chunk.push_back(DirEntry{rec.name, rec.child, rec.generation, rec.type, c, std::nullopt});
        return chunk.size() < kChunk;
      }));
      if (with_attrs) VOLUMED_RETURN_IF_ERROR(AttachAttributes(&chunk));
    }
    for (const DirEntry& e : chunk) {
      if (!visit(e)) return false;
      cookie = e.cookie;
    }
    if (chunk.size() < kChunk) return true;
  }
}

Status VolumeImpl::AttachAttributes(std::vector<DirEntry>* entries) {
  std::vector<InodeId> inos;
  inos.reserve(entries->size());
  for (const DirEntry& e : *entries) inos.push_back(e.ino);
  std::sort(inos.begin(), inos.end());
  inos.erase(std::unique(inos.begin(), inos.end()), inos.end());
  std::unordered_map<InodeId, InodeRecord> found;
  found.reserve(inos.size());
  VOLUMED_RETURN_IF_ERROR(
      inodes_.GetMany(inos, [&](InodeId ino, const InodeRecord& rec) { found.emplace(ino, rec); }));
  for (DirEntry& e : *entries) {
    auto it = found.find(e.ino);
    if (it != found.end() && it->second.generation == e.generation) {
      e.attrs = ToAttributes(e.ino, it->second);
    }
  }
  return Status::Ok();
}

}  // namespace volumed::storage
