// CallForwarder: how the engine sends a call on to the server it belongs to and relays
// that server's answer (a proxy hop). A handler that finds its call belongs elsewhere says
// so (CallContext::redirect, program.h) and fills its own result as usual; when its
// version has a forwarder, the dispatcher hands the call's arguments — the XDR bytes as
// they arrived, so nothing is re-encoded — to Forward and answers with the other server's
// result, decoded with the procedure's own XDR routine and encoded again as our reply.
// When Forward says no (no such server, unreachable, a loop), the handler's own result
// is the answer. The duplicate-request cache records whichever answer is sent.
//
// Thread-safety: implementations are thread-safe; Forward is called from any thread,
// also the reactor, and must not block.
#pragma once

#include <rpc/rpc.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"
#include "rpc/program.h"

namespace volumed::rpc {

// One call to send on: where it belongs, who sent it, and its arguments.
struct ForwardedCall {
  uint64_t target = 0;  // CallRedirect::target
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  const char* name = "";  // the procedure's, for logs
  Credentials cred;       // sent on as the caller's (AUTH_SYS)
  sockaddr_storage peer{};
  sockaddr_storage local{};   // the address the call came to (CallContext::local)
  std::vector<uint8_t> args;  // the call's arguments, XDR as they arrived
  xdrproc_t decode_result{};  // the procedure's result routine
};

class CallForwarder {
 public:
  virtual ~CallForwarder() = default;
  // Told once: Ok when `result` holds the other server's decoded result; else why the
  // call was not forwarded (the caller answers it itself).
  using Done = std::function<void(Status)>;
  // Sends `call` on and decodes the answer into `result` (a zeroed buffer for
  // call.decode_result that the caller owns and frees, also after a failure); calls
  // `done` exactly once, on any thread.
  virtual void Forward(ForwardedCall call, void* result, Done done) = 0;
};

}  // namespace volumed::rpc
