// Dispatcher: the programs reachable on one endpoint, and the code that turns one call
// record into one reply: header and credential checks, program/version/procedure lookup,
// argument decoding, the duplicate-request cache, the handler, result encoding. Every
// reject and accept status of RFC 5531 is produced here and nowhere else:
//   rpcvers ≠ 2                      → MSG_DENIED RPC_MISMATCH (2, 2)
//   bad or unsupported credential    → MSG_DENIED AUTH_ERROR (see call_codec.h)
//   AUTH_NONE to a require_auth_sys version, or a TCP/UDP source port ≥ 1024 to a
//   require_privileged_port version (procedure 0 exempt) → MSG_DENIED AUTH_TOOWEAK
//   unknown program                  → PROG_UNAVAIL
//   known program, unknown version   → PROG_MISMATCH (lowest, highest registered)
//   unknown procedure                → PROC_UNAVAIL
//   arguments fail to decode         → GARBAGE_ARGS (or the handler says kGarbageArgs)
//   handler fails / throws / result fails to encode → SYSTEM_ERR
// Non-idempotent procedures go through the duplicate-request cache (not over the Unix
// socket; see dispatcher.cc). A call whose handler redirected it, of a version with a
// forwarder, is answered with what the other server answers (rpc/call_forwarder.h), or
// with the handler's own result when it cannot be forwarded. No exception leaves Dispatch.
//
// Thread-safety: Add before serving; Dispatch is thread-safe and called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "rpc/drc.h"
#include "rpc/program.h"
#include "rpc/reply.h"

namespace volumed::rpc {

class Dispatcher {
 public:
  // `drc` may be null (no duplicate-request cache); it must outlive the dispatcher.
  explicit Dispatcher(DuplicateRequestCache* drc) : drc_(drc) {}

  // Adds a program version; InvalidArgument if that prog/vers is already present.
  Status Add(const ProgramVersion& pv);
  bool Serves(uint32_t prog, uint32_t vers) const;
  // Where the procedure table says `record`'s call runs (program.h, Runs), judged from
  // the fixed header words (and the undecoded arguments for a procedure with a
  // LightCall); kWorker for anything it cannot place.
  Runs WhereToRun(std::span<const uint8_t> record) const;
  const std::vector<ProgramVersion>& programs() const { return programs_; }

  // Receives a call's reply (with its record-mark slot, see call_codec.h; its long opaque
  // parts referenced in the handler's result, which the reply keeps alive), or nullopt
  // when no reply must be sent.
  using ReplySink = std::function<void(std::optional<Reply>)>;

  // Answers one call: `sink` is called exactly once, on this thread or — when the handler
  // gated its reply (rpc/reply_gate.h) — on the thread that opens the gate. `base` carries
  // transport, peer and local_peer_uid; the rest of the context is filled from the call.
  // The duplicate-request cache records a reply only when it is sent.
  void Dispatch(std::span<const uint8_t> record, const CallContext& base,
                ReplySink sink) const noexcept;

 private:
  void DispatchOrThrow(std::span<const uint8_t> record, const CallContext& base,
                       const ReplySink& sink, bool* answered) const;
  Reply Execute(const Procedure& proc, void* state, const CallContext& ctx,
                std::span<const uint8_t> args, bool* reply) const;

  DuplicateRequestCache* drc_;
  std::vector<ProgramVersion> programs_;
};

}  // namespace volumed::rpc
