// ConnectionOutput: what one stream connection owes its peer, and who may send it — the
// calls read but not yet answered, the queue of encoded replies, the writer role, and the
// socket's epoll interest that follows from them. The reactor reads calls; workers, a
// store's sync thread (a reply gated on durability, rpc/reply_gate.h) or the reactor
// itself (NULL calls) complete them, in any order.
//
// The writer role (Writer): at most one thread sends on the socket at a time, and no lock
// is held during the send. The thread whose reply finds the role free takes it and sends
// until the queue is empty; replies completed meanwhile are queued for it. When the
// socket is full the role passes to the reactor (kAwaitingWritable, EPOLLOUT wanted),
// which takes it back on EPOLLOUT and sends the rest.
//
// The connection's phase (Phase): kOpen, then kDraining after the peer's EOF (no more
// calls are read; the socket is shut once every reply is out), kClosed when the reactor
// drops the connection or a send fails (replies queued or completed later are dropped).
//
// Epoll interest is derived, never set piecemeal: reading while kOpen, not starved (the
// server-wide request budget, ServerOptions::max_buffered_request_bytes) and within the
// per-connection bounds (fewer than `max_calls_in_flight` calls unanswered, at most
// `max_queued_bytes` of replies unsent); EPOLLOUT while kAwaitingWritable. It is handed to
// the Socket under the lock whenever it changes, so changes from several threads reach
// epoll in the order they were made; nothing is handed once kClosed (the reactor may have
// removed the descriptor from epoll).
//
// Thread-safety: thread-safe. AddCalls, OnWritable, OnPeerEof, SetStarved and Close are
// the reactor's; Complete may be called from any thread, once per call added.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "rpc/reply.h"

namespace volumed::rpc {

class ConnectionOutput {
 public:
  // What the output needs of its connection's socket (the server's stream socket and its
  // epoll registration; a fake in tests).
  class Socket {
   public:
    virtual ~Socket() = default;
    // Sends a prefix of the bytes `parts` describe, in order, without blocking: the bytes
    // sent (> 0), 0 when the socket buffer is full, -1 when the connection has failed.
    virtual ssize_t Send(std::span<const iovec> parts) = 0;
    // Sets the epoll interest: EPOLLIN (with EPOLLRDHUP) when `read`, EPOLLOUT when `write`.
    virtual void SetInterest(bool read, bool write) = 0;
    // Shuts the socket both ways (the reactor then sees EPOLLHUP and drops the connection).
    virtual void Shutdown() = 0;
  };

  struct Limits {
    size_t max_calls_in_flight;
    size_t max_queued_bytes;
  };

  enum class Writer : unsigned char {
    kNone,              // the next reply's thread takes the role
    kSending,           // a thread is sending (a worker, a sync thread or the reactor)
    kAwaitingWritable,  // the socket is full: the reactor takes the role on EPOLLOUT
  };
  enum class Phase : unsigned char { kOpen, kDraining, kClosed };

  // `socket` outlives the output and is registered for reading (no EPOLLOUT) at the start.
  ConnectionOutput(Socket* socket, Limits limits) : socket_(socket), limits_(limits) {}
  ConnectionOutput(const ConnectionOutput&) = delete;
  ConnectionOutput& operator=(const ConnectionOutput&) = delete;

  // `n` calls were read; each is answered by one Complete.
  void AddCalls(size_t n);
  // A call is answered: queues `reply` (nullopt: nothing is sent, e.g. a duplicate still
  // in progress) and, when the writer role is free, sends on this thread.
  void Complete(std::optional<Reply> reply);
  // EPOLLOUT: when the role waits for it, takes it and sends on this thread.
  void OnWritable();
  // The peer sent EOF: reads stop. True when nothing is owed (or the output is closed),
  // so the connection can be dropped at once; else the socket is shut after the last reply.
  bool OnPeerEof();
  // Holds reading while the server-wide request budget is spent, or releases it.
  void SetStarved(bool starved);
  // The reactor drops the connection: replies not being sent are discarded. Idempotent.
  void Close();

  // Nothing owed: no call unanswered, no reply unsent.
  bool Idle() const;
  // The interest currently wants reading (the reactor stops a read burst otherwise).
  bool reading() const;

  Phase phase() const;
  Writer writer() const;
  size_t calls_in_flight() const;
  size_t queued_bytes() const;

 private:
  // Sends while this thread holds the writer role (writer_ == kSending).
  void SendQueued();
  // Shuts the socket once a draining connection owes nothing; else updates the interest.
  void SettleLocked();
  void UpdateInterestLocked();
  void DropQueueLocked();

  Socket* const socket_;
  const Limits limits_;

  mutable std::mutex mu_;  // never held across Send
  Phase phase_ = Phase::kOpen;
  Writer writer_ = Writer::kNone;
  bool starved_ = false;
  size_t calls_in_flight_ = 0;
  // Only the writer pops, so the replies it gathers stay put while they are sent without
  // the lock (push_back on a deque keeps references valid).
  std::deque<Reply> queue_;
  size_t front_sent_ = 0;  // bytes of queue_.front() already sent
  size_t queued_bytes_ = 0;
  bool interest_read_ = true;  // the interest last handed to the socket
  bool interest_write_ = false;
};

}  // namespace volumed::rpc
