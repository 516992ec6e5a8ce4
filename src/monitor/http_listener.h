// HttpListener: volumed's HTTP endpoint (--http ADDR:PORT), serving GET /metrics, / and
// /volume/NAME (monitor/pages.h) from a StatusSource. Off unless asked for.
//
// It runs on cpp-httplib (Debian libcpp-httplib-dev), a kept embeddable HTTP/1.1 server,
// so volumed parses no HTTP itself. Its threads are its own: one accept thread and a
// fixed pool of `threads` workers, none shared with the RPC engine; they read only
// atomics and the in-memory, never-held-across-I/O state StatusSource lists, so nothing
// here can hold up an NFS call. Hostile clients get the library's bounds: request line
// and headers are capped (8 KiB each: a 1 MiB header is answered 4xx or closed), bodies
// at 64 KiB, a client that sends nothing for `read_timeout` is dropped, a connection
// serves at most 100 requests; unknown paths are 404, methods other than GET/HEAD are
// answered by the library (405/404/400). Many idle connections can at worst make the
// HTTP pool wait; they never touch the RPC threads or its descriptors' budget beyond
// one descriptor each.
//
// Thread-safety: Start/Stop from one thread; handlers run on the pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "base/status.h"
#include "monitor/pages.h"
#include "monitor/status_source.h"

namespace httplib {
class Server;
}

namespace volumed::monitor {

struct HttpListenerOptions {
  std::string address;  // IPv4 or IPv6 literal (or a host name the resolver knows)
  uint16_t port = 0;    // 0: any free port (tests; see port())
  size_t threads = 4;
  std::chrono::seconds read_timeout{5};
  int default_refresh_s = 10;  // the pages' meta refresh unless ?refresh=N
};

// "ADDR:PORT" or "[IPv6]:PORT" → options (address and port set).
Result<HttpListenerOptions> ParseHttpAddress(std::string_view text);

class HttpListener {
 public:
  // Binds at once (so "address in use" shows at start) and serves on its own threads.
  static Result<std::unique_ptr<HttpListener>> Start(const HttpListenerOptions& options,
                                                     StatusSource* source, BuildInfo build);
  ~HttpListener();  // Stop
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Stops accepting, lets running requests finish, joins. Idempotent.
  void Stop();
  uint16_t port() const { return port_; }

 private:
  HttpListener() = default;
  void Route();

  HttpListenerOptions options_;
  StatusSource* source_ = nullptr;
  BuildInfo build_;
  std::unique_ptr<httplib::Server> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace volumed::monitor
