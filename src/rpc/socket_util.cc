#include "rpc/socket_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace volumed::rpc {

namespace {

std::string Describe(const sockaddr_storage& addr, const char* proto) {
  return fmt::format("port {}/{} on {}", PortOf(addr), proto, AddressLiteral(addr));
}

socklen_t AddrLen(const sockaddr_storage& addr) {
  return addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

Status BindError(const sockaddr_storage& addr, const char* proto, int err) {
  if (err == EADDRINUSE) return IoError(Describe(addr, proto) + " is already in use");
  if (err == EACCES) {
    return IoError(Describe(addr, proto) + ": permission denied (ports below 1024 need root)");
  }
  if (err == EADDRNOTAVAIL) return IoError(Describe(addr, proto) + ": address not available");
  return IoError(Describe(addr, proto) + ": " + std::strerror(err));
}

}  // namespace

Result<sockaddr_storage> ParseAddress(const std::string& host, uint16_t port) {
  sockaddr_storage ss{};
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    return ss;
  }
  ss = {};
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    return ss;
  }
  return InvalidArgument("'" + host + "' is not an IPv4 or IPv6 address");
}

Result<int> ListenTcp(const sockaddr_storage& addr, int backlog) {
  const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return IoError(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), AddrLen(addr)) != 0) {
    const int err = errno;
    close(fd);
    return BindError(addr, "tcp", err);
  }
  if (listen(fd, backlog) != 0) {
    const int err = errno;
    close(fd);
    return BindError(addr, "tcp", err);
  }
  return fd;
}

Result<int> BindUdp(const sockaddr_storage& addr) {
  const int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return IoError(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  if (addr.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  // Each datagram then says which of our addresses it was sent to, and the reply leaves
  // from that one (udp_endpoint.cc): a gateway holds several service addresses, and a
  // client on a connected UDP socket (the kernel's) drops a reply from any other.
  if (addr.ss_family == AF_INET) {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  } else {
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), AddrLen(addr)) != 0) {
    const int err = errno;
    close(fd);
    return BindError(addr, "udp", err);
  }
  return fd;
}

Result<int> ListenUnix(const std::string& path, int backlog) {
  sockaddr_un sun{};
  if (path.empty() || path.size() >= sizeof(sun.sun_path)) {
    return InvalidArgument("unix socket path '" + path + "' is empty or too long");
  }
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return IoError("cannot create " + parent.string() + ": " + ec.message());
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return IoError(path + " exists and is not a socket");
    unlink(path.c_str());  // stale socket of an earlier run
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return IoError(std::string("socket: ") + std::strerror(errno));
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof(sun)) != 0 ||
      chmod(path.c_str(), 0600) != 0 || listen(fd, backlog) != 0) {
    const int err = errno;
    close(fd);
    return IoError("unix socket " + path + ": " + std::strerror(err));
  }
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return PortOf(ss);
}

void ShutDownEverySocket() {
  // opendir/readdir, not std::filesystem: no allocation beyond the DIR, since this runs
  // on whatever thread found that the process must stop.
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  const int own = dirfd(fds);
  while (const dirent* e = readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own || fd <= STDERR_FILENO) continue;
    struct stat st;
    if (fstat(static_cast<int>(fd), &st) == 0 && S_ISSOCK(st.st_mode)) {
      (void)shutdown(static_cast<int>(fd), SHUT_RDWR);
    }
  }
  closedir(fds);
}

}  // namespace volumed::rpc
