// Raw ONC RPC over TCP for hostile tests: calls built by hand (so anything can be sent,
// from any loopback source address), AUTH_SYS with a chosen uid, replies parsed just far
// enough to read the accept status, the first result word (the NFS or MOUNT status) and
// the rest of the result.
//
// Thread-safety: one thread per RawConnection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace volumed::crashmatrix {

inline constexpr uint16_t kRawNfsPort = 2049;

inline std::string Be32(uint32_t v) {
  v = htonl(v);
  return std::string(reinterpret_cast<const char*>(&v), 4);
}
inline std::string Be64(uint64_t v) {
  return Be32(static_cast<uint32_t>(v >> 32)) + Be32(static_cast<uint32_t>(v));
}
inline std::string Opaque(const std::string& b) {
  return Be32(static_cast<uint32_t>(b.size())) + b + std::string((4 - b.size() % 4) % 4, '\0');
}
inline std::string DirOpArgs(const std::string& dir, const std::string& name) {
  return Opaque(dir) + Opaque(name);
}
// sattr3 with nothing set.
inline std::string Sattr3None() {
  return Be32(0) + Be32(0) + Be32(0) + Be32(0) + Be32(0) + Be32(0);
}

// Raw ONC RPC over TCP to the NFS port: calls built by hand (so anything can be sent),
// AUTH_SYS uid/gid 1000.
class RawConnection {
 public:
  struct Reply {
    uint32_t accept_stat = 0;  // 0 SUCCESS, 4 GARBAGE_ARGS, ...
    uint32_t nfs_status = 0;   // first word of the result when accepted
    std::string body;          // the result after that word
  };
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  // Connects to 127.0.0.1:port from `source` (e.g. "127.0.0.2": another client).
  bool Open(uint16_t port = kRawNfsPort, const char* source = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source, &local.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) return false;
    }
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
  }
  int fd() const { return fd_; }
  static std::string Record(uint32_t xid, uint32_t proc, const std::string& args,
                            uint32_t prog = 100003, uint32_t vers = 3, uint32_t uid = 1000) {
    const std::string cred_body = Be32(0) + Opaque("hostile") + Be32(uid) + Be32(uid) + Be32(0);
    std::string call = Be32(xid) + Be32(0) + Be32(2) + Be32(prog) + Be32(vers) + Be32(proc) +
                       Be32(1) + Opaque(cred_body) + Be32(0) + Be32(0) + args;
    return Be32(0x80000000u | static_cast<uint32_t>(call.size())) + call;
  }
  bool Send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  std::optional<Reply> Call(uint32_t proc, const std::string& args, uint32_t prog = 100003,
                            uint32_t vers = 3, uint32_t uid = 1000) {
    const uint32_t xid = next_xid_++;
    if (!Send(Record(xid, proc, args, prog, vers, uid))) return std::nullopt;
    std::string rec;
    for (bool last = false; !last;) {
      uint32_t mark = 0;
      if (!RecvAll(reinterpret_cast<char*>(&mark), 4)) return std::nullopt;
      mark = ntohl(mark);
      last = (mark & 0x80000000u) != 0;
      std::string frag(mark & 0x7fffffffu, '\0');
      if (!RecvAll(frag.data(), frag.size())) return std::nullopt;
      rec += frag;
    }
    auto word = [&](size_t i) {
      uint32_t v = 0;
      if (rec.size() >= 4 * (i + 1)) std::memcpy(&v, rec.data() + 4 * i, 4);
      return ntohl(v);
    };
    // xid, REPLY, MSG_ACCEPTED(0), verf flavor, verf len(0), accept_stat, result...
    if (word(0) != xid || word(1) != 1 || word(2) != 0) return std::nullopt;
    return Reply{word(5), word(6), rec.size() > 28 ? rec.substr(28) : std::string()};
  }

 private:
  bool RecvAll(char* p, size_t n) {
    while (n > 0) {
      ssize_t r = recv(fd_, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  int fd_ = -1;
  uint32_t next_xid_ = 1;
};

// MOUNT v3 MNT of `path` on 127.0.0.1:`mount_port`, from `source` (nullptr: any address);
// the mount status and, when it is 0, the root handle ({~0u, ""} when nothing answers).
inline std::pair<uint32_t, std::string> MountRoot(uint16_t mount_port, const std::string& path,
                                                  const char* source = nullptr) {
  RawConnection c;
  if (!c.Open(mount_port, source)) return {~0u, ""};
  auto r = c.Call(1, Opaque(path), 100005, 3);
  if (!r.has_value() || r->accept_stat != 0) return {~0u, ""};
  std::string fh;
  if (r->nfs_status == 0 && r->body.size() >= 4) {
    uint32_t len = 0;
    std::memcpy(&len, r->body.data(), 4);
    len = ntohl(len);
    if (len <= 64 && r->body.size() >= 4 + len) fh = r->body.substr(4, len);
  }
  return {r->nfs_status, fh};
}

}  // namespace volumed::crashmatrix
