#include "pipelined_session.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace volumed::crashmatrix {

Result<std::unique_ptr<PipelinedSession>> PipelinedSession::Connect(
    uint16_t port, int prog, int vers, uint32_t uid, uint32_t gid,
    std::chrono::milliseconds timeout) {
  VOLUMED_ASSIGN_OR_RETURN(auto session, RpcSession::Connect(port, prog, vers, uid, gid, timeout));
  const int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) return IoError("eventfd failed");
  return std::unique_ptr<PipelinedSession>(new PipelinedSession(std::move(session), wake));
}

PipelinedSession::PipelinedSession(std::unique_ptr<RpcSession> session, int wake_fd)
    : session_(std::move(session)),
      wake_fd_(wake_fd),
      pump_([this](const std::stop_token& stop) { Pump(stop); }) {}

PipelinedSession::~PipelinedSession() {
  pump_.request_stop();
  Wake();
  pump_.join();
  close(wake_fd_);
  // session_ goes next: the context is destroyed, then every call's bookkeeping.
}

void PipelinedSession::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

Status PipelinedSession::CallRaw(const Issue& issue, const std::function<void(void*)>& consume) {
  std::unique_lock lock(mu_);
  if (broken_) return IoError("connection already failed: " + broken_why_);
  auto p = std::make_unique<RpcSession::Pending>();
  p->consume = consume;
  RpcSession::Pending* raw = p.get();
  session_->abandoned_.push_back(std::move(p));
  if (issue(session_->rpc_, &RpcSession::OnReply, raw) != 0) {
    broken_ = true;
    broken_why_ = "cannot queue call";
    replied_.notify_all();
    return IoError(broken_why_);
  }
  Wake();
  const auto deadline = std::chrono::steady_clock::now() + session_->timeout_;
  const bool finished = replied_.wait_until(lock, deadline, [&] { return raw->done || broken_; });
  raw->consume = nullptr;  // a late reply must not touch the caller's locals
  if (!finished) {
    broken_ = true;
    broken_why_ = "no reply before the deadline";
    replied_.notify_all();
    return IoError(broken_why_);
  }
  if (!raw->done) return IoError("connection failed: " + broken_why_);
  if (raw->status != RPC_STATUS_SUCCESS) {
    return IoError("call failed: " +
                   (raw->error.empty() ? std::to_string(raw->status) : raw->error));
  }
  auto& calls = session_->abandoned_;
  calls.erase(
      std::find_if(calls.begin(), calls.end(), [&](const auto& c) { return c.get() == raw; }));
  return Status::Ok();
}

void PipelinedSession::Pump(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{-1, 0, 0}, {wake_fd_, POLLIN, 0}};
    {
      std::lock_guard lock(mu_);
      if (!broken_) {
        fds[0].fd = rpc_get_fd(session_->rpc_);
        fds[0].events = static_cast<short>(rpc_which_events(session_->rpc_));
      }
    }
    if (poll(fds, 2, 50) < 0 && errno != EINTR) {
      std::lock_guard lock(mu_);
      broken_ = true;
      broken_why_ = "poll failed";
      replied_.notify_all();
      continue;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      uint64_t n = 0;
      (void)!read(wake_fd_, &n, sizeof(n));
    }
    std::lock_guard lock(mu_);
    if (broken_) continue;
    if (rpc_service(session_->rpc_, fds[0].revents) < 0) {
      broken_ = true;
      const char* e = rpc_get_error(session_->rpc_);
      broken_why_ = e != nullptr ? e : "unknown error";
    }
    replied_.notify_all();
  }
}

}  // namespace volumed::crashmatrix
