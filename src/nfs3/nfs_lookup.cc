// NFSv3 lookup family: LOOKUP, READLINK.
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"
#include "rpc/xdr_alloc.h"

namespace volumed::nfs3 {

void Lookup(NfsService& s, const CallContext& ctx, const LOOKUP3args& a, LOOKUP3res& r) {
  auto dir = s.resolver().Resolve(ctx, HandleBytes(a.what.dir));
  if (!dir.ok()) {
    r.status = ToNfsStat(dir.status());
    return;
  }
  std::string_view name = NameOf(a.what.name);
  if (Status st = CheckName(name); !st.ok()) {
    r.status = ToNfsStat(st);
    FillPostOp(*dir, dir->ref, &r.LOOKUP3res_u.resfail.dir_attributes);
    return;
  }
  storage::Attributes dir_after;
  dir_after.fileid = 0;
  auto found = dir->volume->Lookup(dir->cred, dir->ref, name, &dir_after);
  if (!found.ok()) {
    r.status = ToNfsStat(found.status());
    FillPostOp(*dir, dir->ref, &r.LOOKUP3res_u.resfail.dir_attributes);
    return;
  }
  r.status = NFS3_OK;
  LOOKUP3resok& ok = r.LOOKUP3res_u.resok;
  SetHandle(dir->HandleOf(found->ref), &ok.object);
  SetPostOp(found->attrs, dir->volume_id, &ok.obj_attributes);
  if (dir_after.fileid != 0) {
    SetPostOp(dir_after, dir->volume_id, &ok.dir_attributes);
  } else {
    FillPostOp(*dir, dir->ref, &ok.dir_attributes);
  }
}

void Readlink(NfsService& s, const CallContext& ctx, const READLINK3args& a, READLINK3res& r) {
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.symlink));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  storage::Attributes after;
  auto data = target->volume->ReadLink(target->cred, target->ref, &after);
  if (!data.ok()) {
    r.status = ToNfsStat(data.status());
    FillPostOp(*target, target->ref, &r.READLINK3res_u.resfail.symlink_attributes);
    return;
  }
  r.status = NFS3_OK;
  r.READLINK3res_u.resok.data = rpc::XdrDupString(*data);
  SetPostOp(after, target->volume_id, &r.READLINK3res_u.resok.symlink_attributes);
}

}  // namespace volumed::nfs3
