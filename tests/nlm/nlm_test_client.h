// Helpers for NLM/NSM protocol tests over libtirpc and our own XDR: a synchronous NLM
// client, a volume file handle, and CallbackListener — a tiny NLM server of the test's
// own (registered with the netns's rpcbind) that receives the server's GRANTED_MSG and
// *_RES calls. Tests that use the listener start volumed with --no-rpcbind, so that
// volumed's NLM does not occupy the rpcbind entry the listener needs (client and server
// share one host and one rpcbind in these tests).
//
// Thread-safety: NlmClient is not; CallbackListener's accessors are.
#pragma once

#include <rpc/rpc.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nlm4_prot.h"
#include "rpc/client.h"
#include "rpc/program.h"
#include "volume_handle.h"

namespace volumed::nlmtest {

inline constexpr uint16_t kNlmPort = 32803;
inline constexpr uint16_t kNsmPort = 32765;
// The listener also takes this procedure as a status monitor's callback (sm_status), as
// Linux's lockd does: Received::cookie = mon_name, Received::svid = state.
inline constexpr uint32_t kNsmCallbackProc = 16;

struct Owner {
  std::string host;
  int32_t svid;
  std::string oh;
};

struct TestReply {
  nlm4_stats stat = NLM4_FAILED;
  bool exclusive = false;
  int32_t svid = 0;
  std::string oh;
  uint64_t offset = 0, length = 0;
  std::string cookie;
};

class NlmClient {
 public:
  // To the server at `server` (an IPv4 or IPv6 literal).
  static std::unique_ptr<NlmClient> Connect(rpc::Transport transport, uint32_t vers = NLM4_VERS,
                                            uint16_t port = kNlmPort,
                                            const std::string& server = "127.0.0.1");
  rpc::RpcClient& raw() { return *client_; }

  Status Null();
  TestReply Test(const std::string& fh, const Owner& o, uint64_t off, uint64_t len, bool excl,
                 const std::string& cookie = "c-test");
  nlm4_stats Lock(const std::string& fh, const Owner& o, uint64_t off, uint64_t len, bool excl,
                  bool block, bool reclaim = false, std::string* cookie_back = nullptr,
                  uint32_t proc = NLMPROC4_LOCK);
  nlm4_stats Cancel(const std::string& fh, const Owner& o, uint64_t off, uint64_t len, bool excl);
  nlm4_stats Unlock(const std::string& fh, const Owner& o, uint64_t off, uint64_t len);
  nlm4_stats Share(const std::string& fh, const Owner& o, fsh_mode mode, fsh_access access,
                   bool unshare = false);
  Status FreeAll(const std::string& host);
  // Sends a _MSG form (no reply expected); the answer arrives at the CallbackListener.
  Status SendMsg(uint32_t proc, xdrproc_t encode, const void* args);

  static nlm4_lock MakeLock(const std::string& fh, const Owner& o, uint64_t off, uint64_t len);

 private:
  std::unique_ptr<rpc::RpcClient> client_;
};

// One call the listener received.
struct Received {
  uint32_t proc = 0;
  std::string cookie;
  nlm4_stats stat = NLM4_FAILED;  // for *_RES
  bool exclusive = false;         // for GRANTED_MSG
  int32_t svid = 0;
  uint64_t offset = 0, length = 0;
  std::chrono::steady_clock::time_point at;
};

class CallbackListener {
 public:
  // Registers NLM v4 over UDP and TCP with the local rpcbind and serves on a thread. With
  // `refuse_grants`, answers each GRANTED_MSG with GRANTED_RES(DENIED) to `server_port`.
  static std::unique_ptr<CallbackListener> Start(bool refuse_grants = false,
                                                 uint16_t server_port = kNlmPort);
  ~CallbackListener();

  // Waits for a call to `proc` (beyond the `skip` first ones); nullopt on timeout.
  std::optional<Received> WaitFor(uint32_t proc, std::chrono::milliseconds timeout,
                                  size_t skip = 0);
  size_t Count(uint32_t proc) const;

 private:
  CallbackListener() = default;
  static void Dispatch(svc_req* req, SVCXPRT* xprt);
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  bool refuse_grants_ = false;
  uint16_t server_port_ = kNlmPort;
  bool stop_ = false;
  std::thread thread_;
  SVCXPRT* udp_ = nullptr;
  SVCXPRT* tcp_ = nullptr;
};

}  // namespace volumed::nlmtest
