#include "rpc/dispatcher.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <memory>
#include <utility>

#include "base/big_endian.h"
#include "base/logging.h"
#include "rpc/call_codec.h"
#include "rpc/call_forwarder.h"
#include "rpc/call_metrics.h"
#include "rpc/reply_gate.h"

namespace volumed::rpc {

namespace {

// A zeroed heap buffer for decoded arguments or results; xdr_free()s its contents.
class XdrBuffer {
 public:
  XdrBuffer(xdrproc_t proc, size_t size) : proc_(proc), data_(std::calloc(1, size ? size : 1)) {
    if (data_ == nullptr) throw std::bad_alloc();
  }
  ~XdrBuffer() {
    if (live_) xdr_free(proc_, static_cast<char*>(data_));
    std::free(data_);
  }
  XdrBuffer(const XdrBuffer&) = delete;
  XdrBuffer& operator=(const XdrBuffer&) = delete;
  void* get() const { return data_; }
  // From now on the buffer may hold XDR-allocated memory to free.
  void MarkLive() { live_ = true; }
  // Hands the buffer and what it holds to a shared owner, which frees them when the last
  // copy is gone (a reply referencing the result's bytes); this buffer is left empty.
  std::shared_ptr<void> Share() && {
    return std::shared_ptr<void>(std::exchange(data_, nullptr),
                                 [proc = proc_, live = std::exchange(live_, false)](void* data) {
                                   if (live) xdr_free(proc, static_cast<char*>(data));
                                   std::free(data);
                                 });
  }

 private:
  xdrproc_t proc_;
  void* data_;
  bool live_ = false;
};

// Sends the call on through its version's forwarder; `done` gets the relayed answer, or
// `own` when it was not forwarded.
void ForwardCall(CallForwarder& forwarder, const Procedure& proc, const CallContext& ctx,
                 uint64_t target, std::span<const uint8_t> args, Reply own,
                 std::function<void(Reply)> done) {
  ForwardedCall call;
  call.target = target;
  call.prog = ctx.prog;
  call.vers = ctx.vers;
  call.proc = ctx.proc;
  call.name = proc.name;
  call.cred = ctx.cred;
  call.peer = ctx.peer;
  call.local = ctx.local;
  call.args.assign(args.begin(), args.end());
  call.decode_result = proc.encode_result;
  auto result = std::make_shared<XdrBuffer>(proc.encode_result, proc.result_size);
  result->MarkLive();  // a failed decode may leave parts allocated
  void* buffer = result->get();
  forwarder.Forward(
      std::move(call), buffer,
      [result = std::move(result), own = std::move(own), done = std::move(done), xid = ctx.xid,
       encode = proc.encode_result, name = proc.name](Status s) mutable {
        if (!s.ok()) {
          LOG_DEBUG("rpc: {} xid {:#x} not forwarded: {}", name, xid, s.ToString());
          return done(std::move(own));
        }
        bool ok = false;
        Reply relayed = EncodeSuccessReply(xid, encode, result->get(), &ok);
        if (!ok) {
          LOG_ERROR("rpc: {} xid {:#x}: the forwarded result failed to encode", name, xid);
          return done(std::move(own));
        }
        if (relayed.references()) relayed.Retain(std::move(*result).Share());
        done(std::move(relayed));
      });
}

}  // namespace

Status Dispatcher::Add(const ProgramVersion& pv) {
  if (Serves(pv.prog, pv.vers)) {
    return InvalidArgument(fmt::format("program {} version {} registered twice", pv.prog, pv.vers));
  }
  programs_.push_back(pv);
  CallMetrics::Global().AddProgram(pv);
  return Status::Ok();
}

bool Dispatcher::Serves(uint32_t prog, uint32_t vers) const {
  return std::any_of(programs_.begin(), programs_.end(),
                     [&](const ProgramVersion& p) { return p.prog == prog && p.vers == vers; });
}

Runs Dispatcher::WhereToRun(std::span<const uint8_t> record) const {
  const std::optional<CallNumbers> call = PeekCallNumbers(record);
  if (!call) return Runs::kWorker;
  for (const ProgramVersion& p : programs_) {
    if (p.prog != call->prog || p.vers != call->vers) continue;
    for (const Procedure& proc : p.procedures) {
      if (proc.number != call->proc) continue;
      if (proc.runs == Runs::kReactorWhenIdle && proc.light != nullptr) {
        const DecodedCall decoded = DecodeCall(record);
        if (decoded.verdict != HeaderVerdict::kOk || !proc.light(decoded.args)) {
          return Runs::kWorker;
        }
      }
      return proc.runs;
    }
  }
  return Runs::kWorker;
}

void Dispatcher::Dispatch(std::span<const uint8_t> record, const CallContext& base,
                          ReplySink sink) const noexcept {
  sink = CallMetrics::Global().Observe(record, std::move(sink));
  bool answered = false;
  try {
    DispatchOrThrow(record, base, sink, &answered);
    return;
  } catch (const std::exception& e) {
    LOG_ERROR("rpc: dispatch failed: {}", e.what());
  } catch (...) {
    LOG_ERROR("rpc: dispatch failed with an unknown exception");
  }
  if (answered) return;
  // Answer SYSTEM_ERR if the xid can be read at all.
  std::optional<Reply> reply;
  try {
    if (record.size() >= 4) {
      const uint32_t xid = LoadBigEndian<uint32_t>(record.data());
      reply = EncodeAcceptErrorReply(xid, SYSTEM_ERR);
    }
  } catch (...) {
  }
  sink(std::move(reply));
}

void Dispatcher::DispatchOrThrow(std::span<const uint8_t> record, const CallContext& base,
                                 const ReplySink& sink, bool* answered) const {
  auto answer = [&](std::optional<Reply> reply) {
    *answered = true;
    sink(std::move(reply));
  };
  DecodedCall call = DecodeCall(record);
  switch (call.verdict) {
    case HeaderVerdict::kDrop:
      return answer(std::nullopt);
    case HeaderVerdict::kRpcMismatch:
      return answer(EncodeRpcMismatchReply(call.xid));
    case HeaderVerdict::kAuthError:
      return answer(EncodeAuthErrorReply(call.xid, call.auth_error));
    case HeaderVerdict::kOk:
      break;
  }

  const ProgramVersion* version = nullptr;
  uint32_t low = UINT32_MAX, high = 0;
  for (const ProgramVersion& p : programs_) {
    if (p.prog != call.prog) continue;
    low = std::min(low, p.vers);
    high = std::max(high, p.vers);
    if (p.vers == call.vers) version = &p;
  }
  if (high == 0 && low == UINT32_MAX) return answer(EncodeAcceptErrorReply(call.xid, PROG_UNAVAIL));
  if (version == nullptr) return answer(EncodeProgMismatchReply(call.xid, low, high));
  if (version->require_auth_sys && call.cred.flavor == AUTH_NONE && call.proc != 0) {
    return answer(EncodeAuthErrorReply(call.xid, AUTH_TOOWEAK));
  }
  if (version->require_privileged_port && base.transport != Transport::kLocal &&
      base.peer_port() >= 1024 && call.proc != 0) {
    // RFC 5531 has no "insecure port"
    return answer(EncodeAuthErrorReply(call.xid, AUTH_TOOWEAK));
  }
  const auto proc = std::find_if(version->procedures.begin(), version->procedures.end(),
                                 [&](const Procedure& p) { return p.number == call.proc; });
  if (proc == version->procedures.end()) {
    return answer(EncodeAcceptErrorReply(call.xid, PROC_UNAVAIL));
  }

  ReplyGate gate;
  CallContext ctx = base;
  ctx.xid = call.xid;
  ctx.prog = call.prog;
  ctx.vers = call.vers;
  ctx.proc = call.proc;
  ctx.cred = std::move(call.cred);
  ctx.gate = &gate;

  std::string drc_key;
  // A Unix-socket client that retransmits does so on a new connection, where the cache
  // could not tell it from another process that happens to reuse the xid: skip it there.
  const bool cached = drc_ != nullptr && !proc->idempotent && ctx.transport != Transport::kLocal;
  if (cached) {
    drc_key = DuplicateRequestCache::MakeKey(ctx, call.args);
    std::vector<uint8_t> replay;
    switch (drc_->Begin(drc_key, &replay)) {
      case DuplicateRequestCache::Lookup::kNew:
        break;
      case DuplicateRequestCache::Lookup::kInProgress:
        LOG_DEBUG("rpc: dropping duplicate of in-progress xid {:#x} {}", ctx.xid, proc->name);
        return answer(std::nullopt);
      case DuplicateRequestCache::Lookup::kReplay:
        LOG_DEBUG("rpc: replaying cached reply for xid {:#x} {}", ctx.xid, proc->name);
        if (replay.empty()) return answer(std::nullopt);
        return answer(Reply(std::move(replay)));
    }
  }

  CallRedirect redirect;
  if (version->forwarder != nullptr) ctx.redirect = &redirect;
  bool send = true;
  Reply reply;
  try {
    reply = Execute(*proc, version->state, ctx, call.args, &send);
  } catch (...) {
    if (cached) drc_->Abandon(drc_key);
    throw;
  }
  *answered = true;  // from here on `finish` answers, exactly once
  auto finish = [drc = cached ? drc_ : nullptr, drc_key = std::move(drc_key), sink, xid = ctx.xid,
                 name = proc->name](bool ok, std::optional<Reply> reply) mutable noexcept {
    try {
      if (!ok) {
        // The reply depended on a change the store failed to make durable.
        LOG_WARN("rpc: {} xid {:#x}: answering SYSTEM_ERR, its change is not durable", name, xid);
        if (drc != nullptr) drc->Abandon(drc_key);
        sink(EncodeAcceptErrorReply(xid, SYSTEM_ERR));
        return;
      }
      // Every answer is replayed, errors included: a retransmission must see what the
      // first execution answered (an empty reply means "send nothing" again).
      if (drc != nullptr) drc->Complete(drc_key, reply ? reply->Flatten() : std::vector<uint8_t>());
      sink(std::move(reply));
    } catch (const std::exception& e) {
      LOG_ERROR("rpc: {} xid {:#x}: reply failed: {}", name, xid, e.what());
    }
  };
  std::optional<Reply> own = send ? std::optional(std::move(reply)) : std::nullopt;
  if (redirect.requested && send) {
    // Nothing of this server's is in the answer: the gate's conditions do not apply.
    ForwardCall(
        *version->forwarder, *proc, ctx, redirect.target, call.args, std::move(*own),
        [finish = std::move(finish)](Reply answer) mutable { finish(true, std::move(answer)); });
  } else if (gate.empty()) {
    finish(true, std::move(own));
  } else {
    std::move(gate).Open([finish = std::move(finish), own = std::move(own)](bool ok) mutable {
      finish(ok, std::move(own));
    });
  }
}

Reply Dispatcher::Execute(const Procedure& proc, void* state, const CallContext& ctx,
                          std::span<const uint8_t> args, bool* send) const {
  XdrBuffer decoded(proc.decode_args, proc.args_size);
  {
    XDR xdrs;
    // XDR_DECODE only reads the buffer; xdrmem_create's signature is not const-correct.
    xdrmem_create(&xdrs, const_cast<char*>(reinterpret_cast<const char*>(args.data())),
                  static_cast<u_int>(args.size()), XDR_DECODE);
    decoded.MarkLive();
    const bool ok = proc.decode_args(&xdrs, decoded.get()) != 0;
    xdr_destroy(&xdrs);
    if (!ok) return EncodeAcceptErrorReply(ctx.xid, GARBAGE_ARGS);
  }

  XdrBuffer result(proc.encode_result, proc.result_size);
  Outcome outcome = Outcome::kSystemError;
  try {
    outcome = proc.handler(state, ctx, decoded.get(), result.get());
  } catch (const std::exception& e) {
    LOG_ERROR("rpc: {} handler threw: {}", proc.name, e.what());
  } catch (...) {
    LOG_ERROR("rpc: {} handler threw an unknown exception", proc.name);
  }
  result.MarkLive();
  switch (outcome) {
    case Outcome::kReply: {
      bool ok = false;
      Reply reply = EncodeSuccessReply(ctx.xid, proc.encode_result, result.get(), &ok);
      if (ok) {
        if (reply.references()) reply.Retain(std::move(result).Share());
        return reply;
      }
      LOG_ERROR("rpc: {} result failed to encode", proc.name);
      return EncodeAcceptErrorReply(ctx.xid, SYSTEM_ERR);
    }
    case Outcome::kNoReply:
      *send = false;
      return {};
    case Outcome::kGarbageArgs:
      return EncodeAcceptErrorReply(ctx.xid, GARBAGE_ARGS);
    case Outcome::kSystemError:
      return EncodeAcceptErrorReply(ctx.xid, SYSTEM_ERR);
  }
  return EncodeAcceptErrorReply(ctx.xid, SYSTEM_ERR);
}

}  // namespace volumed::rpc
