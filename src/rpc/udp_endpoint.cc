// The engine's UDP side; see udp_endpoint.h.
#include "rpc/udp_endpoint.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "rpc/call_codec.h"

namespace volumed::rpc {

namespace {

constexpr size_t kMaxDatagram = 65536;
constexpr int kDatagramsPerWakeup = 32;

// The local address a datagram was sent to (IP_PKTINFO / IPV6_PKTINFO, enabled by
// BindUdp), which its reply leaves from: with several addresses on the machine (a
// gateway's service addresses), the kernel would otherwise pick the interface's primary
// one, and a client on a connected UDP socket drops that reply.
struct ReplySource {
  int family = AF_UNSPEC;  // AF_UNSPEC: no pktinfo came, the kernel chooses
  in_pktinfo v4{};
  in6_pktinfo v6{};
};

// Room for either pktinfo control message.
union ControlBuffer {
  cmsghdr align;
  char bytes[CMSG_SPACE(sizeof(in6_pktinfo))];
};

ReplySource SourceOf(msghdr& msg) {
  ReplySource source;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      source.family = AF_INET;
      source.v4.ipi_spec_dst = info.ipi_addr;  // the destination it was sent to
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      std::memcpy(&source.v6, CMSG_DATA(c), sizeof source.v6);  // address and interface
      source.family = AF_INET6;
    }
  }
  return source;
}

// The address a datagram was sent to, as a sockaddr (port 0); AF_UNSPEC without pktinfo.
sockaddr_storage LocalAddressOf(const ReplySource& source) {
  sockaddr_storage out{};
  if (source.family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
    v4->sin_family = AF_INET;
    v4->sin_addr = source.v4.ipi_spec_dst;
  } else if (source.family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = source.v6.ipi6_addr;
    v6->sin6_scope_id = source.v6.ipi6_ifindex;
  }
  return out;
}

// Sets msg's control to send from `source` (nothing when it is AF_UNSPEC).
void SendFrom(const ReplySource& source, ControlBuffer& control, msghdr& msg) {
  if (source.family == AF_UNSPEC) return;
  const bool v4 = source.family == AF_INET;
  const size_t size = v4 ? sizeof(in_pktinfo) : sizeof(in6_pktinfo);
  msg.msg_control = control.bytes;
  msg.msg_controllen = CMSG_SPACE(size);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  c->cmsg_type = v4 ? IP_PKTINFO : IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(size);
  std::memcpy(CMSG_DATA(c), v4 ? static_cast<const void*>(&source.v4) : &source.v6, size);
}

}  // namespace

UdpEndpoint::Counts UdpEndpoint::ReadReady() {
  Counts counts;
  for (int i = 0; i < kDatagramsPerWakeup; ++i) {
    std::vector<uint8_t> dgram(kMaxDatagram);
    sockaddr_storage peer{};
    iovec iov{dgram.data(), dgram.size()};
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof(peer);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ControlBuffer received;
    msg.msg_control = received.bytes;
    msg.msg_controllen = sizeof received.bytes;
    const ssize_t n = recvmsg(fd_, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      counts.dropped++;
      continue;
    }
    if (queued_.load() >= max_queued_) {
      counts.dropped++;  // the client retransmits
      continue;
    }
    const ReplySource source = SourceOf(msg);
    dgram.resize(static_cast<size_t>(n));
    dgram.shrink_to_fit();
    queued_++;
    counts.calls++;
    CallContext base;
    base.transport = Transport::kUdp;
    base.peer = peer;
    base.peer_len = msg.msg_namelen;
    base.local = LocalAddressOf(source);
    workers_->Post([this, base, source, dgram = std::move(dgram)] {
      replies_->Begin();
      dispatcher_->Dispatch(dgram, base, [this, base, source](std::optional<Reply> reply) {
        if (reply) {
          // One datagram, without the record-mark slot; a reply in more parts than
          // `parts` holds is sent from a contiguous copy, never cut short.
          std::array<iovec, 8> parts;
          size_t count = reply->Gather(kRecordMarkSlot, parts);
          std::vector<uint8_t> flat;
          if (count == parts.size()) {
            flat = reply->Flatten();
            parts[0] = {flat.data() + kRecordMarkSlot, flat.size() - kRecordMarkSlot};
            count = 1;
          }
          msghdr msg{};
          msg.msg_name = const_cast<sockaddr_storage*>(&base.peer);
          msg.msg_namelen = base.peer_len;
          msg.msg_iov = parts.data();
          msg.msg_iovlen = count;
          ControlBuffer control;
          SendFrom(source, control, msg);
          sendmsg(fd_, &msg, MSG_DONTWAIT);
        }
        queued_--;
        replies_->End();
      });
    });
  }
  return counts;
}

}  // namespace volumed::rpc
