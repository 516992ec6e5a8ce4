// Cidr: one client-address pattern of an export policy ("10.0.0.0/8", "192.168.1.7",
// "fd00::/64", "::1"). A bare address means that one host. IPv4 patterns also match
// IPv4-mapped IPv6 peers (::ffff:a.b.c.d), since dual-stack sockets report those.
//
// Thread-safety: an immutable value.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace volumed::exports {

class Cidr {
 public:
  // InvalidArgument for anything that is not an address with an optional /prefix.
  static Result<Cidr> Parse(std::string_view text);

  bool Contains(const sockaddr_storage& peer) const;

 private:
  Cidr() = default;
  bool ipv4_ = false;
  std::array<uint8_t, 16> bytes_{};  // IPv4 uses the first 4
  unsigned prefix_ = 0;
};

// "10.1.2.3", "fd00::1", "local" for AF_UNIX — for logs and the MOUNT list.
std::string PeerAddressString(const sockaddr_storage& peer);

}  // namespace volumed::exports
