#include "nfs3/resolver.h"

#include "base/logging.h"
#include "export/export_access.h"
#include "metrics/volume_activity.h"
#include "nfs3/nfs_service.h"
#include "rpc/reply_gate.h"

namespace volumed::nfs3 {
namespace {

// A volume that no longer exists makes its handles stale; anything else is passed on.
Status VolumeGoneIsStale(const Status& s) {
  if (s.code() == Status::Code::kNotFound || s.code() == Status::Code::kStale) {
    return Status(Status::Code::kStale, "volume no longer exists");
  }
  return s;
}

// Counts an NFS call once for the volume's activity (metrics/volume_activity.h), also when
// it resolves two handles of that volume (RENAME, LINK): a call runs on one thread, so
// the thread remembers which call it counted last.
void CountCall(const rpc::CallContext& ctx, uint64_t volume_id) {
  struct Counted {
    const rpc::CallContext* ctx = nullptr;
    uint32_t xid = 0;
    uint64_t volume_id = 0;
  };
  thread_local Counted last;
  if (last.ctx == &ctx && last.xid == ctx.xid && last.volume_id == volume_id) return;
  last = {&ctx, ctx.xid, volume_id};
  // NLM resolves NFS handles too; only NFS calls are counted per procedure.
  if (ctx.prog != kNfsProgram || ctx.proc >= metrics::VolumeActivity::kProcedures) return;
  if (auto* counters = metrics::VolumeActivity::Global().Find(volume_id)) {
    counters->calls[ctx.proc].fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

void RedirectIfElsewhere(const rpc::CallContext& ctx, const Status& s, uint64_t volume_id) {
  if (ctx.redirect != nullptr && s.code() == Status::Code::kElsewhere) {
    ctx.redirect->To(volume_id);
  }
}

Result<Resolved> Resolver::Resolve(const rpc::CallContext& ctx,
                                   std::span<const uint8_t> handle) const {
  VOLUMED_ASSIGN_OR_RETURN(FileHandle fh, DecodeFileHandle(handle));
  return Resolve(ctx, fh);
}

Result<Resolved> Resolver::Resolve(const rpc::CallContext& ctx, const FileHandle& fh) const {
  auto served = catalog_.Serve(fh.volume_id);
  if (!served.ok()) {
    RedirectIfElsewhere(ctx, served.status(), fh.volume_id);
    return VolumeGoneIsStale(served.status());
  }
  const storage::ServedVolume& v = **served;
  CountCall(ctx, fh.volume_id);
  if (v.info.epoch != fh.volume_epoch) {
    return Status(Status::Code::kStale, "volume was re-created");
  }
  VOLUMED_ASSIGN_OR_RETURN(
      exports::ExportAccess access,
      exports::EvaluateExport(v.info.policy, v.clients, ctx.peer, ctx.cred, gateways_));
  Resolved r;
  r.volume = v.volume;
  GateReply(ctx, r.volume);
  r.ref = fh.inode;
  r.volume_id = fh.volume_id;
  r.epoch = fh.volume_epoch;
  r.read_only = access.read_only;
  r.cred = std::move(access.cred);
  return r;
}

void Resolver::GateReply(const rpc::CallContext& ctx,
                         const std::shared_ptr<storage::Volume>& volume) const {
  if (ctx.gate == nullptr) return;
  ctx.gate->Add([volume, verifier = verifier_](rpc::ReplyGate::Done done) {
    volume->WhenDurable([volume, verifier, done = std::move(done)](Status s) {
      if (!s.ok()) {
        LOG_ERROR("nfs: volume {}: sync failed, replies depending on it fail: {}", volume->id(),
                  s.ToString());
        // Clients resend every write not committed under the old value.
        if (verifier != nullptr) verifier->Change();
      }
      done(s.ok());
    });
  });
}

}  // namespace volumed::nfs3
