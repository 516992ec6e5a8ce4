// PendingReplies: the number of calls whose reply is not sent yet, so that Server::Stop can
// wait for every one — also for replies gated on the store's durability, which are sent by
// a sync thread after their worker task has ended (rpc/reply_gate.h).
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace volumed::rpc {

class PendingReplies {
 public:
  // A call was taken on; End follows once its reply is sent (or none is due).
  void Begin() {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  void End() {
    std::lock_guard lock(mu_);
    if (--pending_ == 0) none_.notify_all();
  }
  // Returns once every Begin has had its End.
  void WaitForNone() {
    std::unique_lock lock(mu_);
    none_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable none_;
  size_t pending_ = 0;  // guarded by mu_
};

}  // namespace volumed::rpc
