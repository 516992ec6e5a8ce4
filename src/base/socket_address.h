// Socket addresses as text, one way for the whole server.
//
// The rule: a host has one name whichever socket it reached us on. An IPv4-mapped IPv6
// address (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 peer) names the
// IPv4 host a.b.c.d, so HostText gives "a.b.c.d" for it — the name NLM lock owners
// without a caller_name, NSM's monitored hosts, the MOUNT list and logs all use.
// AddressLiteral keeps the family as it is, for wire formats that carry the family
// alongside the text (rpcbind universal addresses, rpcbind lookups).
//
// Thread-safety: pure functions.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace volumed {

// An IPv4-mapped IPv6 address as the AF_INET address it maps (port kept); any other
// address unchanged.
sockaddr_storage Unmapped(const sockaddr_storage& addr);

// "10.0.0.1", "fd00::1"; "10.0.0.1" for ::ffff:10.0.0.1; "local" for AF_UNIX; "" for
// any other family.
std::string HostText(const sockaddr_storage& addr);

// The address exactly as its family holds it ("::ffff:10.0.0.1" stays so); "" for
// families other than AF_INET and AF_INET6.
std::string AddressLiteral(const sockaddr_storage& addr);

// The port of an AF_INET/AF_INET6 address; 0 for others.
uint16_t PortOf(const sockaddr_storage& addr);

// "10.0.0.1:2049", "[fd00::1]:2049" (host as HostText gives it), "local" — for logs.
std::string FormatPeer(const sockaddr_storage& addr);

// "HOST:PORT" or "[IPv6]:PORT" as host (brackets removed) and port; InvalidArgument
// naming `text` when it is not one.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace volumed
