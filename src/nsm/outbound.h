// OutboundCaller: the one door through which the status monitor and the lock manager call
// other hosts — NSM's SM_NOTIFY to hosts recorded as holding locks, NSM's callbacks to the
// local lock managers that registered with SM_MON, NLM's GRANTED_MSG and the _RES answers
// to _MSG requests. volumed passes RpcOutboundCaller (libtirpc clients, rpc/client.h);
// tests and fuzzers pass a fake that records what would have been sent, so nothing leaves
// the process.
//
// A call either waits for the (void) reply within `timeout` (`one_way` false), or is sent
// without waiting for any reply (`one_way` true, NLM's one-way messages). Errors follow
// rpc/client.h: kBusy for an unreachable peer or a timeout, kNotSupported when the peer
// does not serve the program, and so on.
//
// Thread-safety: implementations are thread-safe (calls come from executor threads).
#pragma once

#include <netinet/in.h>
#include <rpc/rpc.h>

#include <chrono>
#include <cstdint>

#include "base/status.h"
#include "rpc/program.h"

namespace volumed::nsm {

struct OutboundCall {
  sockaddr_storage addr{};  // the peer; its port is ignored: the peer's rpcbind is asked
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  rpc::Transport transport = rpc::Transport::kUdp;  // kTcp or kUdp
  bool one_way = false;
  std::chrono::milliseconds timeout{3000};
  // The local address to send from (its port is ignored); AF_UNSPEC (the default): the
  // one the route to the peer picks. Set when speaking for a service address taken over
  // from another gateway, so that the peer sees the call come from that address.
  sockaddr_storage source{};
};

class OutboundCaller {
 public:
  virtual ~OutboundCaller() = default;
  // Sends `args`, encoded by `encode_args`, as `call` describes.
  virtual Status Call(const OutboundCall& call, xdrproc_t encode_args, const void* args) = 0;
};

// The real caller: a fresh rpc::RpcClient per call. Stateless; one instance serves all.
class RpcOutboundCaller final : public OutboundCaller {
 public:
  Status Call(const OutboundCall& call, xdrproc_t encode_args, const void* args) override;
};

}  // namespace volumed::nsm
