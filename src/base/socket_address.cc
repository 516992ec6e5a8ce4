#include "base/socket_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace volumed {

sockaddr_storage Unmapped(const sockaddr_storage& addr) {
  if (addr.ss_family != AF_INET6) return addr;
  const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(addr);
  if (!IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) return addr;
  sockaddr_storage out{};
  auto& sin = reinterpret_cast<sockaddr_in&>(out);
  sin.sin_family = AF_INET;
  sin.sin_port = sin6.sin6_port;
  std::memcpy(&sin.sin_addr, sin6.sin6_addr.s6_addr + 12, sizeof(sin.sin_addr));
  return out;
}

std::string AddressLiteral(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof(text));
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text, sizeof(text));
  }
  return text;
}

std::string HostText(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_UNIX) return "local";
  return AddressLiteral(Unmapped(addr));
}

uint16_t PortOf(const sockaddr_storage& addr) {
  switch (addr.ss_family) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
    default:
      return 0;
  }
}

std::string FormatPeer(const sockaddr_storage& addr) {
  const sockaddr_storage host = Unmapped(addr);
  switch (host.ss_family) {
    case AF_INET:
      return fmt::format("{}:{}", AddressLiteral(host), PortOf(host));
    case AF_INET6:
      return fmt::format("[{}]:{}", AddressLiteral(host), PortOf(host));
    default:
      return HostText(host);
  }
}

Result<HostPort> ParseHostPort(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("want HOST:PORT (e.g. 127.0.0.1:9049), not '" + std::string(text) + "'");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad();
  std::string_view host = text.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || port_text.empty() || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return bad();
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace volumed
