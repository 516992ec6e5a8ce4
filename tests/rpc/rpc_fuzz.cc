// libFuzzer target: the bytes of one TCP connection go through record reassembly (in
// chunk sizes chosen by the input) and every record through the dispatcher: call
// header, credentials (AUTH_SYS bounds), program/version/procedure lookup, argument
// decoding with libtirpc XDR (bounded opaque<> and string<>), the duplicate-request
// cache and reply encoding. Each reply must be a well-formed single-fragment record.
#include <rpc/rpc.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "base/logging.h"
#include "dispatch_now.h"
#include "rpc/dispatcher.h"
#include "rpc/drc.h"
#include "rpc/null_program.h"
#include "rpc/record_marking.h"

namespace {

using namespace volumed::rpc;

struct Bytes {
  u_int len;
  char* val;
};
bool_t XdrBytes(XDR* x, Bytes* b) { return xdr_bytes(x, &b->val, &b->len, 1u << 20); }
bool_t XdrName(XDR* x, char** s) { return xdr_string(x, s, 255); }

Outcome Len(void*, const CallContext&, void* args, void* res) {
  *static_cast<u_int*>(res) = static_cast<Bytes*>(args)->len;
  return Outcome::kReply;
}
Outcome NameLen(void*, const CallContext&, void* args, void* res) {
  const char* s = *static_cast<char**>(args);
  u_int n = 0;
  while (s != nullptr && s[n] != '\0') ++n;
  *static_cast<u_int*>(res) = n;
  return Outcome::kReply;
}
Outcome Echo(void*, const CallContext& ctx, void* args, void* res) {
  *static_cast<u_int*>(res) = *static_cast<u_int*>(args) ^ ctx.cred.uid;
  return Outcome::kReply;
}

const Procedure kProcs[] = {
    NullProcedure(),
    {1, "ECHO", reinterpret_cast<xdrproc_t>(xdr_u_int), sizeof(u_int),
     reinterpret_cast<xdrproc_t>(xdr_u_int), sizeof(u_int), Echo, true},
    {2, "BYTES", reinterpret_cast<xdrproc_t>(XdrBytes), sizeof(Bytes),
     reinterpret_cast<xdrproc_t>(xdr_u_int), sizeof(u_int), Len, false},
    {3, "NAME", reinterpret_cast<xdrproc_t>(XdrName), sizeof(char*),
     reinterpret_cast<xdrproc_t>(xdr_u_int), sizeof(u_int), NameLen, false},
};

struct Harness {
  Harness() : drc(64, 1 << 16), dispatcher(&drc) {
    spdlog::set_level(spdlog::level::off);
    for (uint32_t vers : {1u, 3u}) {
      ProgramVersion pv;
      pv.prog = 100099;
      pv.vers = vers;
      pv.name = "fuzz";
      pv.procedures = kProcs;
      pv.require_auth_sys = vers == 3;
      (void)dispatcher.Add(pv);
    }
    base.peer.ss_family = AF_INET;
  }
  DuplicateRequestCache drc;
  Dispatcher dispatcher;
  CallContext base;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  std::span<const uint8_t> stream(data + 1, size - 1);
  RecordReassembler reassembler(1 << 16);
  std::vector<std::vector<uint8_t>> records;
  for (size_t pos = 0; pos < stream.size(); pos += chunk) {
    const size_t n = std::min(chunk, stream.size() - pos);
    if (!reassembler.Feed(stream.subspan(pos, n), &records).ok()) break;
  }
  for (const auto& rec : records) {
    auto reply = volumed::rpc::testing::DispatchNow(h.dispatcher, rec, h.base);
    if (!reply) continue;
    if (reply->size() < 4 + 12) std::abort();
    const uint32_t mark = (uint32_t{(*reply)[0]} << 24) | (uint32_t{(*reply)[1]} << 16) |
                          (uint32_t{(*reply)[2]} << 8) | (*reply)[3];
    if (mark != (0x80000000u | (reply->size() - 4))) std::abort();
  }
  return 0;
}
