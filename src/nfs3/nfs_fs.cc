// NFSv3 file-system family: FSSTAT (quota-aware, as the store reports it), FSINFO,
// PATHCONF. The figures advertised here are the limits the store enforces
// (storage/types.h).
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"

namespace volumed::nfs3 {
namespace {

constexpr uint32_t kPreferredIo = storage::kMaxIoSize;  // 1 MiB
constexpr uint32_t kIoMultiple = 4096;
constexpr uint32_t kPreferredReaddir = 64 * 1024;

}  // namespace

void Fsstat(NfsService& s, const CallContext& ctx, const FSSTAT3args& a, FSSTAT3res& r) {
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.fsroot));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  auto fs = target->volume->StatFs();
  if (!fs.ok()) {
    r.status = ToNfsStat(fs.status());
    FillPostOp(*target, target->ref, &r.FSSTAT3res_u.resfail.obj_attributes);
    return;
  }
  r.status = NFS3_OK;
  FSSTAT3resok& ok = r.FSSTAT3res_u.resok;
  FillPostOp(*target, target->ref, &ok.obj_attributes);
  ok.tbytes = fs->total_bytes;
  ok.fbytes = fs->free_bytes;
  ok.abytes = fs->avail_bytes;
  ok.tfiles = fs->total_files;
  ok.ffiles = fs->free_files;
  ok.afiles = fs->avail_files;
  ok.invarsec = 0;  // figures change with every write
}

void Fsinfo(NfsService& s, const CallContext& ctx, const FSINFO3args& a, FSINFO3res& r) {
  auto found = ResolveWithAttrs(s.resolver(), ctx, a.fsroot);
  r.status = ToNfsStat(found.ok() ? Status::Ok() : found.status());
  if (!found.ok()) return;
  FSINFO3resok& ok = r.FSINFO3res_u.resok;
  SetPostOp(found->attrs, found->target.volume_id, &ok.obj_attributes);
  ok.rtmax = storage::kMaxIoSize;
  ok.rtpref = kPreferredIo;
  ok.rtmult = kIoMultiple;
  ok.wtmax = storage::kMaxIoSize;
  ok.wtpref = kPreferredIo;
  ok.wtmult = kIoMultiple;
  ok.dtpref = kPreferredReaddir;
  ok.maxfilesize = storage::kMaxFileSize;
  ok.time_delta.seconds = 0;
  ok.time_delta.nseconds = 1;
  ok.properties = FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME;
}

void Pathconf(NfsService& s, const CallContext& ctx, const PATHCONF3args& a, PATHCONF3res& r) {
  auto found = ResolveWithAttrs(s.resolver(), ctx, a.object);
  r.status = ToNfsStat(found.ok() ? Status::Ok() : found.status());
  if (!found.ok()) return;
  PATHCONF3resok& ok = r.PATHCONF3res_u.resok;
  SetPostOp(found->attrs, found->target.volume_id, &ok.obj_attributes);
  ok.linkmax = storage::kMaxLinkCount;
  ok.name_max = storage::kMaxNameLength;
  ok.no_trunc = TRUE;
  ok.chown_restricted = TRUE;
  ok.case_insensitive = FALSE;
  ok.case_preserving = TRUE;
}

}  // namespace volumed::nfs3
