// VolumeImpl: attribute and data operations (GETATTR is in volume_impl.cc).
#include <leveldb/write_batch.h>

#include "storage/key_codec.h"
#include "storage/permissions.h"
#include "storage/volume_impl.h"
#include "storage/volume_util.h"

namespace volumed::storage {

Status VolumeImpl::SetAttr(const Credentials& cred, InodeRef ref, const SetAttrRequest& req,
                           Wcc* wcc) {
  auto g = Enter();
  if (!g.ok) return Stale();
  auto guard = locks_.Exclusive(ref.ino);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  const InodeRecord before = r;
  FillWcc(wcc, ref.ino, r, r);
  if (req.guard_ctime && !(*req.guard_ctime == r.ctime)) {
    return Status(Status::Code::kNotSync, "ctime guard mismatch");
  }
  for (const auto& [how, t] : {std::pair{req.atime_how, req.atime}, {req.mtime_how, req.mtime}}) {
    if (how == TimeHow::kClientTime && t.nsec >= 1000000000) {
      return InvalidArgument("nanoseconds out of range");
    }
  }
  if (req.size) {
    if (r.type == FileType::kDirectory) return Status(Status::Code::kIsDir, "is a directory");
    if (r.type != FileType::kRegular) return InvalidArgument("not a regular file");
    if (*req.size > kMaxFileSize) return Status(Status::Code::kTooLarge, "file too large");
  }
  // Every permission check first (permissions.h), so nothing is half-applied.
  VOLUMED_RETURN_IF_ERROR(perm::CheckSetAttr(cred, r, req));

  const Timespec now = Now();
  Mutation m;
  r.mode = perm::ModeAfterSetAttr(cred, r, req);
  if (req.uid) r.uid = *req.uid;
  if (req.gid) r.gid = *req.gid;
  if (req.size) {
    VOLUMED_RETURN_IF_ERROR(Truncate(&m, ref.ino, &r, *req.size));
    if (req.mtime_how == TimeHow::kDontChange) r.mtime = After(r.mtime, now);
  }
  if (req.atime_how == TimeHow::kServerTime) r.atime = now;
  if (req.atime_how == TimeHow::kClientTime) r.atime = req.atime;
  if (req.mtime_how == TimeHow::kServerTime) r.mtime = After(r.mtime, now);
  if (req.mtime_how == TimeHow::kClientTime) r.mtime = req.mtime;
  r.ctime = After(r.ctime, now);
  PutInode(&m, ref.ino, r);
  Status s = CommitOp(&m, true);
  FillWcc(wcc, ref.ino, before, s.ok() ? r : before);
  return s;
}

Result<LookupResult> VolumeImpl::Lookup(const Credentials& cred, InodeRef dir,
                                        std::string_view name, Attributes* dir_after) {
  auto g = Enter();
  if (!g.ok) return Stale();
  auto guard = locks_.Shared(dir.ino);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord d, inodes_.GetRef(dir));
  if (dir_after) *dir_after = ToAttributes(dir.ino, d);
  if (d.type != FileType::kDirectory) return Status(Status::Code::kNotDir, "not a directory");
  if (!perm::Allows(cred, d, perm::kExec)) return Denied();
  if (name == ".") return LookupResult{dir, ToAttributes(dir.ino, d)};
  InodeId child;
  if (name == "..") {
    child = d.parent;
  } else {
    VOLUMED_RETURN_IF_ERROR(CheckName(name));
    VOLUMED_ASSIGN_OR_RETURN(auto e, dirs_.Lookup(dir.ino, name));
    if (!e) return NotFound("no such entry");
    child = e->child;
  }
  return Named(child);
}

Result<LookupResult> VolumeImpl::Parent(InodeRef dir) {
  auto g = Enter();
  if (!g.ok) return Stale();
  auto guard = locks_.Shared(dir.ino);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord d, inodes_.GetRef(dir));
  if (d.type != FileType::kDirectory) return Status(Status::Code::kNotDir, "not a directory");
  return Named(d.parent);
}

Result<LookupResult> VolumeImpl::Named(InodeId child) {
  VOLUMED_ASSIGN_OR_RETURN(auto c, inodes_.Get(child));
  if (!c) return Corruption("entry points to a missing inode");
  return LookupResult{InodeRef{child, c->generation}, ToAttributes(child, *c)};
}

Result<uint32_t> VolumeImpl::Access(const Credentials& cred, InodeRef ref, uint32_t requested,
                                    Attributes* after) {
  auto g = Enter();
  if (!g.ok) return Stale();
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  if (after) *after = ToAttributes(ref.ino, r);
  return perm::Access(cred, r, requested);
}

Result<std::string> VolumeImpl::ReadLink(const Credentials&, InodeRef ref, Attributes* after) {
  auto g = Enter();
  if (!g.ok) return Stale();
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  if (after) *after = ToAttributes(ref.ino, r);
  if (r.type != FileType::kSymlink) return InvalidArgument("not a symbolic link");
  return r.target;
}

Result<ReadExtent> VolumeImpl::ReadInto(const Credentials& cred, InodeRef ref, uint64_t offset,
                                        uint32_t count, const ReadBuffer& buffer) {
  auto g = Enter();
  if (!g.ok) return Stale();
  auto guard = locks_.Shared(ref.ino);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  if (r.type == FileType::kDirectory) return Status(Status::Code::kIsDir, "is a directory");
  if (r.type != FileType::kRegular) return InvalidArgument("not a regular file");
  if (!perm::MayReadData(cred, r)) return Denied();
  ReadExtent out;
  out.attrs = ToAttributes(ref.ino, r);
  count = std::min(count, kMaxIoSize);
  if (offset >= r.size || count == 0) {
    out.eof = offset >= r.size;
    return out;
  }
  const uint64_t len = std::min<uint64_t>(count, r.size - offset);
  // Before the read, so that a prefetch of what follows overlaps it.
  read_ahead_->OnRead(ref.ino, offset, len, r.size);
  char* into = buffer(static_cast<size_t>(len));
  VOLUMED_RETURN_IF_ERROR(blocks_.Read(ref.ino, offset, std::span<char>(into, len)));
  out.count = static_cast<uint32_t>(len);
  out.eof = offset + len == r.size;
  return out;
}

Result<WriteResult> VolumeImpl::Write(const Credentials& cred, InodeRef ref, uint64_t offset,
                                      std::string_view data, Stability stability, Wcc* wcc) {
  auto g = Enter();
  if (!g.ok) return Stale();
  if (data.size() > kMaxIoSize) return InvalidArgument("write larger than the maximum I/O size");
  auto guard = locks_.Exclusive(ref.ino);
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  const InodeRecord before = r;
  FillWcc(wcc, ref.ino, r, r);
  if (r.type == FileType::kDirectory) return Status(Status::Code::kIsDir, "is a directory");
  if (r.type != FileType::kRegular) return InvalidArgument("not a regular file");
  if (!perm::MayWriteData(cred, r)) return Denied();
  if (offset > kMaxFileSize || data.size() > kMaxFileSize - offset) {
    return Status(Status::Code::kTooLarge, "file too large");
  }
  const bool sync = stability != Stability::kUnstable;
  const uint64_t end = offset + data.size();
  if (end > r.size) {
    VOLUMED_RETURN_IF_ERROR(ReclaimOwnTail(ref.ino));
    VOLUMED_ASSIGN_OR_RETURN(r, inodes_.GetRef(ref));
  }
  Mutation m;
  int64_t used_delta = 0;
  const BlockStore::FileBefore shape = Shape(ref.ino, r);
  VOLUMED_RETURN_IF_ERROR(blocks_.Write(&m.batch, ref.ino, offset, data, shape, &used_delta));
  const Timespec now = Now();
  r.size = std::max(r.size, end);
  r.used = static_cast<uint64_t>(static_cast<int64_t>(r.used) + used_delta);
  if (!data.empty()) {
    r.mtime = After(r.mtime, now);
    r.ctime = After(r.ctime, now);
    r.mode = perm::ModeAfterWrite(cred, r);
  }
  const bool deferred = inodes_.DeferredBytes(ref.ino).has_value();
  if (!sync && !TailPending(ref.ino) &&
      (deferred || inodes_.DeferredCount() < options_.max_deferred_records)) {
    // Blocks alone: the record waits in memory (InodeStore's deferred records), so that a
    // stream's batches hold no key but its blocks' ("Deferred records", TUNING.md).
    if (!deferred) m.batch.Put(keys::Deferred(ref.ino), {});
    m.delta.deferred = used_delta;
    m.delta.counters = false;
    m.deferred.emplace(ref.ino, r);
  } else {
    PutInode(&m, ref.ino, r);
  }
  m.delta.bytes = used_delta;
  Status s = CommitOp(&m, sync);
  FillWcc(wcc, ref.ino, before, s.ok() ? r : before);
  VOLUMED_RETURN_IF_ERROR(s);
  return WriteResult{static_cast<uint32_t>(data.size()),
                     sync ? Stability::kFileSync : Stability::kUnstable};
}

}  // namespace volumed::storage
