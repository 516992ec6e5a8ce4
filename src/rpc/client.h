// RpcClient: a small outbound ONC RPC client over TCP or UDP, built on libtirpc's
// clnt_vc / clnt_dg. The server uses it to call clients back (NLM GRANTED_MSG, the
// _RES forms, NSM SM_NOTIFY); tests and tools use it to make calls.
//
// The peer's port is given, or looked up in the peer's rpcbind when 0. Arguments and
// results are libtirpc XDR routines and structs (rpcgen output); a decoded result owns
// memory the caller releases with xdr_free(decode_result, result).
//
// Errors (one mapping, clnt_stat → Status, in client.cc): unreachable peer, timeout or
// broken transport → kBusy (try again later); the peer does not serve the program,
// version or procedure → kNotSupported; undecodable reply or args → kInvalidArgument;
// authentication refused → kAccessDenied; the rest → kIoError.
//
// Thread-safety: thread-safe; calls on one client are serialised.
#pragma once

#include <netinet/in.h>
#include <rpc/rpc.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "base/result.h"
#include "base/status.h"
#include "rpc/program.h"

namespace volumed::rpc {

class RpcClient {
 public:
  // Connects (TCP) or prepares (UDP) a client for prog/vers at `host`; `port` 0 asks
  // the host's rpcbind. `transport` is kTcp or kUdp. `source`, when given (its port is
  // ignored), is the local address the calls go out from: it must be one of this host's,
  // of `host`'s family (a gateway speaking for a service address it took over).
  static Result<std::unique_ptr<RpcClient>> Create(const sockaddr_storage& host, uint16_t port,
                                                   uint32_t prog, uint32_t vers,
                                                   Transport transport,
                                                   std::chrono::milliseconds timeout,
                                                   const sockaddr_storage* source = nullptr);
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Sends AUTH_SYS credentials on later calls (default AUTH_NONE).
  void UseAuthSys(const std::string& machine, uint32_t uid, uint32_t gid,
                  std::span<const uint32_t> gids = {});

  // Calls `proc` and waits up to `timeout` for the reply (UDP retransmits meanwhile).
  Status Call(uint32_t proc, xdrproc_t encode_args, const void* args, xdrproc_t decode_result,
              void* result, std::chrono::milliseconds timeout);
  // As Call, with arguments already XDR-encoded (a call relayed as it arrived,
  // rpc/call_forwarder.h).
  Status CallEncoded(uint32_t proc, std::span<const uint8_t> encoded_args, xdrproc_t decode_result,
                     void* result, std::chrono::milliseconds timeout);
  // Sends `proc` without waiting for any reply (one-way messages such as NLM *_MSG).
  Status Send(uint32_t proc, xdrproc_t encode_args, const void* args);

  uint16_t port() const { return port_; }

 private:
  RpcClient(CLIENT* clnt, uint16_t port, bool udp) : clnt_(clnt), port_(port), udp_(udp) {}

  std::mutex mu_;
  CLIENT* clnt_;
  uint16_t port_;
  bool udp_;
};

// Maps a libtirpc call status to a Status (see the header comment).
Status ClientStatus(clnt_stat stat, const std::string& what);

}  // namespace volumed::rpc
