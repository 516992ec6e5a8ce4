// NFSv3 namespace family: REMOVE, RMDIR, RENAME, LINK. Two-handle procedures require both
// handles in the same volume (NFS3ERR_XDEV otherwise).
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"

namespace volumed::nfs3 {
namespace {

Status CheckRemovableName(std::string_view name, bool is_rmdir) {
  VOLUMED_RETURN_IF_ERROR(CheckName(name));
  if (name == ".") return InvalidArgument("cannot remove '.'");
  if (name == "..") {
    return is_rmdir ? Status(Status::Code::kNotEmpty, "cannot remove '..'")
                    : InvalidArgument("cannot remove '..'");
  }
  return Status::Ok();
}

Status SameVolume(const Resolved& a, const Resolved& b) {
  if (a.volume_id != b.volume_id) {
    return Status(Status::Code::kCrossDevice, "handles of different volumes");
  }
  return Status::Ok();
}

template <typename Res>
void RemoveCommon(NfsService& s, const CallContext& ctx, const diropargs3& object, bool is_rmdir,
                  Res& r, wcc_data& ok_wcc, wcc_data& fail_wcc) {
  auto dir = s.resolver().Resolve(ctx, HandleBytes(object.dir));
  if (!dir.ok()) {
    r.status = ToNfsStat(dir.status());
    return;
  }
  std::string_view name = NameOf(object.name);
  Status st = CheckWritable(*dir);
  if (st.ok()) st = CheckRemovableName(name, is_rmdir);
  if (!st.ok()) {
    r.status = ToNfsStat(st);
    FillWccAfter(*dir, dir->ref, &fail_wcc);
    return;
  }
  storage::Wcc wcc;
  st = is_rmdir ? dir->volume->Rmdir(dir->cred, dir->ref, name, &wcc)
                : dir->volume->Remove(dir->cred, dir->ref, name, &wcc);
  r.status = ToNfsStat(st);
  ToWcc(wcc, dir->volume_id, st.ok() ? &ok_wcc : &fail_wcc);
}

}  // namespace

void Remove(NfsService& s, const CallContext& ctx, const REMOVE3args& a, REMOVE3res& r) {
  RemoveCommon(s, ctx, a.object, /*is_rmdir=*/false, r, r.REMOVE3res_u.resok.dir_wcc,
               r.REMOVE3res_u.resfail.dir_wcc);
}

void Rmdir(NfsService& s, const CallContext& ctx, const RMDIR3args& a, RMDIR3res& r) {
  RemoveCommon(s, ctx, a.object, /*is_rmdir=*/true, r, r.RMDIR3res_u.resok.dir_wcc,
               r.RMDIR3res_u.resfail.dir_wcc);
}

void Rename(NfsService& s, const CallContext& ctx, const RENAME3args& a, RENAME3res& r) {
  auto from = s.resolver().Resolve(ctx, HandleBytes(a.from.dir));
  if (!from.ok()) {
    r.status = ToNfsStat(from.status());
    return;
  }
  auto to = s.resolver().Resolve(ctx, HandleBytes(a.to.dir));
  if (!to.ok()) {
    r.status = ToNfsStat(to.status());
    FillWccAfter(*from, from->ref, &r.RENAME3res_u.resfail.fromdir_wcc);
    return;
  }
  std::string_view from_name = NameOf(a.from.name);
  std::string_view to_name = NameOf(a.to.name);
  Status st = SameVolume(*from, *to);
  if (st.ok()) st = CheckWritable(*from);
  if (st.ok()) st = CheckName(from_name);
  if (st.ok()) st = CheckName(to_name);
  if (st.ok() && (IsDotOrDotDot(from_name) || IsDotOrDotDot(to_name))) {
    st = InvalidArgument("cannot rename '.' or '..'");
  }
  if (!st.ok()) {
    r.status = ToNfsStat(st);
    FillWccAfter(*from, from->ref, &r.RENAME3res_u.resfail.fromdir_wcc);
    FillWccAfter(*to, to->ref, &r.RENAME3res_u.resfail.todir_wcc);
    return;
  }
  storage::Wcc from_wcc;
  storage::Wcc to_wcc;
  st = from->volume->Rename(from->cred, from->ref, from_name, to->ref, to_name, &from_wcc, &to_wcc);
  r.status = ToNfsStat(st);
  wcc_data& from_out =
      st.ok() ? r.RENAME3res_u.resok.fromdir_wcc : r.RENAME3res_u.resfail.fromdir_wcc;
  wcc_data& to_out = st.ok() ? r.RENAME3res_u.resok.todir_wcc : r.RENAME3res_u.resfail.todir_wcc;
  ToWcc(from_wcc, from->volume_id, &from_out);
  ToWcc(to_wcc, to->volume_id, &to_out);
}

void Link(NfsService& s, const CallContext& ctx, const LINK3args& a, LINK3res& r) {
  auto file = s.resolver().Resolve(ctx, HandleBytes(a.file));
  if (!file.ok()) {
    r.status = ToNfsStat(file.status());
    return;
  }
  LINK3resfail& fail = r.LINK3res_u.resfail;
  auto dir = s.resolver().Resolve(ctx, HandleBytes(a.link.dir));
  if (!dir.ok()) {
    r.status = ToNfsStat(dir.status());
    FillPostOp(*file, file->ref, &fail.file_attributes);
    return;
  }
  std::string_view name = NameOf(a.link.name);
  Status st = SameVolume(*file, *dir);
  if (st.ok()) st = CheckWritable(*dir);
  if (st.ok()) st = CheckNewName(name);
  if (!st.ok()) {
    r.status = ToNfsStat(st);
    FillPostOp(*file, file->ref, &fail.file_attributes);
    FillWccAfter(*dir, dir->ref, &fail.linkdir_wcc);
    return;
  }
  storage::Attributes file_after;
  storage::Wcc dir_wcc;
  st = dir->volume->Link(dir->cred, file->ref, dir->ref, name, &file_after, &dir_wcc);
  r.status = ToNfsStat(st);
  if (st.ok()) {
    SetPostOp(file_after, file->volume_id, &r.LINK3res_u.resok.file_attributes);
    ToWcc(dir_wcc, dir->volume_id, &r.LINK3res_u.resok.linkdir_wcc);
  } else {
    FillPostOp(*file, file->ref, &fail.file_attributes);
    ToWcc(dir_wcc, dir->volume_id, &fail.linkdir_wcc);
  }
}

}  // namespace volumed::nfs3
