// NFSv3 attribute family: GETATTR, SETATTR (with the ctime guard), ACCESS.
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"

namespace volumed::nfs3 {

void Getattr(NfsService& s, const CallContext& ctx, const GETATTR3args& a, GETATTR3res& r) {
  auto found = ResolveWithAttrs(s.resolver(), ctx, a.object);
  r.status = ToNfsStat(found.ok() ? Status::Ok() : found.status());
  if (!found.ok()) return;
  ToFattr(found->attrs, found->target.volume_id, &r.GETATTR3res_u.resok.obj_attributes);
}

void Setattr(NfsService& s, const CallContext& ctx, const SETATTR3args& a, SETATTR3res& r) {
  // resok and resfail have the same shape: one wcc_data.
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.object));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  if (Status st = CheckWritable(*target); !st.ok()) {
    r.status = ToNfsStat(st);
    FillWccAfter(*target, target->ref, &r.SETATTR3res_u.resfail.obj_wcc);
    return;
  }
  storage::SetAttrRequest req = FromSattr(a.new_attributes);
  if (a.guard.check) req.guard_ctime = FromNfsTime(a.guard.sattrguard3_u.obj_ctime);
  storage::Wcc wcc;
  Status st = target->volume->SetAttr(target->cred, target->ref, req, &wcc);
  r.status = ToNfsStat(st);
  if (st.ok()) {
    ToWcc(wcc, target->volume_id, &r.SETATTR3res_u.resok.obj_wcc);
  } else {
    ToWcc(wcc, target->volume_id, &r.SETATTR3res_u.resfail.obj_wcc);
  }
}

void Access(NfsService& s, const CallContext& ctx, const ACCESS3args& a, ACCESS3res& r) {
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.object));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  storage::Attributes after;
  auto allowed = target->volume->Access(target->cred, target->ref, a.access, &after);
  if (!allowed.ok()) {
    r.status = ToNfsStat(allowed.status());
    FillPostOp(*target, target->ref, &r.ACCESS3res_u.resfail.obj_attributes);
    return;
  }
  uint32_t bits = *allowed & a.access;
  if (target->read_only) {
    bits &= ~uint32_t{ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE};
  }
  r.status = NFS3_OK;
  r.ACCESS3res_u.resok.access = bits;
  SetPostOp(after, target->volume_id, &r.ACCESS3res_u.resok.obj_attributes);
}

}  // namespace volumed::nfs3
