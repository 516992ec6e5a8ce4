// AsyncNfs: one benchmark client's pair of connections (NFS v3 and MOUNT v3, libnfs raw
// contexts) with any number of calls in flight on each, driven by a poll loop of its own
// (Pump). The load generator keeps N calls outstanding per connection the way the Linux
// client pipelines its RPC slots; the synchronous Call is for set-up steps only.
//
// A call is issued with Start(issue, reply): `issue` queues it on the libnfs context
// (rpc_nfs3_*_async / rpc_mount3_*_async; libnfs encodes the arguments at once, so they
// may live on the caller's stack), `reply` runs later from Pump with the RPC status and
// the decoded result, valid only during the callback. Calls still outstanding when the
// client is destroyed are cancelled without running their reply.
//
// Thread-safety: not thread-safe; one thread per client (each has its own sockets).
#pragma once

// libnfs.h defines what the raw headers need; keep this order.
#include <nfsc/libnfs.h>

#include <nfsc/libnfs-raw.h>

#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace volumed::bench {

// A file handle as bytes.
using Fh = std::string;

nfs_fh3 WireFh(const Fh& fh);
Fh FromWireFh(const nfs_fh3& fh);

struct ServerAddress {
  std::string host = "127.0.0.1";
  int nfs_port = 2049;
  int mount_port = 20048;
  uint32_t uid = 0;  // AUTH_SYS identity of every call
  uint32_t gid = 0;
};

class AsyncNfs {
 public:
  enum class Program { kNfs, kMount };
  // Queues one call: returns 0 when libnfs accepted it (the rpc_*_async convention).
  using Issue = std::function<int(rpc_context*, rpc_cb, void*)>;
  // The call's outcome: an RPC-level failure (connection lost, call refused) as a Status,
  // else the decoded result (e.g. WRITE3res*).
  using Reply = std::function<void(const Status& rpc, void* result)>;

  // Connects both programs over TCP to the given ports (no portmapper).
  static Result<std::unique_ptr<AsyncNfs>> Connect(const ServerAddress& server);
  ~AsyncNfs();
  AsyncNfs(const AsyncNfs&) = delete;
  AsyncNfs& operator=(const AsyncNfs&) = delete;

  // Queues a call; its reply runs from a later Pump. Fails when libnfs refused to queue.
  Status Start(Program program, const Issue& issue, Reply reply);
  // Waits up to timeout_ms for socket events on both connections and runs the replies
  // that arrived. Fails when a connection broke.
  Status Pump(int timeout_ms);
  // Start, then Pump until that reply ran (set-up steps; not for timed work).
  Status Call(Program program, const Issue& issue, Reply reply);

  int in_flight() const { return in_flight_; }

 private:
  struct Pending {
    AsyncNfs* owner;
    Reply reply;
  };

  AsyncNfs() = default;
  static void OnReply(rpc_context*, int status, void* data, void* priv);
  Status ConnectOne(rpc_context* rpc, const ServerAddress& server, int port, int prog, int vers);

  rpc_context* nfs_ = nullptr;
  rpc_context* mount_ = nullptr;
  int in_flight_ = 0;
  bool closing_ = false;  // set by the destructor: cancelled calls run no reply
};

}  // namespace volumed::bench
