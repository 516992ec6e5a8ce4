#include "program_harness.h"

#include <arpa/inet.h>
#include <leveldb/helpers/memenv.h>
#include <sys/un.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "mount/mount_service.h"

namespace volumed::fuzz {
namespace {

constexpr size_t kMaxReply = 4u << 20;

rpc::CallContext Context(const rpc::ProgramVersion& pv, const rpc::Procedure& p, uint8_t sel,
                         HarnessOptions options) {
  rpc::CallContext ctx;
  ctx.xid = 1;
  ctx.prog = pv.prog;
  ctx.vers = pv.vers;
  ctx.proc = p.number;
  ctx.transport = rpc::Transport::kTcp;
  auto* sin = reinterpret_cast<sockaddr_in*>(&ctx.peer);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(700);
  sin->sin_addr.s_addr = htonl((sel & 16) != 0  ? 0xc0000201
                               : (sel & 4) != 0 ? 0x7f000002
                                                : 0x7f000001);
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
  if (options.unix_socket && (sel & 8) != 0) {
    ctx.transport = rpc::Transport::kLocal;
    ctx.peer = {};
    ctx.peer.ss_family = AF_UNIX;
    ctx.peer_len = sizeof(sa_family_t);
    ctx.local_peer_uid = ctx.cred.uid;
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

size_t ProcedureCount(std::span<const rpc::ProgramVersion> versions) {
  size_t n = 0;
  for (const rpc::ProgramVersion& pv : versions) n += pv.procedures.size();
  return n;
}

}  // namespace

int RunProgramInput(std::span<const rpc::ProgramVersion> versions, const uint8_t* data, size_t size,
                    HarnessOptions options) {
  const size_t total = ProcedureCount(versions);
  if (size < 2 || total == 0) return 0;
  size_t index = data[0] % total;
  const rpc::ProgramVersion* pv = versions.data();
  while (index >= pv->procedures.size()) index -= (pv++)->procedures.size();
  const rpc::Procedure& p = pv->procedures[index];
  const rpc::CallContext ctx = Context(*pv, p, data[1], options);
  if (pv->require_auth_sys && p.number != 0 && ctx.cred.flavor != AUTH_SYS) return 0;

  Buffer args(p.decode_args, p.args_size);
  XDR in;
  xdrmem_create(&in, const_cast<char*>(reinterpret_cast<const char*>(data + 2)),
                static_cast<u_int>(size - 2), XDR_DECODE);
  args.live = true;
  const bool decoded = p.decode_args(&in, args.bytes.data()) != 0;
  xdr_destroy(&in);
  if (!decoded) return 0;

  Buffer result(p.encode_result, p.result_size);
  const rpc::Outcome outcome = p.handler(pv->state, ctx, args.bytes.data(), result.bytes.data());
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

int RunProgramInput(const rpc::ProgramVersion& pv, const uint8_t* data, size_t size) {
  return RunProgramInput(std::span<const rpc::ProgramVersion>(&pv, 1), data, size);
}

void WriteSeed(std::span<const rpc::ProgramVersion> versions, uint32_t vers, uint32_t proc_number,
               uint8_t cred, const std::string& name, xdrproc_t encode, const void* args) {
  const char* dir = std::getenv("FUZZ_SEED_DIR");
  if (dir == nullptr) return;
  size_t index = 0;
  bool found = false;
  for (const rpc::ProgramVersion& pv : versions) {
    for (size_t i = 0; i < pv.procedures.size() && !found; ++i) {
      if (pv.vers == vers && pv.procedures[i].number == proc_number) {
        index += i;
        found = true;
      }
    }
    if (found) break;
    index += pv.procedures.size();
  }
  if (!found || index > 255) std::abort();  // a seed for a procedure the table lacks
  std::vector<char> buf(1 << 16);
  XDR x;
  xdrmem_create(&x, buf.data(), static_cast<u_int>(buf.size()), XDR_ENCODE);
  const bool ok = encode(&x, const_cast<void*>(args)) != 0;
  const u_int len = xdr_getpos(&x);
  xdr_destroy(&x);
  if (!ok) std::abort();
  std::ofstream f(std::string(dir) + "/" + name, std::ios::binary);
  f.put(static_cast<char>(index));
  f.put(static_cast<char>(cred));
  f.write(buf.data(), len);
}

void WriteSeed(const rpc::ProgramVersion& pv, uint32_t proc_number, uint8_t cred,
               const std::string& name, xdrproc_t encode, const void* args) {
  WriteSeed(std::span<const rpc::ProgramVersion>(&pv, 1), pv.vers, proc_number, cred, name, encode,
            args);
}

MemStore OpenMemStore() {
  MemStore store;
  store.env.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
  storage::StoreOptions so;
  so.data_dir = "/fuzz";
  so.env = store.env.get();
  so.block_cache_bytes = 1 << 20;
  auto catalog = storage::VolumeCatalog::Open(so);
  if (!catalog.ok()) std::abort();
  store.catalog = std::move(catalog).value();
  storage::CreateVolumeRequest rw;
  rw.name = "fz";
  rw.quota.max_bytes = 64u << 20;
  rw.quota.max_files = 10000;
  storage::CreateVolumeRequest ro;
  ro.name = "ro";
  ro.policy.read_only = true;
  ro.policy.allowed_cidrs = {"127.0.0.2/32"};
  ro.policy.squash = storage::Squash::kAll;
  if (!store.catalog->Create(rw).ok() || !store.catalog->Create(ro).ok()) std::abort();
  return store;
}

nfs3::EncodedHandle MountRoot(storage::VolumeCatalog& catalog, const char* path) {
  mount::MountService mount(catalog);
  auto root = mount.Mount(TcpCaller(0x7f000002, 0), path);
  if (!root.ok()) std::abort();
  return nfs3::EncodeFileHandle(*root);
}

rpc::CallContext TcpCaller(uint32_t ipv4, uint32_t uid) {
  rpc::CallContext ctx;
  auto* sin = reinterpret_cast<sockaddr_in*>(&ctx.peer);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(700);
  sin->sin_addr.s_addr = htonl(ipv4);
  ctx.peer_len = sizeof(sockaddr_in);
  ctx.cred.flavor = AUTH_SYS;
  ctx.cred.uid = ctx.cred.gid = uid;
  ctx.cred.machine_name = "fuzz";
  return ctx;
}

}  // namespace volumed::fuzz
