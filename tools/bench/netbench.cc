// netbench: the machine's own loopback TCP limits, the ceiling against which the NFS
// servers' figures are read (compare.sh prints them in the same run):
//
//   netbench rtt [--seconds 3] [--size 100]   round trips/s, 1 message in flight: a
//                                             thread echoes each --size message back
//   netbench bw  [--seconds 3] [--size 1048576]  one-way bandwidth: --size writes, a
//                                             thread reads and drops them
//
// Prints one line in loadgen's format (workload=tcp_rtt|tcp_bw … rate=… unit=…).
// Both ends run in this process on 127.0.0.1, with TCP_NODELAY. A figure, not a test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "percentile.h"

namespace {

using volumed::bench::Percentile;

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "netbench: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void NoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// A connected pair over 127.0.0.1: {client, server}.
std::pair<int, int> Connected() {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("listen on 127.0.0.1");
  }
  const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client < 0 || connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Die("connect");
  }
  const int server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (server < 0) Die("accept");
  close(listener);
  NoDelay(client);
  NoDelay(server);
  return {client, server};
}

bool ReadFull(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t got = read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool WriteFull(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t put = send(fd, p, n, MSG_NOSIGNAL);
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

int RoundTrips(double seconds, size_t size) {
  auto [client, server] = Connected();
  std::thread echo([server = server, size]() {
    std::vector<char> buf(size);
    while (ReadFull(server, buf.data(), size) && WriteFull(server, buf.data(), size)) {
    }
    close(server);
  });
  std::vector<char> msg(size, 'x');
  std::vector<uint32_t> lat;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < end) {
    const auto t0 = now;
    if (!WriteFull(client, msg.data(), size) || !ReadFull(client, msg.data(), size)) {
      Die("round trip");
    }
    now = Clock::now();
    lat.push_back(static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count()));
  }
  const double elapsed = std::chrono::duration<double>(now - start).count();
  close(client);
  echo.join();
  const size_t n = lat.size();
  const uint32_t p50 = Percentile(lat, 50), p99 = Percentile(lat, 99);
  std::printf(
      "workload=tcp_rtt clients=1 inflight=1 units=%zu items=%zu seconds=%.3f rate=%.1f "
      "unit=round-trips/s p50_us=%u p99_us=%u\n",
      n, n, elapsed, n / elapsed, p50, p99);
  return 0;
}

int Bandwidth(double seconds, size_t size) {
  auto [client, server] = Connected();
  std::thread sink([server = server]() {
    std::vector<char> buf(1 << 20);
    while (read(server, buf.data(), buf.size()) > 0) {
    }
    const char done = 'd';
    WriteFull(server, &done, 1);  // everything sent was read
    close(server);
  });
  std::vector<char> msg(size, 'x');
  uint64_t sent = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    if (!WriteFull(client, msg.data(), size)) Die("send");
    sent += size;
  }
  shutdown(client, SHUT_WR);
  char done;
  if (!ReadFull(client, &done, 1)) Die("drain");
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  close(client);
  sink.join();
  std::printf(
      "workload=tcp_bw clients=1 inflight=1 units=%llu items=%llu seconds=%.3f rate=%.1f "
      "unit=MB/s\n",
      static_cast<unsigned long long>(sent / size), static_cast<unsigned long long>(sent), elapsed,
      static_cast<double>(sent) / elapsed / 1e6);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode;
  double seconds = 3;
  size_t size = 0;
  CLI::App app{"netbench: loopback TCP round trips and bandwidth"};
  app.add_option("mode", mode, "rtt or bw")->required()->check(CLI::IsMember({"rtt", "bw"}));
  app.add_option("--seconds", seconds, "Duration")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--size", size, "Message size (default 100 for rtt, 1 MiB for bw)")
      ->check(CLI::Range(size_t{1}, size_t{64} << 20));
  CLI11_PARSE(app, argc, argv);
  if (mode == "rtt") return RoundTrips(seconds, size != 0 ? size : 100);
  return Bandwidth(seconds, size != 0 ? size : size_t{1} << 20);
}
