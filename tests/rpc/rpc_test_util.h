// Helpers for the RPC tests: raw sockets that speak just enough ONC RPC to send
// hand-made (or deliberately broken) records and parse the replies.
//
// Thread-safety: plain functions and single-owner objects.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace volumed::rpc::testing {

// A parsed reply (RFC 5531 reply_body).
struct ParsedReply {
  uint32_t xid = 0;
  uint32_t reply_stat = 0;   // 0 accepted, 1 denied
  uint32_t accept_stat = 0;  // when accepted
  uint32_t reject_stat = 0;  // when denied
  uint32_t low = 0, high = 0;
  uint32_t auth_stat = 0;
  std::vector<uint8_t> results;  // bytes after accept_stat on SUCCESS
};
std::optional<ParsedReply> ParseReply(std::span<const uint8_t> msg);

// Prepends a single last-fragment record mark.
std::vector<uint8_t> Frame(std::span<const uint8_t> record);

// A blocking TCP (or Unix) connection with a receive timeout.
class RawConn {
 public:
  static std::optional<RawConn> Tcp(
      uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  static std::optional<RawConn> Unix(const std::string& path);
  RawConn(RawConn&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RawConn& operator=(RawConn&& o) noexcept;
  ~RawConn();

  bool SendAll(std::span<const uint8_t> bytes);
  // Reads one record (all fragments); nullopt on EOF, timeout or error.
  std::optional<std::vector<uint8_t>> ReadRecord();
  // True when the server closed the connection (EOF or reset) within the timeout.
  bool WaitClosed();
  int fd() const { return fd_; }

 private:
  explicit RawConn(int fd) : fd_(fd) {}
  bool ReadExact(uint8_t* p, size_t n);
  int fd_ = -1;
};

// One UDP exchange: sends `msg` to 127.0.0.1:port, waits for one datagram.
std::optional<std::vector<uint8_t>> UdpExchange(
    uint16_t port, std::span<const uint8_t> msg,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

// Resident set size of a process in KiB (from /proc/PID/status), 0 if unknown.
long RssKib(int pid);

}  // namespace volumed::rpc::testing
