// Call decoding and reply encoding; the grammar is in call_codec.h.
#include "rpc/call_codec.h"

#include "base/big_endian.h"
#include "rpc/auth_sys.h"
#include "rpc/record_marking.h"
#include "rpc/wire.h"

namespace volumed::rpc {

namespace {

constexpr uint32_t kCall = 0;
constexpr uint32_t kReply = 1;
constexpr uint32_t kMsgAccepted = 0;
constexpr uint32_t kMsgDenied = 1;
constexpr uint32_t kRejectRpcMismatch = 0;
constexpr uint32_t kRejectAuthError = 1;
constexpr uint32_t kAuthShort = 2;

// Writes the record-mark slot, xid, REPLY and the reply_stat.
WireWriter ReplyHeader(uint32_t xid, uint32_t reply_stat) {
  WireWriter w;
  w.U32(0);  // record-mark slot, filled by Finish()
  w.U32(xid);
  w.U32(kReply);
  w.U32(reply_stat);
  return w;
}

std::vector<uint8_t> Finish(WireWriter w) {
  std::vector<uint8_t> out = std::move(w).Take();
  EncodeLastFragmentHeader(static_cast<uint32_t>(out.size() - kRecordMarkSlot), out.data());
  return out;
}

void AcceptedPrefix(WireWriter& w, uint32_t stat) {
  w.U32(AUTH_NONE);  // verifier: AUTH_NONE, empty body
  w.U32(0);
  w.U32(stat);
}

}  // namespace

std::optional<CallNumbers> PeekCallNumbers(std::span<const uint8_t> record) {
  // xid, msg_type, rpcvers, prog, vers, proc: RFC 5531 §9.
  constexpr size_t kMsgTypeAt = 4, kProgAt = 12, kVersAt = 16, kProcAt = 20;
  if (record.size() < kProcAt + 4) return std::nullopt;
  auto word = [&](size_t at) { return LoadBigEndian<uint32_t>(record.data() + at); };
  if (word(kMsgTypeAt) != CALL) return std::nullopt;
  return CallNumbers{word(kProgAt), word(kVersAt), word(kProcAt)};
}

DecodedCall DecodeCall(std::span<const uint8_t> record) {
  DecodedCall call;
  WireReader in(record);
  uint32_t msg_type = 0, rpcvers = 0;
  if (!in.U32(&call.xid) || !in.U32(&msg_type) || msg_type != kCall) return call;  // kDrop
  if (!in.U32(&rpcvers)) return call;
  if (rpcvers != kRpcVersion) {
    call.verdict = HeaderVerdict::kRpcMismatch;
    return call;
  }
  if (!in.U32(&call.prog) || !in.U32(&call.vers) || !in.U32(&call.proc)) return call;

  call.verdict = HeaderVerdict::kAuthError;
  uint32_t cred_flavor = 0, cred_len = 0;
  std::span<const uint8_t> cred_body;
  if (!in.U32(&cred_flavor) || !in.U32(&cred_len) || cred_len > kMaxAuthBytes ||
      !in.Opaque(cred_len, &cred_body)) {
    call.auth_error = AUTH_BADCRED;
    return call;
  }
  uint32_t verf_flavor = 0, verf_len = 0;
  std::span<const uint8_t> verf_body;
  if (!in.U32(&verf_flavor) || !in.U32(&verf_len) || verf_len > kMaxAuthBytes ||
      !in.Opaque(verf_len, &verf_body)) {
    call.auth_error = AUTH_BADVERF;
    return call;
  }
  switch (cred_flavor) {
    case AUTH_NONE:
      call.cred = Credentials{};
      break;
    case AUTH_SYS:
      if (!ParseAuthSys(cred_body, &call.cred).ok()) {
        call.auth_error = AUTH_BADCRED;
        return call;
      }
      break;
    case kAuthShort:
      call.auth_error = AUTH_REJECTEDCRED;
      return call;
    default:
      call.auth_error = AUTH_BADCRED;
      return call;
  }
  if (verf_flavor != AUTH_NONE) {
    call.auth_error = AUTH_BADVERF;
    return call;
  }
  call.verdict = HeaderVerdict::kOk;
  call.auth_error = AUTH_OK;
  call.args = record.subspan(in.position());
  return call;
}

Reply EncodeSuccessReply(uint32_t xid, xdrproc_t encode, void* result, bool* ok) {
  WireWriter w = ReplyHeader(xid, kMsgAccepted);
  AcceptedPrefix(w, SUCCESS);
  Reply reply(std::move(w).Take());
  // A void result encodes to nothing and succeeds; a failing encoder fails on any stream.
  if (!reply.AppendXdr(encode, result)) {
    *ok = false;
    return {};
  }
  reply.MarkRecord();
  *ok = true;
  return reply;
}

std::vector<uint8_t> EncodeAcceptErrorReply(uint32_t xid, accept_stat stat) {
  WireWriter w = ReplyHeader(xid, kMsgAccepted);
  AcceptedPrefix(w, stat);
  return Finish(std::move(w));
}

std::vector<uint8_t> EncodeProgMismatchReply(uint32_t xid, uint32_t low, uint32_t high) {
  WireWriter w = ReplyHeader(xid, kMsgAccepted);
  AcceptedPrefix(w, PROG_MISMATCH);
  w.U32(low);
  w.U32(high);
  return Finish(std::move(w));
}

std::vector<uint8_t> EncodeRpcMismatchReply(uint32_t xid) {
  WireWriter w = ReplyHeader(xid, kMsgDenied);
  w.U32(kRejectRpcMismatch);
  w.U32(kRpcVersion);
  w.U32(kRpcVersion);
  return Finish(std::move(w));
}

std::vector<uint8_t> EncodeAuthErrorReply(uint32_t xid, auth_stat why) {
  WireWriter w = ReplyHeader(xid, kMsgDenied);
  w.U32(kRejectAuthError);
  w.U32(why);
  return Finish(std::move(w));
}

std::vector<uint8_t> EncodeCall(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                                uint32_t cred_flavor, std::span<const uint8_t> cred_body,
                                std::span<const uint8_t> args) {
  WireWriter w;
  w.U32(xid);
  w.U32(kCall);
  w.U32(kRpcVersion);
  w.U32(prog);
  w.U32(vers);
  w.U32(proc);
  w.U32(cred_flavor);
  w.Opaque(cred_body);
  w.U32(AUTH_NONE);
  w.U32(0);
  w.Raw(args);
  return std::move(w).Take();
}

}  // namespace volumed::rpc
