// Drives an admin procedure the way the engine does: the client's arguments are XDR
// encoded and decoded into a zeroed buffer, the handler runs, its result is encoded,
// xdr_free()d, and decoded again as the client would see it. Catches results that do
// not fit their XDR bounds and memory the handler did not malloc.
#pragma once

#include <gtest/gtest.h>
#include <rpc/rpc.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "rpc/program.h"

namespace volumed::admin::testing {

inline rpc::CallContext LocalRoot() {
  rpc::CallContext ctx;
  ctx.transport = rpc::Transport::kLocal;
  ctx.local_peer_uid = 0;
  return ctx;
}

// `client_result` is decoded into; free it with xdr_free(proc.encode_result, ...).
inline void CallThroughWire(const rpc::ProgramVersion& program, uint32_t proc_number,
                            const rpc::CallContext& ctx, void* client_args, void* client_result) {
  const auto it = std::find_if(program.procedures.begin(), program.procedures.end(),
                               [&](const rpc::Procedure& p) { return p.number == proc_number; });
  ASSERT_NE(it, program.procedures.end());
  const rpc::Procedure& proc = *it;

  std::vector<char> wire(1 << 20);
  XDR x;
  xdrmem_create(&x, wire.data(), static_cast<u_int>(wire.size()), XDR_ENCODE);
  ASSERT_TRUE(proc.decode_args(&x, client_args));
  const u_int args_len = xdr_getpos(&x);
  xdr_destroy(&x);

  std::vector<char> args(std::max<size_t>(proc.args_size, 1), 0);
  std::vector<char> result(std::max<size_t>(proc.result_size, 1), 0);
  xdrmem_create(&x, wire.data(), args_len, XDR_DECODE);
  ASSERT_TRUE(proc.decode_args(&x, args.data()));
  xdr_destroy(&x);

  ASSERT_EQ(proc.handler(program.state, ctx, args.data(), result.data()), rpc::Outcome::kReply);

  xdrmem_create(&x, wire.data(), static_cast<u_int>(wire.size()), XDR_ENCODE);
  ASSERT_TRUE(proc.encode_result(&x, result.data())) << "result does not fit its XDR bounds";
  const u_int res_len = xdr_getpos(&x);
  xdr_destroy(&x);
  xdr_free(proc.decode_args, args.data());
  xdr_free(proc.encode_result, result.data());

  std::memset(client_result, 0, proc.result_size);
  xdrmem_create(&x, wire.data(), res_len, XDR_DECODE);
  ASSERT_TRUE(proc.encode_result(&x, client_result));
  xdr_destroy(&x);
}

}  // namespace volumed::admin::testing
