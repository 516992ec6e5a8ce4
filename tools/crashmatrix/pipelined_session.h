// PipelinedSession: one libnfs raw RPC context (one TCP connection to 127.0.0.1) shared by
// several threads, each making one synchronous call at a time, so that as many calls as
// threads are in flight on the connection at once — the way a kernel client pipelines
// its RPC slots. A pump thread owns the socket (poll + rpc_service); a caller queues its
// call under the session's mutex, wakes the pump and sleeps until its reply was consumed,
// the connection failed, or its deadline passed.
//
// Outcomes as RpcSession: kIoError when no reply came (the server is gone: the call may or
// may not have taken effect). After a connection failure every call, pending or new, gets
// kIoError.
//
// Thread-safety: Call is thread-safe. `consume` runs on the pump thread while its caller
// waits, so it may write the caller's locals.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "rpc_session.h"

namespace volumed::crashmatrix {

class PipelinedSession final : public RpcCaller {
 public:
  // Connects to 127.0.0.1:port for prog/vers with AUTH_SYS uid/gid; each call then waits
  // at most `timeout` for its reply.
  static Result<std::unique_ptr<PipelinedSession>> Connect(uint16_t port, int prog, int vers,
                                                           uint32_t uid, uint32_t gid,
                                                           std::chrono::milliseconds timeout);
  ~PipelinedSession() override;
  PipelinedSession(const PipelinedSession&) = delete;
  PipelinedSession& operator=(const PipelinedSession&) = delete;

 protected:
  Status CallRaw(const Issue& issue, const std::function<void(void*)>& consume) override;

 private:
  PipelinedSession(std::unique_ptr<RpcSession> session, int wake_fd);
  void Pump(const std::stop_token& stop);
  void Wake();

  // The connected context; its `abandoned_` keeps every call's bookkeeping until the
  // context is destroyed (libnfs may call back for a call whose caller gave up).
  const std::unique_ptr<RpcSession> session_;
  const int wake_fd_;  // eventfd: a call was queued (the pump must poll for POLLOUT)
  std::mutex mu_;
  std::condition_variable replied_;  // a reply was consumed or the connection failed
  bool broken_ = false;              // guarded by mu_
  std::string broken_why_;           // guarded by mu_
  std::jthread pump_;                // last: started after everything above exists
};

}  // namespace volumed::crashmatrix
