// Program descriptors: how an RPC program tells the engine what it serves. Each program
// (NFS, MOUNT, NLM, NSM, admin) declares its whole procedure table in one place, as a
// constant array of Procedure rows built with rpc::Proc (procedure_table.h: typed
// handlers, no casts), and registers one ProgramVersion per version.
//
// The engine decodes the call header and credentials, looks the procedure up, decodes
// the arguments with `decode_args` into a zeroed buffer of `args_size` bytes, calls the
// handler, encodes the result with `encode_result`, sends the reply, and finally
// xdr_free()s both buffers. Handlers never see XDR streams or sockets.
//
// Thread-safety: descriptors are immutable after registration. Handlers are called
// concurrently from worker threads, also for calls from the same connection, so a
// program's `state` must be thread-safe.
#pragma once

#include <netinet/in.h>
#include <rpc/rpc.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace volumed::rpc {

class CallForwarder;
class ReplyGate;

enum class Transport : unsigned char { kTcp, kUdp, kLocal };

// The caller's identity, decoded from the call's credential.
struct Credentials {
  uint32_t flavor = AUTH_NONE;  // AUTH_NONE or AUTH_SYS (others are refused earlier)
  // AUTH_SYS fields; for AUTH_NONE uid/gid are the anonymous ids 65534.
  std::string machine_name;
  uint32_t uid = 65534;
  uint32_t gid = 65534;
  std::vector<uint32_t> gids;  // at most 16, as RFC 5531 bounds them
};

// What a handler that finds its call belongs to another server (the volume it names is
// owned by another gateway, README "Scaling out") fills in: `target` is the program's name
// for the place (a volume id), which the version's forwarder turns into a server. The
// handler still fills its own result: the answer when the call is not forwarded.
struct CallRedirect {
  bool requested = false;
  uint64_t target = 0;
  void To(uint64_t where) {
    requested = true;
    target = where;
  }
};

// Everything a handler may know about the call besides its arguments.
struct CallContext {
  uint32_t xid = 0;
  uint32_t prog = 0;
  uint32_t vers = 0;
  uint32_t proc = 0;
  Transport transport = Transport::kTcp;
  sockaddr_storage peer{};  // the client's address (AF_INET/AF_INET6; AF_UNIX for admin)
  socklen_t peer_len = 0;
  uint16_t peer_port() const;  // 0 for AF_UNIX
  // The local address the call came to (AF_UNSPEC when unknown, and for AF_UNIX): the
  // address calls back to this client must come from, since a client checks that they
  // come from the server it called (Linux's lockd drops a GRANTED from another address).
  sockaddr_storage local{};
  Credentials cred;
  // For AF_UNIX connections: the peer's uid from SO_PEERCRED (else -1).
  int64_t local_peer_uid = -1;
  // What the reply must wait for (rpc/reply_gate.h); the dispatcher sets it for every
  // call; null outside one.
  ReplyGate* gate = nullptr;
  // Where a handler says that the call belongs to another server (rpc/call_forwarder.h);
  // set for calls of versions that forward (ProgramVersion::forwarder), else null.
  CallRedirect* redirect = nullptr;
};

// What the handler tells the engine to do with the call.
enum class Outcome : unsigned char {
  kReply,        // encode `result` and send an accepted SUCCESS reply
  kNoReply,      // send nothing (the _MSG forms of NLM, whose answer is a separate call)
  kGarbageArgs,  // the arguments decoded but are semantically undecodable
  kSystemError,  // the server could not process the call (answered SYSTEM_ERR)
};

// `state` is the ProgramVersion's state pointer; `args` and `result` point to buffers of
// the sizes the Procedure declares, `result` zero-initialised. `args` is decoded from a
// memory stream over the call record, which outlives the call: a decode routine may leave
// parts of it pointing into the record (nfs3/write_args_xdr.h), valid until the handler
// returns. A reply may reference parts of `result` (rpc/reply.h), which is kept until the
// reply is sent.
using Handler = Outcome (*)(void* state, const CallContext& ctx, void* args, void* result);

// Where a call of a procedure runs (rpc::Server). kWorker: on the worker pool.
// kReactorWhenIdle: on the reactor thread that read it when the worker pool has nothing
// queued or running, up to a few calls per wake-up of the reactor — the hand-off to a
// worker costs more than such a call itself (tools/bench/profile.sh: two thirds of a
// GETATTR's CPU at 1 in flight; storage/TUNING.md, "Light calls on the reactor"). Only
// for procedures that do little and never wait for another call: with no worker running
// no call holds an inode lock, so such a call waits at most for the store (a block not
// cached, a LevelDB write, a background reclaim step holding a file, or reopening a
// volume closed as idle); a change's wait for durability is not spent here (its reply is
// gated, rpc/reply_gate.h, and sent by the sync thread). kReactor: always on the
// reactor — NULL, which does nothing.
enum class Runs : unsigned char { kWorker, kReactorWhenIdle, kReactor };

// For kReactorWhenIdle: whether a call's arguments, still undecoded, ask for little work
// (a READ of one block, not of a megabyte); a call it declines runs on a worker. Must
// only read within `args` and answer false for what it cannot parse.
using LightCall = bool (*)(std::span<const uint8_t> args);

struct Procedure {
  uint32_t number;
  const char* name;         // for logs and metrics, e.g. "WRITE"
  xdrproc_t decode_args;    // e.g. (xdrproc_t)xdr_WRITE3args
  size_t args_size;         // sizeof(WRITE3args)
  xdrproc_t encode_result;  // e.g. (xdrproc_t)xdr_WRITE3res
  size_t result_size;       // sizeof(WRITE3res)
  Handler handler;
  // Non-idempotent procedures (CREATE, REMOVE, RENAME, …) are answered from the
  // duplicate-request cache when a retransmission arrives.
  bool idempotent;
  Runs runs = Runs::kWorker;
  LightCall light = nullptr;  // kReactorWhenIdle only; null: every call of it is light
};

// A status word at the start of a program's results, named, so that rpc::CallMetrics can
// label each reply's outcome (NFS3ERR_NOENT, DENIED, …) without knowing the program.
// Declared by each program beside its procedure table.
struct NamedStatus {
  uint32_t value;
  const char* name;
};
struct ResultStatus {
  enum class At : unsigned char {
    kNone,         // results carry no status
    kFirstWord,    // the result's first word (nfsstat3, mountstat3)
    kAfterCookie,  // after an opaque cookie (NLM's nlm_res / nlm4_res)
  };
  At at = At::kNone;
  std::span<const NamedStatus> names;
  // The procedures whose results carry it; empty: every procedure but NULL (0).
  std::span<const uint32_t> procedures;

  bool Carries(uint32_t proc) const {
    if (at == At::kNone) return false;
    if (procedures.empty()) return proc != 0;
    for (uint32_t p : procedures) {
      if (p == proc) return true;
    }
    return false;
  }
};

struct ProgramVersion {
  uint32_t prog;
  uint32_t vers;
  const char* name;                       // "nfs", "mount", …
  std::span<const Procedure> procedures;  // indexed by search on `number`
  void* state;                            // passed to every handler
  // Transports this version is offered on (and registered with rpcbind for).
  bool tcp = true;
  bool udp = false;
  // When true, calls with AUTH_NONE credentials to any procedure but 0 (NULL) are
  // refused with AUTH_ERROR / AUTH_TOOWEAK.
  bool require_auth_sys = false;
  // When true, calls over TCP/UDP from a source port >= 1024 to any procedure but 0
  // (NULL) are refused with AUTH_ERROR / AUTH_TOOWEAK, as knfsd's "secure" export
  // option. Calls over the Unix socket (Transport::kLocal) are never affected.
  bool require_privileged_port = false;
  ResultStatus result_status = {};
  // Non-null: a call whose handler redirected it (CallContext::redirect) is sent on to the
  // other server through this, and that server's answer is the reply (dispatcher.h).
  CallForwarder* forwarder = nullptr;
};

}  // namespace volumed::rpc
