// Socket helpers for the engine: listening sockets with errors a user can act on
// ("port 2049/tcp on 0.0.0.0 is already in use"), address parsing and formatting.
//
// Thread-safety: pure functions, except ShutDownEverySocket (any thread, once).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "base/result.h"
#include "base/socket_address.h"

namespace volumed::rpc {

// Parses an IPv4 or IPv6 literal and a port into a socket address.
Result<sockaddr_storage> ParseAddress(const std::string& host, uint16_t port);

// FormatPeer (for logs) and the other address texts are base/socket_address.h's.
using ::volumed::FormatPeer;

// A non-blocking, close-on-exec listening TCP socket (SO_REUSEADDR) or bound UDP socket.
Result<int> ListenTcp(const sockaddr_storage& addr, int backlog);
Result<int> BindUdp(const sockaddr_storage& addr);
// A non-blocking Unix-domain stream listener at `path` (a stale socket file is replaced;
// the parent directory is created if missing). Mode 0600: only root may talk to it.
Result<int> ListenUnix(const std::string& path, int backlog);

// The port a socket is bound to.
uint16_t BoundPort(int fd);

// shutdown(2), both ways, of every socket this process has open but standard input,
// output and error (journald's stream under systemd, still needed to log): each TCP peer
// is sent a FIN at once, so a client waiting for a reply learns that the connection ended
// and reconnects (and resends) instead of waiting for its timeout. For a process about to
// exit that must answer nothing more — before it takes down the addresses its
// connections use: once an address is gone, the kernel cannot send from it, and the
// peers never hear of the close.
void ShutDownEverySocket();

}  // namespace volumed::rpc
