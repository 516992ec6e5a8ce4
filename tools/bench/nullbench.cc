// nullbench: NULL-RPC throughput of any ONC RPC server, so volumed and another server
// (knfsd, Ganesha) can be measured side by side on the same machine:
//
//   nullbench HOST:PORT [--prog 100003] [--vers 3] [--seconds 5] [--depths 1,16]
//
// For each depth it keeps that many calls in flight on one TCP connection (as the
// Linux client pipelines its slots) and prints calls per second and the mean round trip.
// A figure, not a test: it never fails on slowness.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rpc/call_codec.h"
#include "rpc/record_marking.h"
#include "rpc/wire.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace rpc = volumed::rpc;

int Connect(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (fd >= 0) close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

struct Result {
  uint64_t calls = 0;
  double seconds = 0;
  bool ok = true;
  std::string error;
};

// Keeps `depth` NULL calls in flight for `seconds`, counting accepted SUCCESS replies.
Result Run(int fd, uint32_t prog, uint32_t vers, int depth, double seconds) {
  Result r;
  uint32_t next_xid = 1;
  auto send_call = [&]() {
    std::vector<uint8_t> rec = rpc::EncodeCall(next_xid++, prog, vers, 0, AUTH_NONE, {});
    std::vector<uint8_t> framed(4);
    rpc::EncodeLastFragmentHeader(static_cast<uint32_t>(rec.size()), framed.data());
    framed.insert(framed.end(), rec.begin(), rec.end());
    size_t off = 0;
    while (off < framed.size()) {
      const ssize_t n = send(fd, framed.data() + off, framed.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  };
  rpc::RecordReassembler reassembler;
  std::vector<std::vector<uint8_t>> replies;
  uint8_t buf[65536];
  int in_flight = 0;
  for (; in_flight < depth; ++in_flight) {
    if (!send_call()) return {0, 0, false, "send failed"};
  }
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  bool stopping = false;
  while (in_flight > 0) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return {r.calls, 0, false, "connection closed by the server"};
    replies.clear();
    if (!reassembler.Feed(std::span(buf, static_cast<size_t>(n)), &replies).ok()) {
      return {r.calls, 0, false, "bad record from the server"};
    }
    for (const auto& reply : replies) {
      --in_flight;
      rpc::WireReader in(reply);
      uint32_t xid, type, stat, flavor, len, accept;
      std::span<const uint8_t> verf;
      if (!in.U32(&xid) || !in.U32(&type) || !in.U32(&stat) || stat != 0 || !in.U32(&flavor) ||
          !in.U32(&len) || !in.Opaque(len, &verf) || !in.U32(&accept) || accept != 0) {
        return {r.calls, 0, false, "the server did not accept NULL (wrong program/version?)"};
      }
      ++r.calls;
      if (!stopping && Clock::now() >= end) stopping = true;
      if (!stopping) {
        if (!send_call()) return {r.calls, 0, false, "send failed"};
        ++in_flight;
      }
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  uint32_t prog = 100003, vers = 3;
  double seconds = 5;
  std::vector<int> depths = {1, 16};
  CLI::App app{"nullbench: NULL-RPC calls per second of an ONC RPC server over TCP"};
  app.add_option("target", target, "HOST:PORT, e.g. 127.0.0.1:2049")->required();
  app.add_option("--prog", prog, "Program number")->capture_default_str();
  app.add_option("--vers", vers, "Program version")->capture_default_str();
  app.add_option("--seconds", seconds, "Duration of each run")->capture_default_str();
  app.add_option("--depths", depths, "Calls in flight, one run each")->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "nullbench: target must be HOST:PORT\n");
    return 2;
  }
  std::string host = target.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = target.substr(colon + 1);
  std::printf("NULL calls to %s (program %u version %u) over TCP, %.1f s per run\n", target.c_str(),
              prog, vers, seconds);
  int rc = 0;
  for (int depth : depths) {
    if (depth < 1) continue;
    const int fd = Connect(host, port);
    if (fd < 0) {
      std::fprintf(stderr, "nullbench: cannot connect to %s: %s\n", target.c_str(),
                   std::strerror(errno));
      return 1;
    }
    Result r = Run(fd, prog, vers, depth, seconds);
    close(fd);
    if (!r.ok) {
      std::fprintf(stderr, "nullbench: %s\n", r.error.c_str());
      rc = 1;
      continue;
    }
    const double ops = static_cast<double>(r.calls) / r.seconds;
    std::printf("  %3d in flight: %10.0f calls/s  (mean round trip %.1f us)\n", depth, ops,
                1e6 * depth / ops);
  }
  return rc;
}
