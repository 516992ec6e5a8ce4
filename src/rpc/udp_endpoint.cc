// The engine's UDP side; see udp_endpoint.h.
#include "rpc/udp_endpoint.h"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <utility>
#include <vector>

#include "rpc/call_codec.h"

namespace volumed::rpc {

namespace {

constexpr size_t kMaxDatagram = 65536;
constexpr int kDatagramsPerWakeup = 32;

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
    dgram.resize(static_cast<size_t>(n));
    dgram.shrink_to_fit();
    queued_++;
    counts.calls++;
    CallContext base;
    base.transport = Transport::kUdp;
    base.peer = peer;
    base.peer_len = msg.msg_namelen;
    workers_->Post([this, base, dgram = std::move(dgram)] {
      replies_->Begin();
      dispatcher_->Dispatch(dgram, base, [this, base](std::optional<std::vector<uint8_t>> reply) {
        if (reply) {
          const auto payload = ReplyPayload(*reply);
          sendto(fd_, payload.data(), payload.size(), MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&base.peer), base.peer_len);
        }
        queued_--;
        replies_->End();
      });
    });
  }
  return counts;
}

}  // namespace volumed::rpc
