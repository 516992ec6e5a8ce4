// RecordingCaller: an nsm::OutboundCaller for tests and fuzzers that sends nothing. Each
// call's arguments are XDR-encoded at once (as a real client would) and kept with where
// they would have gone, so a test can decode them and assert host, procedure and
// arguments. It answers every call with `set_result`'s status (Ok by default).
//
// Fuzzers bound what is kept with `keep` (the count still counts every call).
//
// Thread-safety: thread-safe (the services call it from their executor threads).
#pragma once

#include <rpc/rpc.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

#include "base/status.h"
#include "nsm/outbound.h"

namespace volumed::nsm {

struct RecordedCall {
  OutboundCall call;
  std::vector<char> args;  // the XDR encoding of the arguments

  // Decodes `args` into `*out` (a zeroed rpcgen struct; release with xdr_free).
  bool Decode(xdrproc_t decode, void* out) const {
    XDR x;
    xdrmem_create(&x, const_cast<char*>(args.data()), static_cast<u_int>(args.size()), XDR_DECODE);
    const bool ok = decode(&x, out) != 0;
    xdr_destroy(&x);
    return ok;
  }
};

class RecordingCaller final : public OutboundCaller {
 public:
  explicit RecordingCaller(size_t keep = SIZE_MAX) : keep_(keep) {}

  Status Call(const OutboundCall& call, xdrproc_t encode_args, const void* args) override {
    RecordedCall rec{call, {}};
    const unsigned long size = xdr_sizeof(encode_args, const_cast<void*>(args));
    if (size > (1u << 20)) std::abort();  // our own callbacks are small
    rec.args.resize(size);
    XDR x;
    xdrmem_create(&x, rec.args.data(), static_cast<u_int>(size), XDR_ENCODE);
    const bool encoded = encode_args(&x, const_cast<void*>(args)) != 0;
    rec.args.resize(xdr_getpos(&x));
    xdr_destroy(&x);
    if (!encoded) std::abort();  // a callback we cannot encode is a bug
    std::lock_guard lock(mu_);
    ++count_;
    if (calls_.size() < keep_) calls_.push_back(std::move(rec));
    cv_.notify_all();
    return result_;
  }

  void set_result(Status s) {
    std::lock_guard lock(mu_);
    result_ = std::move(s);
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::vector<RecordedCall> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // Waits until `n` calls were made in all; false on timeout.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }

 private:
  const size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Status result_ = Status::Ok();
  size_t count_ = 0;
  std::vector<RecordedCall> calls_;
};

}  // namespace volumed::nsm
