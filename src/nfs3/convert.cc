#include "nfs3/convert.h"

#include "rpc/xdr_alloc.h"
#include "rpc/xdr_enum.h"

namespace volumed::nfs3 {

nfsstat3 ToNfsStat(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk:
      return NFS3_OK;
    case C::kNotFound:
      return NFS3ERR_NOENT;
    case C::kExists:
      return NFS3ERR_EXIST;
    case C::kNotDir:
      return NFS3ERR_NOTDIR;
    case C::kIsDir:
      return NFS3ERR_ISDIR;
    case C::kNotEmpty:
      return NFS3ERR_NOTEMPTY;
    case C::kNameTooLong:
      return NFS3ERR_NAMETOOLONG;
    case C::kInvalidArgument:
      return NFS3ERR_INVAL;
    case C::kAccessDenied:
      return NFS3ERR_ACCES;
    case C::kNotPermitted:
      return NFS3ERR_PERM;
    case C::kStale:
      return NFS3ERR_STALE;
    case C::kBadHandle:
      return NFS3ERR_BADHANDLE;
    case C::kNoSpace:
      return NFS3ERR_NOSPC;
    case C::kQuotaExceeded:
      return NFS3ERR_DQUOT;
    case C::kReadOnly:
      return NFS3ERR_ROFS;
    case C::kTooLarge:
      return NFS3ERR_FBIG;
    case C::kNotSupported:
      return NFS3ERR_NOTSUPP;
    case C::kNotSync:
      return NFS3ERR_NOT_SYNC;
    case C::kCrossDevice:
      return NFS3ERR_XDEV;
    case C::kTooManyLinks:
      return NFS3ERR_MLINK;
    case C::kBadType:
      return NFS3ERR_BADTYPE;
    case C::kBusy:
      return NFS3ERR_JUKEBOX;  // "try again later": never STALE for a transient fault
    case C::kElsewhere:
      // Another gateway serves the volume: a takeover or move is under way, and the
      // address the client uses follows the volume (README "Scaling out").
      return NFS3ERR_JUKEBOX;
    case C::kIoError:
      return NFS3ERR_IO;
    case C::kCorruption:
      return NFS3ERR_IO;
    case C::kInternal:
      return NFS3ERR_SERVERFAULT;
  }
  return NFS3ERR_SERVERFAULT;  // unreachable: the switch covers every code
}

ftype3 ToFtype(storage::FileType type) {
  using T = storage::FileType;
  switch (type) {
    case T::kRegular:
      return NF3REG;
    case T::kDirectory:
      return NF3DIR;
    case T::kBlockDevice:
      return NF3BLK;
    case T::kCharDevice:
      return NF3CHR;
    case T::kSymlink:
      return NF3LNK;
    case T::kSocket:
      return NF3SOCK;
    case T::kFifo:
      return NF3FIFO;
  }
  return NF3REG;  // unreachable
}

namespace {

nfstime3 ToNfsTime(const storage::Timespec& t) {
  nfstime3 out;
  out.seconds = static_cast<u_int>(t.sec);
  out.nseconds = t.nsec;
  return out;
}

}  // namespace

void ToFattr(const storage::Attributes& a, uint64_t fsid, fattr3* out) {
  out->type = ToFtype(a.type);
  out->mode = a.mode & 07777;
  out->nlink = a.nlink;
  out->uid = a.uid;
  out->gid = a.gid;
  out->size = a.size;
  out->used = a.used;
  out->rdev.specdata1 = a.rdev_major;
  out->rdev.specdata2 = a.rdev_minor;
  out->fsid = fsid;
  out->fileid = a.fileid;
  out->atime = ToNfsTime(a.atime);
  out->mtime = ToNfsTime(a.mtime);
  out->ctime = ToNfsTime(a.ctime);
}

void SetPostOp(const storage::Attributes& attrs, uint64_t fsid, post_op_attr* out) {
  out->attributes_follow = TRUE;
  ToFattr(attrs, fsid, &out->post_op_attr_u.attributes);
}

void SetPostOp(const std::optional<storage::Attributes>& attrs, uint64_t fsid, post_op_attr* out) {
  if (attrs) {
    SetPostOp(*attrs, fsid, out);
  } else {
    out->attributes_follow = FALSE;
  }
}

storage::WccAttr ToWccAttr(const storage::Attributes& attrs) {
  return {attrs.size, attrs.mtime, attrs.ctime};
}

void ToWcc(const storage::Wcc& wcc, uint64_t fsid, wcc_data* out) {
  if (wcc.before) {
    out->before.attributes_follow = TRUE;
    wcc_attr& b = out->before.pre_op_attr_u.attributes;
    b.size = wcc.before->size;
    b.mtime = ToNfsTime(wcc.before->mtime);
    b.ctime = ToNfsTime(wcc.before->ctime);
  } else {
    out->before.attributes_follow = FALSE;
  }
  SetPostOp(wcc.after, fsid, &out->after);
}

storage::Timespec FromNfsTime(const nfstime3& t) {
  return {static_cast<int64_t>(t.seconds), t.nseconds};
}

namespace {

// The raw value (rpc::RawEnum): XDR decoding accepts any 32-bit integer here.
storage::TimeHow FromTimeHow(int32_t how) {
  switch (how) {
    case DONT_CHANGE:
      return storage::TimeHow::kDontChange;
    case SET_TO_SERVER_TIME:
      return storage::TimeHow::kServerTime;
    case SET_TO_CLIENT_TIME:
      return storage::TimeHow::kClientTime;
  }
  return storage::TimeHow::kDontChange;  // XDR decoding accepts any enum value
}

}  // namespace

storage::SetAttrRequest FromSattr(const sattr3& s) {
  storage::SetAttrRequest req;
  if (s.mode.set_it) req.mode = s.mode.set_mode3_u.mode & 07777;
  if (s.uid.set_it) req.uid = s.uid.set_uid3_u.uid;
  if (s.gid.set_it) req.gid = s.gid.set_gid3_u.gid;
  if (s.size.set_it) req.size = s.size.set_size3_u.size;
  req.atime_how = FromTimeHow(rpc::RawEnum(s.atime.set_it));
  if (req.atime_how == storage::TimeHow::kClientTime) {
    req.atime = FromNfsTime(s.atime.set_atime_u.atime);
  }
  req.mtime_how = FromTimeHow(rpc::RawEnum(s.mtime.set_it));
  if (req.mtime_how == storage::TimeHow::kClientTime) {
    req.mtime = FromNfsTime(s.mtime.set_mtime_u.mtime);
  }
  return req;
}

void SetHandle(const FileHandle& fh, nfs_fh3* out) {
  EncodedHandle bytes = EncodeFileHandle(fh);
  out->data.data_val = rpc::XdrDupBytes(bytes.data(), bytes.size());
  out->data.data_len = static_cast<u_int>(bytes.size());
}

void SetPostOpHandle(const FileHandle& fh, post_op_fh3* out) {
  out->handle_follows = TRUE;
  SetHandle(fh, &out->post_op_fh3_u.handle);
}

std::span<const uint8_t> HandleBytes(const nfs_fh3& fh) {
  return {reinterpret_cast<const uint8_t*>(fh.data.data_val), fh.data.data_len};
}

filename3 DupName(std::string_view s) {
  filename3 name{};
  name.filename3_val = rpc::XdrDupString(s);
  name.filename3_len = static_cast<u_int>(s.size());
  return name;
}

}  // namespace volumed::nfs3
