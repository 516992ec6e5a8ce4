// The engine's reactor, connections and reply path; the design is in server.h.
#include "rpc/server.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "base/clock.h"
#include "base/executor.h"
#include "base/logging.h"
#include "rpc/call_codec.h"
#include "rpc/socket_util.h"

namespace volumed::rpc {

namespace {

constexpr size_t kReadChunk = 64u << 10;
constexpr size_t kMaxDatagram = 65536;
constexpr int kBacklog = 1024;

enum class PollKind : unsigned char { kWake, kListener, kConnection };

}  // namespace

// Anything registered with epoll; data.ptr points at one of these.
struct Pollable {
  explicit Pollable(PollKind k) : kind(k) {}
  PollKind kind;
};

struct Server::Listener : Pollable {
  Listener(Transport t, DuplicateRequestCache* drc)
      : Pollable(PollKind::kListener), transport(t), dispatcher(drc) {}
  ~Listener() {
    if (fd >= 0) close(fd);
  }
  Transport transport;
  int fd = -1;
  sockaddr_storage addr{};  // bound address, port included (TCP/UDP)
  std::string path;         // kLocal
  Dispatcher dispatcher;
  std::atomic<size_t> queued_datagrams{0};
};

struct Server::Connection : Pollable, std::enable_shared_from_this<Connection> {
  Connection(int f, Listener* l, size_t max_record)
      : Pollable(PollKind::kConnection), fd(f), listener(l), reassembler(max_record) {}
  ~Connection() { close(fd); }

  const int fd;
  Listener* const listener;
  CallContext base;               // transport, peer, local_peer_uid
  RecordReassembler reassembler;  // reactor thread only
  bool reactor_closed = false;    // reactor thread only
  std::atomic<int64_t> last_active_ns{MonotonicNowNs()};

  std::mutex mu;  // guards everything below; never held across a socket call
  std::deque<std::vector<uint8_t>> out;
  size_t out_offset = 0;  // bytes of out.front() already sent
  size_t out_bytes = 0;
  size_t in_flight = 0;
  bool writer_active = false;  // one thread owns the socket for writing
  bool want_out = false;       // the writer waits for EPOLLOUT
  bool read_paused = false;
  bool starved = false;  // not read while the server-wide request-byte budget is spent
  bool peer_eof = false;
  bool closed = false;
};

struct Server::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)), drc(options.drc_max_entries, options.drc_max_bytes) {}

  ServerOptions options;
  DuplicateRequestCache drc;
  std::vector<std::unique_ptr<Listener>> listeners;
  RpcbindRegistration rpcbind;
  std::unique_ptr<Executor> pool;  // the workers
  int epoll_fd = -1;
  int wake_fd = -1;
  int reserve_fd = -1;  // released to accept-and-close when out of descriptors
  Pollable wake{PollKind::kWake};
  std::thread reactor;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;

  // Reactor thread only.
  std::unordered_map<int, std::shared_ptr<Connection>> conns;
  std::vector<std::shared_ptr<Connection>> graveyard;  // kept alive until the batch ends
  int64_t last_sweep_ns = 0;
  size_t partial_bytes = 0;  // sum of the reassemblers' buffered bytes
  std::vector<std::weak_ptr<Connection>> starved;
  // Bytes of complete records not yet answered (workers decrement).
  std::atomic<size_t> queued_bytes{0};
  std::atomic<bool> starving{false};
  int64_t last_refusal_log_ns = 0;

  std::mutex replies_mu;
  std::condition_variable replies_cv;
  size_t replies_pending = 0;  // guarded by replies_mu

  std::atomic<uint64_t> accepted{0}, refused{0}, open_conns{0}, protocol_errors{0}, calls{0},
      dropped{0};

  Listener* FindListener(Transport t, uint16_t port, uint32_t prog);
  Status AddToListener(const ProgramVersion& pv, Transport t, uint16_t port);

  void ReactorLoop();
  void Accept(Listener* l);
  void ReadStream(Connection* c);
  void ReadDatagrams(Listener* l);
  void OnPeerEof(Connection* c);
  void CloseConn(Connection* c);
  void SweepIdle();
  void ResumeStarved();

  void HandleStreamCall(const std::shared_ptr<Connection>& c, const std::vector<uint8_t>& rec);
  // Count calls whose reply is not yet sent (a gated reply outlives its worker task).
  void BeginReply();
  void EndReply();
  void QueueReply(Connection* c, std::vector<uint8_t> reply);
  void Flush(Connection* c);
  void FinishCall(Connection* c);
  void UpdateInterestLocked(Connection* c);
  void ResumeOrFinishLocked(Connection* c);
};

// ---------------------------------------------------------------------------------------
// Registration.

Server::Listener* Server::Impl::FindListener(Transport t, uint16_t port, uint32_t prog) {
  for (auto& l : listeners) {
    if (l->transport != t) continue;
    if (port != 0 && rpc::BoundPort(l->fd) == port) return l.get();
    if (port == 0) {
      for (const ProgramVersion& p : l->dispatcher.programs()) {
        if (p.prog == prog) return l.get();
      }
    }
  }
  return nullptr;
}

Status Server::Impl::AddToListener(const ProgramVersion& pv, Transport t, uint16_t port) {
  Listener* l = FindListener(t, port, pv.prog);
  if (l == nullptr) {
    VOLUMED_ASSIGN_OR_RETURN(sockaddr_storage addr, ParseAddress(options.listen_address, port));
    Result<int> fd = t == Transport::kTcp ? ListenTcp(addr, kBacklog) : BindUdp(addr);
    if (!fd.ok()) return fd.status();
    auto owned = std::make_unique<Listener>(t, &drc);
    owned->fd = *fd;
    owned->addr = addr;
    const uint16_t bound = rpc::BoundPort(*fd);
    if (addr.ss_family == AF_INET6) {
      reinterpret_cast<sockaddr_in6*>(&owned->addr)->sin6_port = htons(bound);
    } else {
      reinterpret_cast<sockaddr_in*>(&owned->addr)->sin_port = htons(bound);
    }
    l = owned.get();
    listeners.push_back(std::move(owned));
  }
  return l->dispatcher.Add(pv);
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { Stop(); }

Status Server::Register(const ProgramVersion& pv, Ports ports) {
  if (impl_->started) return InvalidArgument("Register after Start");
  if (!pv.tcp && !pv.udp) return InvalidArgument(std::string(pv.name) + ": no transport");
  ProgramVersion served = pv;
  const auto& privileged = impl_->options.privileged_port_programs;
  if (std::find(privileged.begin(), privileged.end(), pv.prog) != privileged.end()) {
    served.require_privileged_port = true;
  }
  if (pv.tcp) VOLUMED_RETURN_IF_ERROR(impl_->AddToListener(served, Transport::kTcp, ports.tcp));
  if (pv.udp) VOLUMED_RETURN_IF_ERROR(impl_->AddToListener(served, Transport::kUdp, ports.udp));
  return Status::Ok();
}

Status Server::RegisterLocal(const ProgramVersion& pv, const std::string& path) {
  if (impl_->started) return InvalidArgument("RegisterLocal after Start");
  for (auto& l : impl_->listeners) {
    if (l->transport == Transport::kLocal && l->path == path) return l->dispatcher.Add(pv);
  }
  VOLUMED_ASSIGN_OR_RETURN(int fd, ListenUnix(path, kBacklog));
  auto l = std::make_unique<Listener>(Transport::kLocal, &impl_->drc);
  l->fd = fd;
  l->path = path;
  l->addr.ss_family = AF_UNIX;
  VOLUMED_RETURN_IF_ERROR(l->dispatcher.Add(pv));
  impl_->listeners.push_back(std::move(l));
  return Status::Ok();
}

uint16_t Server::BoundPort(uint32_t prog, Transport transport) const {
  for (auto& l : impl_->listeners) {
    if (l->transport != transport) continue;
    for (const ProgramVersion& p : l->dispatcher.programs()) {
      if (p.prog == prog) return rpc::BoundPort(l->fd);
    }
  }
  return 0;
}

ServerStats Server::stats() const {
  ServerStats s;
  s.connections_accepted = impl_->accepted.load();
  s.connections_refused = impl_->refused.load();
  s.connections_open = impl_->open_conns.load();
  s.protocol_errors = impl_->protocol_errors.load();
  s.calls = impl_->calls.load();
  s.datagrams_dropped = impl_->dropped.load();
  return s;
}

// ---------------------------------------------------------------------------------------
// Start and stop.

Status Server::Start() {
  Impl& m = *impl_;
  if (m.started) return InvalidArgument("server already started");
  if (m.options.use_rpcbind) {
    VOLUMED_RETURN_IF_ERROR(RpcbindRegistration::CheckAvailable());
    for (auto& l : m.listeners) {
      if (l->transport == Transport::kLocal) continue;
      std::string netid = l->transport == Transport::kTcp ? "tcp" : "udp";
      if (l->addr.ss_family == AF_INET6) netid += "6";
      for (const ProgramVersion& p : l->dispatcher.programs()) {
        Status s = m.rpcbind.Set(p.prog, p.vers, netid, l->addr);
        if (!s.ok()) {
          m.rpcbind.UnsetAll();
          return s;
        }
      }
    }
  }
  m.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  m.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  m.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (m.epoll_fd < 0 || m.wake_fd < 0) {
    m.rpcbind.UnsetAll();
    return IoError(std::string("epoll/eventfd: ") + std::strerror(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &m.wake;
  epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.wake_fd, &ev);
  for (auto& l : m.listeners) {
    ev.events = EPOLLIN;
    ev.data.ptr = static_cast<Pollable*>(l.get());
    epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, l->fd, &ev);
  }
  size_t threads = m.options.threads;
  if (threads == 0) threads = std::max<size_t>(2, std::thread::hardware_concurrency());
  m.pool = std::make_unique<Executor>(threads, Executor::OnShutdown::kRunQueued);
  m.started = true;
  m.reactor = std::thread([&m] { m.ReactorLoop(); });
  for (auto& l : m.listeners) {
    switch (l->transport) {
      case Transport::kTcp:
      case Transport::kUdp:
        for (const ProgramVersion& p : l->dispatcher.programs()) {
          LOG_INFO("rpc: serving {} v{} on {}/{}", p.name, p.vers, FormatPeer(l->addr),
                   l->transport == Transport::kTcp ? "tcp" : "udp");
        }
        break;
      case Transport::kLocal:
        for (const ProgramVersion& p : l->dispatcher.programs()) {
          LOG_INFO("rpc: serving {} v{} on unix:{}", p.name, p.vers, l->path);
        }
        break;
    }
  }
  return Status::Ok();
}

void Server::Stop() {
  Impl& m = *impl_;
  if (m.stopped) return;
  if (!m.started) {
    m.stopped = true;
    for (auto& l : m.listeners) {
      if (l->transport == Transport::kLocal) unlink(l->path.c_str());
    }
    m.listeners.clear();
    return;
  }
  m.stopped = true;
  m.rpcbind.UnsetAll();
  m.stopping = true;
  const uint64_t one = 1;
  if (write(m.wake_fd, &one, sizeof(one)) < 0) LOG_WARN("rpc: cannot wake the reactor");
  m.reactor.join();
  m.pool->Shutdown();  // queued calls finish; their replies go out if the socket takes them
  {
    // Replies gated on the store's durability are sent by its sync threads: wait for them.
    std::unique_lock lock(m.replies_mu);
    m.replies_cv.wait(lock, [&] { return m.replies_pending == 0; });
  }
  for (auto& [fd, c] : m.conns) {
    std::lock_guard lock(c->mu);
    c->closed = true;
  }
  m.conns.clear();
  for (auto& l : m.listeners) {
    if (l->transport == Transport::kLocal) unlink(l->path.c_str());
  }
  m.listeners.clear();
  close(m.epoll_fd);
  close(m.wake_fd);
  if (m.reserve_fd >= 0) close(m.reserve_fd);
  LOG_INFO("rpc: stopped");
}

// ---------------------------------------------------------------------------------------
// Reactor.

void Server::Impl::ReactorLoop() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stopping.load()) {
    const int n = epoll_wait(epoll_fd, events, kMaxEvents, 1000);
    if (n < 0 && errno != EINTR) {
      LOG_ERROR("rpc: epoll_wait: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      auto* p = static_cast<Pollable*>(events[i].data.ptr);
      const uint32_t ev = events[i].events;
      switch (p->kind) {
        case PollKind::kWake: {
          uint64_t v;
          while (read(wake_fd, &v, sizeof(v)) > 0) {
          }
          break;
        }
        case PollKind::kListener: {
          auto* l = static_cast<Listener*>(p);
          if (l->transport == Transport::kUdp) {
            ReadDatagrams(l);
          } else {
            Accept(l);
          }
          break;
        }
        case PollKind::kConnection: {
          auto* c = static_cast<Connection*>(p);
          if (c->reactor_closed) break;
          if (ev & (EPOLLERR | EPOLLHUP)) {
            CloseConn(c);
            break;
          }
          if (ev & EPOLLIN) ReadStream(c);
          if (!c->reactor_closed && (ev & EPOLLRDHUP)) OnPeerEof(c);
          if (!c->reactor_closed && (ev & EPOLLOUT)) {
            bool flush = false;
            {
              std::lock_guard lock(c->mu);
              if (c->want_out) {
                c->want_out = false;
                flush = true;
                UpdateInterestLocked(c);
              }
            }
            if (flush) Flush(c);  // the writer role was handed to us with want_out
          }
          break;
        }
      }
    }
    graveyard.clear();
    if (!starved.empty()) ResumeStarved();
    const int64_t now = MonotonicNowNs();
    const int64_t interval = std::min<int64_t>(
        5 * kNanosPerSecond, std::chrono::nanoseconds(options.idle_timeout).count());
    if (now - last_sweep_ns >= interval) {
      last_sweep_ns = now;
      SweepIdle();
    }
  }
}

void Server::Impl::Accept(Listener* l) {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    const int fd =
        accept4(l->fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
        // Out of descriptors: free the reserve to accept-and-close the pending peer, so
        // the listener does not spin and the client learns at once.
        close(reserve_fd);
        const int victim = accept(l->fd, nullptr, nullptr);
        if (victim >= 0) close(victim);
        reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        refused++;
        LOG_WARN("rpc: out of file descriptors; refused a connection");
        continue;
      }
      return;  // EAGAIN or a transient error
    }
    if (conns.size() >= options.max_connections) {
      refused++;
      close(fd);
      const int64_t now = MonotonicNowNs();
      if (now - last_refusal_log_ns > 10 * kNanosPerSecond) {
        last_refusal_log_ns = now;
        LOG_WARN("rpc: connection limit ({}) reached; refusing new connections",
                 options.max_connections);
      }
      continue;
    }
    auto c = std::make_shared<Connection>(fd, l, options.max_record_size);
    c->base.transport = l->transport;
    if (l->transport == Transport::kLocal) {
      ucred cred{};
      socklen_t clen = sizeof(cred);
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
        c->base.local_peer_uid = cred.uid;
      }
      c->base.peer.ss_family = AF_UNIX;
      c->base.peer_len = sizeof(sa_family_t);
    } else {
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      c->base.peer = peer;
      c->base.peer_len = len;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = static_cast<Pollable*>(c.get());
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) continue;  // c closes fd
    conns.emplace(fd, std::move(c));
    accepted++;
    open_conns++;
  }
}

void Server::Impl::ReadStream(Connection* c) {
  std::shared_ptr<Connection> self = c->shared_from_this();
  uint8_t buf[kReadChunk];
  std::vector<std::vector<uint8_t>> records;
  for (int round = 0; round < 4; ++round) {
    const ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    if (n == 0) {
      OnPeerEof(c);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      CloseConn(c);
      return;
    }
    c->last_active_ns = MonotonicNowNs();
    records.clear();
    const size_t partial_before = c->reassembler.buffered_bytes();
    Status s = c->reassembler.Feed(std::span(buf, static_cast<size_t>(n)), &records);
    partial_bytes = partial_bytes - partial_before + c->reassembler.buffered_bytes();
    if (!records.empty()) {
      {
        std::lock_guard lock(c->mu);
        c->in_flight += records.size();
      }
      calls += records.size();
      for (auto& rec : records) {
        if (IsNullCall(rec)) {
          // Answered here: NULL does nothing, and a ping should measure the network, not
          // a hop to a worker thread.
          HandleStreamCall(self, rec);
          continue;
        }
        queued_bytes += rec.size();
        pool->Post([this, self, rec = std::move(rec)] {
          HandleStreamCall(self, rec);
          queued_bytes -= rec.size();
          if (starving.load()) {
            const uint64_t one = 1;
            if (write(wake_fd, &one, sizeof(one)) < 0) {
              // The reactor also resumes starved connections on its 1 s tick.
            }
          }
        });
      }
    }
    if (!s.ok()) {
      protocol_errors++;
      LOG_DEBUG("rpc: closing {}: {}", FormatPeer(c->base.peer), s.ToString());
      CloseConn(c);
      return;
    }
    if (partial_bytes > options.max_buffered_request_bytes && c->reassembler.buffered_bytes() > 0) {
      protocol_errors++;
      LOG_WARN("rpc: closing {}: request memory budget ({} bytes) exhausted",
               FormatPeer(c->base.peer), options.max_buffered_request_bytes);
      CloseConn(c);
      return;
    }
    if (partial_bytes + queued_bytes.load() > options.max_buffered_request_bytes) {
      std::lock_guard lock(c->mu);
      c->starved = true;
      starving = true;
      starved.push_back(self);
      UpdateInterestLocked(c);
      return;
    }
    if (static_cast<size_t>(n) < sizeof(buf)) break;
  }
  std::lock_guard lock(c->mu);
  if (c->in_flight >= options.max_requests_per_connection ||
      c->out_bytes > options.max_queued_reply_bytes) {
    c->read_paused = true;
    UpdateInterestLocked(c);
  }
}

void Server::Impl::OnPeerEof(Connection* c) {
  if (c->reassembler.HasPartialRecord()) {
    CloseConn(c);  // half a record can never complete
    return;
  }
  bool close_now = false;
  {
    std::lock_guard lock(c->mu);
    c->peer_eof = true;
    close_now = c->in_flight == 0 && c->out.empty() && !c->writer_active;
    if (!close_now) UpdateInterestLocked(c);  // stop reading; finish the replies first
  }
  if (close_now) CloseConn(c);
}

void Server::Impl::CloseConn(Connection* c) {
  if (c->reactor_closed) return;
  c->reactor_closed = true;
  partial_bytes -= c->reassembler.buffered_bytes();
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
  shutdown(c->fd, SHUT_RDWR);
  {
    std::lock_guard lock(c->mu);
    c->closed = true;
    if (!c->writer_active) {
      c->out.clear();
      c->out_bytes = 0;
    }
  }
  auto it = conns.find(c->fd);
  if (it != conns.end()) {
    graveyard.push_back(std::move(it->second));
    conns.erase(it);
    open_conns--;
  }
}

void Server::Impl::SweepIdle() {
  const int64_t now = MonotonicNowNs();
  const int64_t limit = std::chrono::nanoseconds(options.idle_timeout).count();
  std::vector<Connection*> idle;
  for (auto& [fd, c] : conns) {
    if (now - c->last_active_ns.load() < limit) continue;
    std::lock_guard lock(c->mu);
    if (c->in_flight == 0 && c->out.empty()) idle.push_back(c.get());
  }
  for (Connection* c : idle) {
    LOG_DEBUG("rpc: closing idle connection from {}", FormatPeer(c->base.peer));
    CloseConn(c);
  }
}

void Server::Impl::ResumeStarved() {
  if (partial_bytes + queued_bytes.load() > options.max_buffered_request_bytes * 3 / 4) return;
  for (auto& weak : starved) {
    std::shared_ptr<Connection> c = weak.lock();
    if (c == nullptr || c->reactor_closed) continue;
    std::lock_guard lock(c->mu);
    c->starved = false;
    UpdateInterestLocked(c.get());
  }
  starved.clear();
  starving = false;
}

void Server::Impl::ReadDatagrams(Listener* l) {
  for (int i = 0; i < 32; ++i) {
    std::vector<uint8_t> dgram(kMaxDatagram);
    sockaddr_storage peer{};
    iovec iov{dgram.data(), dgram.size()};
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof(peer);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t n = recvmsg(l->fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      dropped++;
      continue;
    }
    if (l->queued_datagrams.load() >= options.max_queued_datagrams) {
      dropped++;  // the client retransmits
      continue;
    }
    dgram.resize(static_cast<size_t>(n));
    dgram.shrink_to_fit();
    l->queued_datagrams++;
    calls++;
    CallContext base;
    base.transport = Transport::kUdp;
    base.peer = peer;
    base.peer_len = msg.msg_namelen;
    pool->Post([this, l, base, dgram = std::move(dgram)] {
      BeginReply();
      l->dispatcher.Dispatch(
          dgram, base, [this, l, base](std::optional<std::vector<uint8_t>> reply) {
            if (reply) {
              const auto payload = ReplyPayload(*reply);
              sendto(l->fd, payload.data(), payload.size(), MSG_DONTWAIT,
                     reinterpret_cast<const sockaddr*>(&base.peer), base.peer_len);
            }
            l->queued_datagrams--;
            EndReply();
          });
    });
  }
}

// ---------------------------------------------------------------------------------------
// Worker side: execute, queue the reply, write it.

void Server::Impl::HandleStreamCall(const std::shared_ptr<Connection>& c,
                                    const std::vector<uint8_t>& rec) {
  BeginReply();
  c->listener->dispatcher.Dispatch(rec, c->base,
                                   [this, c](std::optional<std::vector<uint8_t>> reply) {
                                     if (reply) QueueReply(c.get(), std::move(*reply));
                                     FinishCall(c.get());
                                     EndReply();
                                   });
}

void Server::Impl::BeginReply() {
  std::lock_guard lock(replies_mu);
  ++replies_pending;
}

void Server::Impl::EndReply() {
  std::lock_guard lock(replies_mu);
  if (--replies_pending == 0) replies_cv.notify_all();
}

void Server::Impl::QueueReply(Connection* c, std::vector<uint8_t> reply) {
  {
    std::lock_guard lock(c->mu);
    if (c->closed) return;
    c->out_bytes += reply.size();
    c->out.push_back(std::move(reply));
    if (c->writer_active) return;  // the current writer (or EPOLLOUT) sends it
    c->writer_active = true;
  }
  Flush(c);
}

// The caller owns the writer role. Sends until the queue is empty, the socket is full
// (hand the role to the reactor via want_out) or the connection fails.
void Server::Impl::Flush(Connection* c) {
  for (;;) {
    const uint8_t* data = nullptr;
    size_t len = 0;
    {
      std::lock_guard lock(c->mu);
      if (c->closed) {
        c->out.clear();
        c->out_bytes = 0;
        c->writer_active = false;
        return;
      }
      if (c->out.empty()) {
        c->writer_active = false;
        ResumeOrFinishLocked(c);
        return;
      }
      // Only the writer pops; push_back on a deque keeps references valid.
      data = c->out.front().data() + c->out_offset;
      len = c->out.front().size() - c->out_offset;
    }
    const ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    const int err = errno;
    std::lock_guard lock(c->mu);
    if (n > 0) {
      c->out_offset += static_cast<size_t>(n);
      if (c->out_offset == c->out.front().size()) {
        c->out_bytes -= c->out.front().size();
        c->out.pop_front();
        c->out_offset = 0;
      }
      c->last_active_ns = MonotonicNowNs();
      continue;
    }
    if (n < 0 && err == EINTR) continue;
    if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK) && !c->closed) {
      c->want_out = true;  // writer_active stays set: the reactor continues on EPOLLOUT
      UpdateInterestLocked(c);
      return;
    }
    c->closed = true;
    c->out.clear();
    c->out_bytes = 0;
    c->writer_active = false;
    shutdown(c->fd, SHUT_RDWR);  // the reactor sees EPOLLHUP and drops the connection
    return;
  }
}

void Server::Impl::FinishCall(Connection* c) {
  std::lock_guard lock(c->mu);
  --c->in_flight;
  ResumeOrFinishLocked(c);
}

// Resumes reading when the connection has drained below its bounds; after the peer's
// EOF, shuts the socket once every reply is out.
void Server::Impl::ResumeOrFinishLocked(Connection* c) {
  if (c->closed) return;
  if (c->peer_eof) {
    if (c->in_flight == 0 && c->out.empty() && !c->writer_active) shutdown(c->fd, SHUT_RDWR);
    return;
  }
  if (c->read_paused && c->in_flight < options.max_requests_per_connection &&
      c->out_bytes <= options.max_queued_reply_bytes) {
    c->read_paused = false;
    UpdateInterestLocked(c);
  }
}

void Server::Impl::UpdateInterestLocked(Connection* c) {
  if (c->closed) return;
  epoll_event ev{};
  ev.events = 0;
  if (!c->read_paused && !c->starved && !c->peer_eof) ev.events |= EPOLLIN | EPOLLRDHUP;
  if (c->want_out) ev.events |= EPOLLOUT;
  ev.data.ptr = static_cast<Pollable*>(c);
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

}  // namespace volumed::rpc
