// Server: the ONC RPC engine. Programs register a ProgramVersion on TCP/UDP ports or a
// Unix-domain socket; Start() serves them until Stop().
//
// Threads: one reactor thread (epoll) accepts connections, reads bytes, reassembles
// records (record_marking.h) and reads UDP datagrams; each record goes to a worker of
// the pool, which decodes, executes and sends the reply itself — one thread hop per
// request. Calls from one connection run in parallel; replies go out in completion order
// (clients match them by xid) through each connection's output (rpc/connection_output.h):
// its lock is never held during a socket call, one thread at a time holds the writer
// role, and a reply that would block is finished by the reactor on EPOLLOUT. NULL calls
// are answered on the reactor itself, and so are light calls (rpc/program.h,
// Runs::kReactorWhenIdle) while no worker is busy, up to `reactor_calls_per_wake` per
// wake-up; a reply gated on durability (rpc/reply_gate.h) is sent by the store's sync
// thread. UDP sockets are served by rpc/udp_endpoint.h.
//
// Bounds: a record larger than `max_record_size` closes the connection; at most
// `max_connections` stream connections (more are accepted and closed at once); a
// connection with `max_requests_per_connection` calls in flight or more than
// `max_queued_reply_bytes` of unsent replies is not read until it drains; a connection
// idle for `idle_timeout` is closed; UDP datagrams are dropped while
// `max_queued_datagrams` are waiting for a worker; `max_buffered_request_bytes` bounds
// the request bytes held for all connections together (many slow senders of large
// partial records cannot exhaust memory).
//
// Thread-safety: Register*/Start/Stop from one thread; handlers run on workers or the
// reactor.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "rpc/dispatcher.h"
#include "rpc/drc.h"
#include "rpc/program.h"
#include "rpc/record_marking.h"
#include "rpc/rpcbind.h"

namespace volumed::rpc {

struct ServerOptions {
  std::string listen_address = "0.0.0.0";  // for TCP and UDP listeners
  size_t threads = 0;                      // 0 = number of CPUs (at least 2)
  size_t max_record_size = kDefaultMaxRecordSize;
  size_t max_connections = 4096;
  size_t max_requests_per_connection = 128;
  size_t max_queued_reply_bytes = 16u << 20;
  size_t max_queued_datagrams = 1024;
  // Light calls (Runs::kReactorWhenIdle) the reactor answers itself between two
  // epoll_waits while no worker is busy; past this a burst goes to the workers.
  size_t reactor_calls_per_wake = 16;
  // Request bytes held server-wide: partial records being reassembled plus records
  // waiting for or inside a worker. A connection whose partial record pushes the total
  // past it is closed; while complete records alone exceed it, connections are not read.
  size_t max_buffered_request_bytes = 256u << 20;
  std::chrono::seconds idle_timeout{360};  // as knfsd
  size_t drc_max_entries = 16384;
  size_t drc_max_bytes = 32u << 20;
  bool use_rpcbind = true;
  // Programs (by number) whose TCP/UDP versions are registered with
  // ProgramVersion::require_privileged_port set (volumed --require-privileged-port).
  std::vector<uint32_t> privileged_port_programs;
};

// Ports for one program version; a transport is used when the ProgramVersion enables it.
// Port 0 asks the kernel for a free port (tests); see Server::BoundPort.
struct Ports {
  uint16_t tcp = 0;
  uint16_t udp = 0;
};

// Engine counters, for tests and logs.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  uint64_t connections_open = 0;
  uint64_t protocol_errors = 0;  // oversized records and the like
  uint64_t calls = 0;
  uint64_t datagrams_dropped = 0;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the version's TCP and/or UDP ports now (so "port in use" shows at once).
  // Versions of one program may share ports; different programs may share a port too.
  Status Register(const ProgramVersion& pv, Ports ports);
  // Serves `pv` on a Unix-domain stream socket at `path` (Transport::kLocal; the peer's
  // uid from SO_PEERCRED lands in CallContext::local_peer_uid). Not given to rpcbind.
  Status RegisterLocal(const ProgramVersion& pv, const std::string& path);

  // Registers with rpcbind (when enabled) and starts the reactor and the workers.
  Status Start();
  // Unregisters from rpcbind, stops accepting, lets queued calls finish, joins all
  // threads and closes every socket. Idempotent; also run by the destructor.
  void Stop();

  // The port `prog` is served on over `transport` (kTcp or kUdp); 0 if none.
  uint16_t BoundPort(uint32_t prog, Transport transport) const;
  ServerStats stats() const;

 private:
  struct Listener;
  struct Connection;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace volumed::rpc
