#include "nsm/outbound.h"

#include "rpc/client.h"
#include "rpc/procedure_table.h"

namespace volumed::nsm {

Status RpcOutboundCaller::Call(const OutboundCall& call, xdrproc_t encode_args, const void* args) {
  VOLUMED_ASSIGN_OR_RETURN(
      std::unique_ptr<rpc::RpcClient> client,
      rpc::RpcClient::Create(call.addr, 0, call.prog, call.vers, call.transport, call.timeout,
                             call.source.ss_family == AF_UNSPEC ? nullptr : &call.source));
  if (call.one_way) return client->Send(call.proc, encode_args, args);
  return client->Call(call.proc, encode_args, args, rpc::XdrVoid(), nullptr, call.timeout);
}

}  // namespace volumed::nsm
