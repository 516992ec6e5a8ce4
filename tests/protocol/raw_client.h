// RawClient: one libnfs raw RPC context (NFS or MOUNT) driven synchronously, for
// protocol tests that need statuses and fields the high-level API hides. It is the crash
// matrix's RpcSession (tools/crashmatrix/rpc_session.h: one call at a time, pumped until
// its callback ran, 120 s deadline) with a bool + last_error face for gtest assertions.
// The reply (libnfs's own XDR types) is only valid inside the `consume` callback.
//
// Thread-safety: not thread-safe; one thread per client.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "rpc_session.h"

namespace volumed::testing {

class RawClient {
 public:
  // Connects to 127.0.0.1:port for prog/vers as AUTH_SYS uid/gid with supplementary
  // `groups`; nullptr on failure.
  static std::unique_ptr<RawClient> Connect(int port, int prog, int vers, uint32_t uid = 1000,
                                            uint32_t gid = 1000,
                                            std::vector<uint32_t> groups = {}) {
    auto session =
        crashmatrix::RpcSession::Connect(static_cast<uint16_t>(port), prog, vers, uid, gid,
                                         std::chrono::seconds(120), std::move(groups));
    if (!session.ok()) return nullptr;
    std::unique_ptr<RawClient> c(new RawClient());
    c->session_ = std::move(session).value();
    return c;
  }

  // `issue(rpc, cb, private)` queues the call; `consume(reply)` reads it. False when the
  // call could not be made or got no reply (last_error says why).
  template <typename Res>
  bool Call(const crashmatrix::RpcSession::Issue& issue, const std::function<void(Res*)>& consume) {
    const Status s = session_->Call<Res>(issue, consume);
    last_error = s.ok() ? std::string() : s.ToString();
    return s.ok();
  }

  std::string last_error;

 private:
  RawClient() = default;
  std::unique_ptr<crashmatrix::RpcSession> session_;
};

// A file handle owned by the test (libnfs replies are freed after the callback).
struct Fh {
  std::vector<char> bytes;
  nfs_fh3 wire() {
    nfs_fh3 fh{};
    fh.data.data_len = static_cast<u_int>(bytes.size());
    fh.data.data_val = bytes.data();
    return fh;
  }
  static Fh From(const nfs_fh3& fh) {
    return {std::vector<char>(fh.data.data_val, fh.data.data_val + fh.data.data_len)};
  }
  friend bool operator==(const Fh&, const Fh&) = default;
};

}  // namespace volumed::testing
