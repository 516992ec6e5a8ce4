// UdpEndpoint: the engine's UDP side for one bound socket (RFC 5531 over datagrams: one
// call per datagram, no record marking). When the reactor sees the socket readable it
// reads up to 32 datagrams; each becomes one call run on the workers, whose reply goes
// back to the sender as one datagram (sendmsg with MSG_DONTWAIT: a reply that finds the
// socket buffer full is dropped and the client retransmits), from the address the call was
// sent to (IP_PKTINFO: a gateway holds several service addresses). A datagram longer than 64 KiB
// (truncated) is dropped, and so is every datagram while `max_queued` calls of this socket
// wait for or are inside a worker (ServerOptions::max_queued_datagrams).
//
// Thread-safety: ReadReady on the reactor thread only. The calls run on the workers and
// finish on whichever thread sends their reply (a gated reply: a store's sync thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "base/executor.h"
#include "rpc/dispatcher.h"
#include "rpc/pending_replies.h"

namespace volumed::rpc {

class UdpEndpoint {
 public:
  // Everything given outlives the endpoint and every call it started (the server stops
  // its workers and waits for `replies` before it destroys endpoints). `fd` stays the
  // caller's: a bound, non-blocking UDP socket.
  UdpEndpoint(int fd, const Dispatcher* dispatcher, Executor* workers, PendingReplies* replies,
              size_t max_queued)
      : fd_(fd),
        dispatcher_(dispatcher),
        workers_(workers),
        replies_(replies),
        max_queued_(max_queued) {}
  UdpEndpoint(const UdpEndpoint&) = delete;
  UdpEndpoint& operator=(const UdpEndpoint&) = delete;

  // What one ReadReady did, for the server's counters.
  struct Counts {
    uint64_t calls = 0;
    uint64_t dropped = 0;
  };
  // The socket is readable: reads, bounds and starts calls.
  Counts ReadReady();

 private:
  const int fd_;
  const Dispatcher* const dispatcher_;
  Executor* const workers_;
  PendingReplies* const replies_;
  const size_t max_queued_;
  std::atomic<size_t> queued_{0};  // calls started and not yet answered
};

}  // namespace volumed::rpc
