#include "program_harness.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

namespace volumed::fuzz {
namespace {

constexpr size_t kMaxReply = 4u << 20;

rpc::CallContext Context(const rpc::ProgramVersion& pv, const rpc::Procedure& p, uint8_t sel) {
  rpc::CallContext ctx;
  ctx.xid = 1;
  ctx.prog = pv.prog;
  ctx.vers = pv.vers;
  ctx.proc = p.number;
  ctx.transport = rpc::Transport::kTcp;
  auto* sin = reinterpret_cast<sockaddr_in*>(&ctx.peer);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(700);
  sin->sin_addr.s_addr = htonl((sel & 4) != 0 ? 0x7f000002 : 0x7f000001);
  ctx.peer_len = sizeof(sockaddr_in);
  ctx.cred.machine_name = "fuzz";
  switch (sel & 3) {
    case 0:
      ctx.cred.flavor = AUTH_SYS;
      ctx.cred.uid = ctx.cred.gid = 1000;
      break;
    case 1:
      ctx.cred.flavor = AUTH_SYS;
      ctx.cred.uid = ctx.cred.gid = 0;
      break;
    case 2:
      ctx.cred.flavor = AUTH_SYS;
      ctx.cred.uid = ctx.cred.gid = 4242;
      for (uint32_t g = 0; g < 16; ++g) ctx.cred.gids.push_back(1000 + g);
      break;
    default:
      ctx.cred.flavor = AUTH_NONE;
      break;
  }
  return ctx;
}

struct Buffer {
  Buffer(xdrproc_t proc, size_t size) : proc(proc), bytes(size ? size : 1, 0) {}
  ~Buffer() {
    if (live) xdr_free(proc, bytes.data());
  }
  xdrproc_t proc;
  std::vector<char> bytes;
  bool live = false;
};

}  // namespace

int RunProgramInput(const rpc::ProgramVersion& pv, const uint8_t* data, size_t size) {
  if (size < 2 || pv.procedures.empty()) return 0;
  const rpc::Procedure& p = pv.procedures[data[0] % pv.procedures.size()];
  const rpc::CallContext ctx = Context(pv, p, data[1]);
  if (pv.require_auth_sys && p.number != 0 && ctx.cred.flavor != AUTH_SYS) return 0;

  Buffer args(p.decode_args, p.args_size);
  XDR in;
  xdrmem_create(&in, const_cast<char*>(reinterpret_cast<const char*>(data + 2)),
                static_cast<u_int>(size - 2), XDR_DECODE);
  args.live = true;
  const bool decoded = p.decode_args(&in, args.bytes.data()) != 0;
  xdr_destroy(&in);
  if (!decoded) return 0;

  Buffer result(p.encode_result, p.result_size);
  const rpc::Outcome outcome = p.handler(pv.state, ctx, args.bytes.data(), result.bytes.data());
  result.live = true;
  if (outcome == rpc::Outcome::kReply) {
    static std::vector<char> out(kMaxReply);
    XDR x;
    xdrmem_create(&x, out.data(), static_cast<u_int>(out.size()), XDR_ENCODE);
    const bool ok = p.encode_result(&x, result.bytes.data()) != 0;
    xdr_destroy(&x);
    if (!ok) {
      std::fprintf(stderr, "%s: result failed to encode\n", p.name);
      std::abort();
    }
  }
  return 0;
}

void WriteSeed(const rpc::ProgramVersion& pv, uint32_t proc_number, uint8_t cred,
               const std::string& name, xdrproc_t encode, const void* args) {
  const char* dir = std::getenv("FUZZ_SEED_DIR");
  if (dir == nullptr) return;
  size_t index = pv.procedures.size();
  for (size_t i = 0; i < pv.procedures.size(); ++i) {
    if (pv.procedures[i].number == proc_number) index = i;
  }
  if (index == pv.procedures.size()) return;
  std::vector<char> buf(1 << 16);
  XDR x;
  xdrmem_create(&x, buf.data(), static_cast<u_int>(buf.size()), XDR_ENCODE);
  const bool ok = encode(&x, const_cast<void*>(args)) != 0;
  const u_int len = xdr_getpos(&x);
  xdr_destroy(&x);
  if (!ok) return;
  std::ofstream f(std::string(dir) + "/" + name, std::ios::binary);
  f.put(static_cast<char>(index));
  f.put(static_cast<char>(cred));
  f.write(buf.data(), len);
}

}  // namespace volumed::fuzz
