// Helpers for tests of NlmService without a server or a catalog: the CallContext an NLM
// client's call carries, and NlmHooks over fake file handles — 8 bytes: an inode of
// volume 1; 16 bytes: a volume id, then an inode (host byte order).
//
// Thread-safety: stateless functions; the hooks are thread-safe.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <span>

#include "nlm/nlm_service.h"
#include "nlm4_prot.h"
#include "rpc/program.h"

namespace volumed::nlm {

// A call from IPv4 address `ip` (port 801), AUTH_SYS, NLM version `vers`.
inline rpc::CallContext NlmCaller(uint32_t ip, uint32_t vers = NLM4_VERS,
                                  rpc::Transport transport = rpc::Transport::kTcp) {
  rpc::CallContext ctx;
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ctx.peer);
  a4->sin_family = AF_INET;
  a4->sin_addr.s_addr = htonl(ip);
  a4->sin_port = htons(801);
  ctx.peer_len = sizeof(sockaddr_in);
  ctx.prog = NLM_PROG;
  ctx.vers = vers;
  ctx.transport = transport;
  ctx.cred.flavor = AUTH_SYS;
  return ctx;
}

inline NlmHooks FakeHandles() {
  NlmHooks hooks;
  hooks.decode_handle = [](std::span<const uint8_t> fh) -> Result<FileKey> {
    FileKey key{1, 0};
    if (fh.size() == 8) {
      std::memcpy(&key.inode, fh.data(), 8);
    } else if (fh.size() == 16) {
      std::memcpy(&key.volume_id, fh.data(), 8);
      std::memcpy(&key.inode, fh.data() + 8, 8);
    } else {
      return Status(Status::Code::kBadHandle, "not ours");
    }
    return key;
  };
  hooks.resolve_handle = [decode = hooks.decode_handle](const rpc::CallContext&,
                                                        std::span<const uint8_t> fh) {
    return decode(fh);
  };
  return hooks;
}

}  // namespace volumed::nlm
