// Call-header decoding and reply encoding for ONC RPC v2 (RFC 5531 §9).
//
// Wire grammar (the parts this file owns):
//   rpc_msg      = xid:u32 msg_type:u32(CALL=0|REPLY=1) body
//   call_body    = rpcvers:u32(=2) prog:u32 vers:u32 proc:u32 cred:opaque_auth
//                  verf:opaque_auth args...
//   opaque_auth  = flavor:u32 body:opaque<400>
//   reply_body   = MSG_ACCEPTED(0) verf:opaque_auth accept_stat:u32
//                      [SUCCESS(0): results | PROG_MISMATCH(2): low:u32 high:u32]
//                | MSG_DENIED(1) reject_stat:u32
//                      [RPC_MISMATCH(0): low:u32 high:u32 | AUTH_ERROR(1): auth_stat:u32]
//
// Credentials: AUTH_NONE and AUTH_SYS are accepted (the verifier must be AUTH_NONE, as
// neither flavor defines one). Everything else is refused with AUTH_ERROR:
//   - a malformed or over-long credential body      → AUTH_BADCRED
//   - a verifier other than AUTH_NONE, or malformed → AUTH_BADVERF
//   - AUTH_SHORT (we never hand out short handles)  → AUTH_REJECTEDCRED, which tells the
//     client to start again with its full credential
//   - any other flavor (AUTH_DH, RPCSEC_GSS, …)     → AUTH_BADCRED, as knfsd answers and
//     as RFC 9289 expects of a server without that flavor
// AUTH_TOOWEAK is answered by the dispatcher when a program refuses AUTH_NONE.
//
// Encoded replies carry a 4-byte slot in front for the TCP record mark, already filled
// for a single last fragment; UDP senders skip it (see ReplyPayload).
//
// Thread-safety: pure functions.
#pragma once

#include <rpc/rpc.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rpc/program.h"
#include "rpc/reply.h"

namespace volumed::rpc {

inline constexpr uint32_t kRpcVersion = 2;
inline constexpr uint32_t kMaxAuthBytes = 400;

enum class HeaderVerdict : unsigned char {
  kOk,           // decoded; `args` holds the argument bytes
  kDrop,         // not a call, or too short to answer: send nothing
  kRpcMismatch,  // rpcvers != 2: MSG_DENIED / RPC_MISMATCH
  kAuthError,    // MSG_DENIED / AUTH_ERROR with `auth_stat`
};

struct DecodedCall {
  HeaderVerdict verdict = HeaderVerdict::kDrop;
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  Credentials cred;
  auth_stat auth_error = AUTH_OK;
  std::span<const uint8_t> args;  // into the record
};

DecodedCall DecodeCall(std::span<const uint8_t> record);

// A CALL's program, version and procedure from the fixed header words alone (no
// credentials decoded); nullopt when `record` is not a CALL or too short.
struct CallNumbers {
  uint32_t prog;
  uint32_t vers;
  uint32_t proc;
};
std::optional<CallNumbers> PeekCallNumbers(std::span<const uint8_t> record);

// Reply encoders. `result` is encoded with `encode` (libtirpc XDR), its long opaque parts
// referenced, not copied (reply.h: the caller keeps `result` alive with Reply::Retain);
// `*ok` is false (and the reply empty) when the result could not be encoded.
Reply EncodeSuccessReply(uint32_t xid, xdrproc_t encode, void* result, bool* ok);
std::vector<uint8_t> EncodeAcceptErrorReply(uint32_t xid, accept_stat stat);  // not SUCCESS
std::vector<uint8_t> EncodeProgMismatchReply(uint32_t xid, uint32_t low, uint32_t high);
std::vector<uint8_t> EncodeRpcMismatchReply(uint32_t xid);
std::vector<uint8_t> EncodeAuthErrorReply(uint32_t xid, auth_stat why);

// The reply without its record-mark slot (what goes into a UDP datagram).
inline std::span<const uint8_t> ReplyPayload(const std::vector<uint8_t>& reply) {
  return std::span<const uint8_t>(reply).subspan(kRecordMarkSlot);
}

// Encodes a call message (used by tests, the benchmark and fuzz seeds); `cred_body` is
// empty for AUTH_NONE. No record-mark slot.
std::vector<uint8_t> EncodeCall(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                                uint32_t cred_flavor, std::span<const uint8_t> cred_body,
                                std::span<const uint8_t> args = {});

}  // namespace volumed::rpc
