// The engine's UDP side; see udp_endpoint.h.
#include "rpc/udp_endpoint.h"

#include <sys/socket.h>

#include <array>
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
      dispatcher_->Dispatch(dgram, base, [this, base](std::optional<Reply> reply) {
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
