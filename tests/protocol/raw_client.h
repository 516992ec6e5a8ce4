// RawClient: one libnfs raw RPC context (NFS or MOUNT) driven synchronously, for
// protocol tests that need statuses and fields the high-level API hides. A call
// issues one libnfs rpc_*_async function and pumps the socket until its callback ran;
// the reply (libnfs's own XDR types) is only valid inside the `consume` callback.
//
// Thread-safety: not thread-safe; one thread per client.
#pragma once

#include <poll.h>

// libnfs.h defines what the raw headers need; keep this order.
#include <nfsc/libnfs.h>

#include <nfsc/libnfs-raw.h>

#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace volumed::testing {

class RawClient {
 public:
  // Connects to 127.0.0.1:port for prog/vers as AUTH_SYS uid/gid.
  static std::unique_ptr<RawClient> Connect(int port, int prog, int vers, uint32_t uid = 1000,
                                            uint32_t gid = 1000) {
    std::unique_ptr<RawClient> c(new RawClient());
    c->rpc_ = rpc_init_context();
    if (c->rpc_ == nullptr) return nullptr;
    rpc_set_auth(c->rpc_, libnfs_authunix_create("volumed-test", uid, gid, 0, nullptr));
    Pending p;
    if (rpc_connect_port_async(c->rpc_, "127.0.0.1", port, prog, vers, &OnReply, &p) != 0) {
      return nullptr;
    }
    if (!c->Wait(p)) return nullptr;
    return c;
  }
  ~RawClient() {
    if (rpc_ != nullptr) rpc_destroy_context(rpc_);
  }

  // `issue(rpc, cb, private)` queues the call; `consume(reply)` reads it. False when the
  // call could not be made or got no reply.
  template <typename Res>
  bool Call(const std::function<int(rpc_context*, rpc_cb, void*)>& issue,
            const std::function<void(Res*)>& consume) {
    Pending p;
    p.consume = [&](void* data) { consume(static_cast<Res*>(data)); };
    if (issue(rpc_, &OnReply, &p) != 0) return false;
    return Wait(p);
  }

  std::string last_error;

 private:
  struct Pending {
    bool done = false;
    int status = 0;
    std::string error;
    std::function<void(void*)> consume;
  };

  static void OnReply(rpc_context*, int status, void* data, void* priv) {
    auto* p = static_cast<Pending*>(priv);
    p->done = true;
    p->status = status;
    if (status == RPC_STATUS_SUCCESS) {
      if (p->consume) p->consume(data);
    } else if (status == RPC_STATUS_ERROR && data != nullptr) {
      p->error = static_cast<const char*>(data);
    }
  }

  bool Wait(Pending& p) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!p.done) {
      if (std::chrono::steady_clock::now() > deadline) {
        last_error = "timeout";
        return false;
      }
      pollfd pfd{rpc_get_fd(rpc_), static_cast<short>(rpc_which_events(rpc_)), 0};
      if (poll(&pfd, 1, 100) < 0) return false;
      if (rpc_service(rpc_, pfd.revents) < 0) {
        last_error = rpc_get_error(rpc_);
        return false;
      }
    }
    last_error = p.error;
    return p.status == RPC_STATUS_SUCCESS;
  }

  RawClient() = default;
  rpc_context* rpc_ = nullptr;
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
