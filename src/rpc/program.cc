#include "rpc/program.h"

namespace volumed::rpc {

uint16_t CallContext::peer_port() const {
  switch (peer.ss_family) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
    default:
      return 0;
  }
}

}  // namespace volumed::rpc
