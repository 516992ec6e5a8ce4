#include "export/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace volumed::exports {
namespace {

bool PrefixMatches(const uint8_t* a, const uint8_t* b, unsigned prefix) {
  unsigned full = prefix / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
  std::string_view addr = text;
  std::string_view len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    len = text.substr(slash + 1);
  }
  Cidr c;
  std::string addr_str(addr);
  if (inet_pton(AF_INET, addr_str.c_str(), c.bytes_.data()) == 1) {
    c.ipv4_ = true;
    c.prefix_ = 32;
  } else if (inet_pton(AF_INET6, addr_str.c_str(), c.bytes_.data()) == 1) {
    c.prefix_ = 128;
  } else {
    return InvalidArgument("not an IP address: " + std::string(text));
  }
  if (!len.empty() || text.find('/') != std::string_view::npos) {
    if (len.empty() || len.size() > 3) return InvalidArgument("bad prefix: " + std::string(text));
    unsigned value = 0;
    for (char ch : len) {
      if (ch < '0' || ch > '9') return InvalidArgument("bad prefix: " + std::string(text));
      value = value * 10 + static_cast<unsigned>(ch - '0');
    }
    if (value > c.prefix_) return InvalidArgument("prefix too long: " + std::string(text));
    c.prefix_ = value;
  }
  return c;
}

bool Cidr::Contains(const sockaddr_storage& peer) const {
  if (peer.ss_family == AF_INET) {
    if (!ipv4_) return false;
    const auto& sin = reinterpret_cast<const sockaddr_in&>(peer);
    return PrefixMatches(reinterpret_cast<const uint8_t*>(&sin.sin_addr), bytes_.data(), prefix_);
  }
  if (peer.ss_family == AF_INET6) {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(peer);
    const auto* a = reinterpret_cast<const uint8_t*>(&sin6.sin6_addr);
    if (ipv4_) {
      if (!IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) return false;
      return PrefixMatches(a + 12, bytes_.data(), prefix_);
    }
    return PrefixMatches(a, bytes_.data(), prefix_);
  }
  return false;
}

std::string PeerAddressString(const sockaddr_storage& peer) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    const auto& sin = reinterpret_cast<const sockaddr_in&>(peer);
    inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf));
    return buf;
  }
  if (peer.ss_family == AF_INET6) {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(peer);
    if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
      inet_ntop(AF_INET, reinterpret_cast<const uint8_t*>(&sin6.sin6_addr) + 12, buf, sizeof(buf));
    } else {
      inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof(buf));
    }
    return buf;
  }
  return "local";
}

}  // namespace volumed::exports
