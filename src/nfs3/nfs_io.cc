// NFSv3 I/O family: READ, WRITE, COMMIT. Stability is answered as the store reports it
// (DESIGN.md §5); a write or sync error changes the write verifier.
#include <algorithm>
#include <cstdlib>
#include <memory>

#include "metrics/volume_activity.h"
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"
#include "rpc/xdr_alloc.h"
#include "rpc/xdr_enum.h"

namespace volumed::nfs3 {
namespace {

// The raw value (rpc::RawEnum): XDR decoding accepts any 32-bit integer here.
storage::Stability FromStableHow(int32_t how) {
  switch (how) {
    case UNSTABLE:
      return storage::Stability::kUnstable;
    case DATA_SYNC:
      return storage::Stability::kDataSync;
    case FILE_SYNC:
      return storage::Stability::kFileSync;
  }
  return storage::Stability::kFileSync;  // an unknown value: the safest reading
}

stable_how ToStableHow(storage::Stability stability) {
  switch (stability) {
    case storage::Stability::kUnstable:
      return UNSTABLE;
    case storage::Stability::kDataSync:
      return DATA_SYNC;
    case storage::Stability::kFileSync:
      return FILE_SYNC;
  }
  return UNSTABLE;  // unreachable
}

bool IsStoreFault(const Status& st) {
  return st.code() == Status::Code::kIoError || st.code() == Status::Code::kCorruption;
}

}  // namespace

void Read(NfsService& s, const CallContext& ctx, const READ3args& a, READ3res& r) {
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.file));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  uint32_t count = std::min<uint32_t>(a.count, storage::kMaxIoSize);
  // The store reads straight into the reply's own buffer (freed with the result once
  // sent); on failure it is freed here, since the result then holds the other arm.
  std::unique_ptr<char, decltype(&std::free)> data(nullptr, &std::free);
  auto read =
      target->volume->ReadInto(target->cred, target->ref, a.offset, count, [&data](size_t len) {
        data.reset(rpc::XdrAllocBytes(len));
        return data.get();
      });
  if (!read.ok()) {
    r.status = ToNfsStat(read.status());
    FillPostOp(*target, target->ref, &r.READ3res_u.resfail.file_attributes);
    return;
  }
  READ3resok& ok = r.READ3res_u.resok;
  ok.data.data_val = data.release();
  ok.data.data_len = static_cast<u_int>(read->count);
  ok.count = static_cast<count3>(read->count);
  ok.eof = read->eof ? TRUE : FALSE;
  r.status = NFS3_OK;
  if (auto* activity = metrics::VolumeActivity::Global().Find(target->volume_id)) {
    activity->bytes_read.fetch_add(read->count, std::memory_order_relaxed);
  }
  SetPostOp(read->attrs, target->volume_id, &ok.file_attributes);
}

void Write(NfsService& s, const CallContext& ctx, const WRITE3args& a, WRITE3res& r) {
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.file));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  Status check = CheckWritable(*target);
  // RFC 1813: `count` bytes of `data` are written; more declared than sent is malformed.
  if (check.ok() && a.count > a.data.data_len) {
    check = InvalidArgument("WRITE count exceeds the data sent");
  }
  if (!check.ok()) {
    r.status = ToNfsStat(check);
    FillWccAfter(*target, target->ref, &r.WRITE3res_u.resfail.file_wcc);
    return;
  }
  std::string_view data(a.data.data_val == nullptr ? "" : a.data.data_val, a.count);
  storage::Wcc wcc;
  auto written = target->volume->Write(target->cred, target->ref, a.offset, data,
                                       FromStableHow(rpc::RawEnum(a.stable)), &wcc);
  if (!written.ok()) {
    if (IsStoreFault(written.status())) s.verifier().Change();
    r.status = ToNfsStat(written.status());
    ToWcc(wcc, target->volume_id, &r.WRITE3res_u.resfail.file_wcc);
    return;
  }
  r.status = NFS3_OK;
  if (auto* activity = metrics::VolumeActivity::Global().Find(target->volume_id)) {
    activity->bytes_written.fetch_add(written->count, std::memory_order_relaxed);
  }
  WRITE3resok& ok = r.WRITE3res_u.resok;
  ToWcc(wcc, target->volume_id, &ok.file_wcc);
  ok.count = written->count;
  ok.committed = ToStableHow(written->committed);
  s.verifier().CopyTo(ok.verf);
}

void Commit(NfsService& s, const CallContext& ctx, const COMMIT3args& a, COMMIT3res& r) {
  auto target = s.resolver().Resolve(ctx, HandleBytes(a.file));
  if (!target.ok()) {
    r.status = ToNfsStat(target.status());
    return;
  }
  // COMMIT changes no attributes: the pre-op values are the current ones.
  storage::Wcc wcc;
  if (auto before = target->volume->GetAttr(target->ref); before.ok()) {
    wcc.before = ToWccAttr(*before);
  }
  storage::Attributes after;
  Status st = target->volume->Commit(target->ref, &after);
  if (!st.ok()) {
    if (IsStoreFault(st)) s.verifier().Change();
    r.status = ToNfsStat(st);
    ToWcc(wcc, target->volume_id, &r.COMMIT3res_u.resfail.file_wcc);
    FillPostOp(*target, target->ref, &r.COMMIT3res_u.resfail.file_wcc.after);
    return;
  }
  wcc.after = after;
  r.status = NFS3_OK;
  ToWcc(wcc, target->volume_id, &r.COMMIT3res_u.resok.file_wcc);
  s.verifier().CopyTo(r.COMMIT3res_u.resok.verf);
}

}  // namespace volumed::nfs3
