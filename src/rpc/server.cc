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
#include <cstring>
#include <optional>
#include <span>
#include <unordered_map>

#include "base/clock.h"
#include "base/executor.h"
#include "base/logging.h"
#include "rpc/call_codec.h"
#include "rpc/call_metrics.h"
#include "rpc/connection_output.h"
#include "rpc/pending_replies.h"
#include "rpc/socket_util.h"
#include "rpc/udp_endpoint.h"

namespace volumed::rpc {

namespace {

constexpr size_t kReadChunk = 64u << 10;
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
  std::unique_ptr<UdpEndpoint> udp;  // kUdp, from Start
};

// One stream connection: the reactor's input side (record reassembly) and the output
// side every replying thread shares (ConnectionOutput, which drives this socket).
struct Server::Connection : Pollable,
                            ConnectionOutput::Socket,
                            std::enable_shared_from_this<Connection> {
  Connection(int f, Listener* l, int epoll, const ServerOptions& o, RecordBufferPool* buffers)
      : Pollable(PollKind::kConnection),
        fd(f),
        epoll_fd(epoll),
        listener(l),
        reassembler(o.max_record_size, buffers),
        output(this, {o.max_requests_per_connection, o.max_queued_reply_bytes}) {}
  ~Connection() override { close(fd); }

  ssize_t Send(std::span<const iovec> parts) override {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(parts.data());
    msg.msg_iovlen = parts.size();
    for (;;) {
      const ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        last_active_ns = MonotonicNowNs();
        return n;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
      return -1;
    }
  }
  void SetInterest(bool read, bool write) override {
    epoll_event ev{};
    ev.events = (read ? EPOLLIN | EPOLLRDHUP : 0u) | (write ? EPOLLOUT : 0u);
    ev.data.ptr = static_cast<Pollable*>(this);
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
  }
  void Shutdown() override { shutdown(fd, SHUT_RDWR); }

  const int fd;
  const int epoll_fd;
  Listener* const listener;
  CallContext base;               // transport, peer, local_peer_uid
  RecordReassembler reassembler;  // reactor thread only
  bool dropped = false;           // reactor thread only: out of epoll and `conns`
  std::atomic<int64_t> last_active_ns{MonotonicNowNs()};
  ConnectionOutput output;
};

struct Server::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)), drc(options.drc_max_entries, options.drc_max_bytes) {}

  ServerOptions options;
  DuplicateRequestCache drc;
  // Large records' buffers, reused once their call has run (record_buffer_pool.h): enough
  // for two clients' eight 1 MiB WRITEs in flight each.
  RecordBufferPool record_buffers{16};
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
  size_t partial_bytes = 0;       // sum of the reassemblers' buffered bytes
  size_t reactor_calls_left = 0;  // of options.reactor_calls_per_wake, this wake-up
  std::vector<std::weak_ptr<Connection>> starved;
  // Bytes of complete records not yet answered (workers decrement).
  std::atomic<size_t> queued_bytes{0};
  std::atomic<bool> starving{false};
  int64_t last_refusal_log_ns = 0;

  PendingReplies replies;  // calls whose reply is not sent yet (Stop waits for them)

  std::atomic<uint64_t> accepted{0}, refused{0}, open_conns{0}, protocol_errors{0}, calls{0},
      dropped{0};

  Listener* FindListener(Transport t, uint16_t port, uint32_t prog);
  Status AddToListener(const ProgramVersion& pv, Transport t, uint16_t port);

  void ReactorLoop();
  void Accept(Listener* l);
  void ReadStream(Connection* c);
  void OnPeerEof(Connection* c);
  void CloseConn(Connection* c);
  void SweepIdle();
  void ResumeStarved();

  void HandleStreamCall(const std::shared_ptr<Connection>& c, const std::vector<uint8_t>& rec);
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
  for (auto& l : m.listeners) {
    if (l->transport != Transport::kUdp) continue;
    l->udp = std::make_unique<UdpEndpoint>(l->fd, &l->dispatcher, m.pool.get(), &m.replies,
                                           m.options.max_queued_datagrams);
  }
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
  // Replies gated on the store's durability are sent by its sync threads: wait for them.
  m.replies.WaitForNone();
  for (auto& [fd, c] : m.conns) c->output.Close();
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
    reactor_calls_left = options.reactor_calls_per_wake;
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
            const UdpEndpoint::Counts counts = l->udp->ReadReady();
            calls += counts.calls;
            dropped += counts.dropped;
          } else {
            Accept(l);
          }
          break;
        }
        case PollKind::kConnection: {
          auto* c = static_cast<Connection*>(p);
          if (c->dropped) break;
          if (ev & (EPOLLERR | EPOLLHUP)) {
            CloseConn(c);
            break;
          }
          if (ev & EPOLLIN) ReadStream(c);
          if (!c->dropped && (ev & EPOLLRDHUP)) OnPeerEof(c);
          if (!c->dropped && (ev & EPOLLOUT)) c->output.OnWritable();
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
    auto c = std::make_shared<Connection>(fd, l, epoll_fd, options, &record_buffers);
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
      socklen_t local_len = sizeof(c->base.local);
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&c->base.local), &local_len) != 0) {
        c->base.local.ss_family = AF_UNSPEC;
      }
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = static_cast<Pollable*>(c.get());
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) continue;  // c closes fd
    conns.emplace(fd, std::move(c));
    accepted++;
    open_conns++;
    CallMetrics::Global().ConnectionOpened(l->transport);
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
      c->output.AddCalls(records.size());
      calls += records.size();
      for (auto& rec : records) {
        // Answered here when the procedure table allows it (program.h, Runs): a NULL
        // always, a light call while no worker is busy, a few per wake-up.
        const Runs runs = c->listener->dispatcher.WhereToRun(rec);
        if (runs == Runs::kReactor ||
            (runs == Runs::kReactorWhenIdle && reactor_calls_left > 0 && pool->pending() == 0)) {
          if (runs == Runs::kReactorWhenIdle) --reactor_calls_left;
          HandleStreamCall(self, rec);
          continue;
        }
        queued_bytes += rec.size();
        pool->Post([this, self, rec = std::move(rec)]() mutable {
          HandleStreamCall(self, rec);
          queued_bytes -= rec.size();
          record_buffers.Give(std::move(rec));
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
      c->output.SetStarved(true);
      starving = true;
      starved.push_back(self);
      return;
    }
    // Stop when the socket is drained or the connection reached its bounds (the output
    // resumes reading once it is back within them).
    if (static_cast<size_t>(n) < sizeof(buf) || !c->output.reading()) break;
  }
}

void Server::Impl::OnPeerEof(Connection* c) {
  if (c->reassembler.HasPartialRecord()) {
    CloseConn(c);  // half a record can never complete
    return;
  }
  if (c->output.OnPeerEof()) CloseConn(c);  // else the last reply shuts the socket
}

void Server::Impl::CloseConn(Connection* c) {
  if (c->dropped) return;
  c->dropped = true;
  partial_bytes -= c->reassembler.buffered_bytes();
  c->output.Close();  // before the descriptor leaves epoll: no thread touches its interest
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
  shutdown(c->fd, SHUT_RDWR);
  auto it = conns.find(c->fd);
  if (it != conns.end()) {
    graveyard.push_back(std::move(it->second));
    conns.erase(it);
    open_conns--;
    CallMetrics::Global().ConnectionClosed(c->listener->transport);
  }
}

void Server::Impl::SweepIdle() {
  const int64_t now = MonotonicNowNs();
  const int64_t limit = std::chrono::nanoseconds(options.idle_timeout).count();
  std::vector<Connection*> idle;
  for (auto& [fd, c] : conns) {
    if (now - c->last_active_ns.load() < limit) continue;
    if (c->output.Idle()) idle.push_back(c.get());
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
    if (c == nullptr || c->dropped) continue;
    c->output.SetStarved(false);
  }
  starved.clear();
  starving = false;
}

// ---------------------------------------------------------------------------------------
// Calls: executed on a worker (NULL on the reactor); the reply goes to the output.

void Server::Impl::HandleStreamCall(const std::shared_ptr<Connection>& c,
                                    const std::vector<uint8_t>& rec) {
  replies.Begin();
  c->listener->dispatcher.Dispatch(rec, c->base, [this, c](std::optional<Reply> reply) {
    c->output.Complete(std::move(reply));
    replies.End();
  });
}

}  // namespace volumed::rpc
