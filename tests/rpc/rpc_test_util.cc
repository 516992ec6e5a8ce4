#include "rpc_test_util.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "rpc/record_marking.h"
#include "rpc/wire.h"

namespace volumed::rpc::testing {

namespace {
void SetTimeout(int fd, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}
}  // namespace

std::optional<ParsedReply> ParseReply(std::span<const uint8_t> msg) {
  WireReader in(msg);
  ParsedReply r;
  uint32_t type = 0;
  if (!in.U32(&r.xid) || !in.U32(&type) || type != 1 || !in.U32(&r.reply_stat)) {
    return std::nullopt;
  }
  if (r.reply_stat == 0) {
    uint32_t flavor = 0, len = 0;
    std::span<const uint8_t> body;
    if (!in.U32(&flavor) || !in.U32(&len) || !in.Opaque(len, &body) || !in.U32(&r.accept_stat)) {
      return std::nullopt;
    }
    if (r.accept_stat == 2 && (!in.U32(&r.low) || !in.U32(&r.high))) return std::nullopt;
    if (r.accept_stat == 0)
      r.results.assign(msg.begin() + in.position(), msg.end());
    else if (!in.AtEnd())
      return std::nullopt;
    return r;
  }
  if (!in.U32(&r.reject_stat)) return std::nullopt;
  if (r.reject_stat == 0 && (!in.U32(&r.low) || !in.U32(&r.high))) return std::nullopt;
  if (r.reject_stat == 1 && !in.U32(&r.auth_stat)) return std::nullopt;
  if (!in.AtEnd()) return std::nullopt;
  return r;
}

std::vector<uint8_t> Frame(std::span<const uint8_t> record) {
  std::vector<uint8_t> out(4);
  EncodeLastFragmentHeader(static_cast<uint32_t>(record.size()), out.data());
  out.insert(out.end(), record.begin(), record.end());
  return out;
}

std::optional<RawConn> RawConn::Tcp(uint16_t port, std::chrono::milliseconds timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0) {
    close(fd);
    return std::nullopt;
  }
  SetTimeout(fd, timeout);
  return RawConn(fd);
}

std::optional<RawConn> RawConn::Unix(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {
    close(fd);
    return std::nullopt;
  }
  SetTimeout(fd, std::chrono::milliseconds(5000));
  return RawConn(fd);
}

RawConn& RawConn::operator=(RawConn&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

RawConn::~RawConn() {
  if (fd_ >= 0) close(fd_);
}

bool RawConn::SendAll(std::span<const uint8_t> bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool RawConn::ReadExact(uint8_t* p, size_t n) {
  size_t off = 0;
  while (off < n) {
    const ssize_t r = recv(fd_, p + off, n - off, 0);
    if (r <= 0) return false;
    off += static_cast<size_t>(r);
  }
  return true;
}

std::optional<std::vector<uint8_t>> RawConn::ReadRecord() {
  std::vector<uint8_t> record;
  for (;;) {
    uint8_t h[4];
    if (!ReadExact(h, 4)) return std::nullopt;
    const uint32_t mark =
        (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
    const size_t len = mark & 0x7fffffffu;
    if (len > (64u << 20)) return std::nullopt;
    const size_t old = record.size();
    record.resize(old + len);
    if (!ReadExact(record.data() + old, len)) return std::nullopt;
    if (mark & 0x80000000u) return record;
  }
}

bool RawConn::WaitClosed() {
  uint8_t buf[4096];
  for (;;) {
    const ssize_t r = recv(fd_, buf, sizeof(buf), 0);
    if (r == 0) return true;
    if (r < 0) return errno == ECONNRESET || errno == EPIPE;
  }
}

std::optional<std::vector<uint8_t>> UdpExchange(uint16_t port, std::span<const uint8_t> msg,
                                                std::chrono::milliseconds timeout) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  SetTimeout(fd, timeout);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::optional<std::vector<uint8_t>> out;
  if (sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) ==
      static_cast<ssize_t>(msg.size())) {
    std::vector<uint8_t> buf(65536);
    const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n >= 0) {
      buf.resize(static_cast<size_t>(n));
      out = std::move(buf);
    }
  }
  close(fd);
  return out;
}

long RssKib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream s(line.substr(6));
      long kib = 0;
      s >> kib;
      return kib;
    }
  }
  return 0;
}

}  // namespace volumed::rpc::testing
