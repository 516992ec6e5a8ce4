#include "rpc/rpcbind.h"

#include <arpa/inet.h>
#include <rpc/rpc.h>
#include <rpc/rpcb_clnt.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "base/logging.h"
#include "base/socket_address.h"

namespace volumed::rpc {

namespace {

// Universal address (RFC 1833 §2.2): "h1.h2.h3.h4.p1.p2" or "ipv6-literal.p1.p2".
std::string UniversalAddress(const sockaddr_storage& addr) {
  const uint16_t port = PortOf(addr);
  return fmt::format("{}.{}.{}", AddressLiteral(addr), port >> 8, port & 0xff);
}

bool ConnectOk(int family, const sockaddr* sa, socklen_t len) {
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = connect(fd, sa, len) == 0;
  close(fd);
  return ok;
}

}  // namespace

Status RpcbindRegistration::CheckAvailable() {
  if (Available()) return Status::Ok();
  return IoError("rpcbind is not running: start it with `rpcbind` or pass --no-rpcbind");
}

bool RpcbindRegistration::Available() {
  for (const char* path : {"/run/rpcbind.sock", "/var/run/rpcbind.sock"}) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
    if (ConnectOk(AF_UNIX, reinterpret_cast<sockaddr*>(&sun), sizeof(sun))) return true;
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(111);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ConnectOk(AF_INET, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
}

Status RpcbindRegistration::Set(uint32_t prog, uint32_t vers, const std::string& netid,
                                const sockaddr_storage& addr) {
  netconfig* nconf = getnetconfigent(netid.c_str());
  if (nconf == nullptr) return IoError("no netconfig entry for '" + netid + "' (/etc/netconfig)");
  const std::string uaddr = UniversalAddress(addr);
  netbuf* nb = uaddr2taddr(nconf, uaddr.c_str());
  if (nb == nullptr) {
    freenetconfigent(nconf);
    return IoError("cannot convert universal address " + uaddr);
  }
  rpcb_unset(prog, vers, nconf);  // a stale mapping from a crashed run
  const bool ok = rpcb_set(prog, vers, nconf, nb) != 0;
  std::free(nb->buf);
  std::free(nb);
  freenetconfigent(nconf);
  if (!ok) {
    return IoError(fmt::format("rpcbind refused to register program {} version {} on {} ({})", prog,
                               vers, netid, uaddr));
  }
  mappings_.push_back({prog, vers, netid});
  LOG_DEBUG("rpcbind: registered {} v{} {} {}", prog, vers, netid, uaddr);
  return Status::Ok();
}

void RpcbindRegistration::UnsetAll() {
  for (const Mapping& m : mappings_) {
    netconfig* nconf = getnetconfigent(m.netid.c_str());
    if (nconf == nullptr) continue;
    if (rpcb_unset(m.prog, m.vers, nconf) == 0) {
      LOG_WARN("rpcbind: could not unregister program {} version {} ({})", m.prog, m.vers, m.netid);
    }
    freenetconfigent(nconf);
  }
  mappings_.clear();
}

}  // namespace volumed::rpc
