// Cidr: one client-address pattern ("10.0.0.0/8", "192.168.1.7", "fd00::/64", "::1") —
// the one parser of the export policy's client list, used where the admin program
// accepts a policy and where the export layer matches peers. A bare address means that
// one host; the host bits of a prefix need not be zero (they are masked). IPv4 patterns
// also match IPv4-mapped IPv6 peers (::ffff:a.b.c.d), since dual-stack sockets report
// those (the rule of socket_address.h).
//
// Thread-safety: an immutable value.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace volumed {

class Cidr {
 public:
  // The longest text Parse accepts (an IPv6 literal with a prefix is at most 49).
  static constexpr size_t kMaxTextLength = 64;

  // InvalidArgument, with a message that names the entry, for anything that is not an
  // address with an optional /prefix (decimal, at most the address's bit count).
  static Result<Cidr> Parse(std::string_view text);

  bool Contains(const sockaddr_storage& peer) const;

  bool is_ipv4() const { return ipv4_; }
  // The prefix length; the address's bit count (32 or 128) when the text had none.
  unsigned prefix() const { return prefix_; }
  // The address as parsed, host bits kept ("10.0.0.7" for "10.0.0.7/24").
  std::string AddressText() const;

 private:
  Cidr() = default;
  bool ipv4_ = false;
  std::array<uint8_t, 16> bytes_{};  // IPv4 uses the first 4
  unsigned prefix_ = 0;
};

// Each text parsed; a text that does not parse is left out, so it matches nothing (never
// everything).
std::vector<Cidr> ParseCidrs(std::span<const std::string> texts);

// Whether any pattern contains `peer`.
bool AnyContains(std::span<const Cidr> patterns, const sockaddr_storage& peer);

}  // namespace volumed
