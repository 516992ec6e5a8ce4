// RpcCaller: makes one ONC RPC call through libnfs's raw API and waits for its reply —
// what NfsOps needs from a transport. Two transports implement it: RpcSession (one call at
// a time, pumped by the caller) and PipelinedSession (many threads' calls in flight on one
// connection, pipelined_session.h).
//
// RpcSession: one libnfs raw RPC context (NFS or MOUNT) to 127.0.0.1, driven
// synchronously with a deadline per call. Used by the crash matrix, which kills the server
// under it: a call whose reply never comes back returns kIoError and its outcome is then
// unknown to the caller (which is exactly what the crash model needs to know).
//
// libnfs may still call a callback for an abandoned call when the context is destroyed, so
// every call's bookkeeping lives on the heap until the context is gone.
//
// Thread-safety: not thread-safe; one thread per session.
#pragma once

// libnfs.h defines what the raw headers need; keep this order.
#include <nfsc/libnfs.h>

#include <nfsc/libnfs-raw.h>

#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace volumed::crashmatrix {

class RpcCaller {
 public:
  using Issue = std::function<int(rpc_context*, rpc_cb, void*)>;

  virtual ~RpcCaller() = default;

  // Issues one call and waits for its reply; `consume` reads the reply (valid only
  // inside it). kIoError when the connection failed or no reply came in time.
  template <typename Res>
  Status Call(const Issue& issue, const std::function<void(Res*)>& consume) {
    return CallRaw(issue, [&](void* data) { consume(static_cast<Res*>(data)); });
  }

 protected:
  virtual Status CallRaw(const Issue& issue, const std::function<void(void*)>& consume) = 0;
};

class RpcSession final : public RpcCaller {
 public:
  // Connects to 127.0.0.1:port for prog/vers with AUTH_SYS uid/gid and supplementary
  // `groups` (at most 16, as AUTH_SYS allows).
  static Result<std::unique_ptr<RpcSession>> Connect(uint16_t port, int prog, int vers,
                                                     uint32_t uid, uint32_t gid,
                                                     std::chrono::milliseconds timeout,
                                                     std::vector<uint32_t> groups = {});
  ~RpcSession() override;
  RpcSession(const RpcSession&) = delete;
  RpcSession& operator=(const RpcSession&) = delete;

 protected:
  Status CallRaw(const Issue& issue, const std::function<void(void*)>& consume) override;

 private:
  friend class PipelinedSession;  // drives this connected context from its own thread
  struct Pending {
    bool done = false;
    int status = 0;
    std::string error;
    std::function<void(void*)> consume;
  };

  explicit RpcSession(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  Status Wait(Pending* p);
  static void OnReply(rpc_context*, int status, void* data, void* priv);

  std::chrono::milliseconds timeout_;
  rpc_context* rpc_ = nullptr;
  bool broken_ = false;
  std::vector<std::unique_ptr<Pending>> abandoned_;  // outlive rpc_ (see above)
};

}  // namespace volumed::crashmatrix
