#include "rpc_session.h"

#include <poll.h>

namespace volumed::crashmatrix {
namespace {

std::string ErrorText(rpc_context* rpc) {
  const char* e = rpc_get_error(rpc);
  return e != nullptr ? e : "unknown error";
}

}  // namespace

Result<std::unique_ptr<RpcSession>> RpcSession::Connect(uint16_t port, int prog, int vers,
                                                        uint32_t uid, uint32_t gid,
                                                        std::chrono::milliseconds timeout,
                                                        std::vector<uint32_t> groups) {
  if (groups.size() > 16) return InvalidArgument("AUTH_SYS carries at most 16 groups");
  std::unique_ptr<RpcSession> s(new RpcSession(timeout));
  s->rpc_ = rpc_init_context();
  if (s->rpc_ == nullptr) return Internal("rpc_init_context failed");
  rpc_set_auth(s->rpc_,
               libnfs_authunix_create("crashmatrix", uid, gid, static_cast<uint32_t>(groups.size()),
                                      groups.data()));
  auto p = std::make_unique<Pending>();
  if (rpc_connect_port_async(s->rpc_, "127.0.0.1", port, prog, vers, &OnReply, p.get()) != 0) {
    return IoError("connect: " + ErrorText(s->rpc_));
  }
  Pending* raw = p.get();
  s->abandoned_.push_back(std::move(p));
  VOLUMED_RETURN_IF_ERROR(s->Wait(raw));
  return s;
}

RpcSession::~RpcSession() {
  if (rpc_ != nullptr) rpc_destroy_context(rpc_);
  // abandoned_ is destroyed after this body, i.e. after every callback has run.
}

void RpcSession::OnReply(rpc_context*, int status, void* data, void* priv) {
  auto* p = static_cast<Pending*>(priv);
  if (p->done) return;
  p->done = true;
  p->status = status;
  if (status == RPC_STATUS_SUCCESS) {
    if (p->consume) p->consume(data);
  } else if (status == RPC_STATUS_ERROR && data != nullptr) {
    p->error = static_cast<const char*>(data);
  }
  p->consume = nullptr;
}

Status RpcSession::CallRaw(const Issue& issue, const std::function<void(void*)>& consume) {
  if (broken_) return IoError("connection already failed");
  auto p = std::make_unique<Pending>();
  p->consume = consume;
  Pending* raw = p.get();
  // Kept until the context is destroyed: libnfs may still hold `raw`.
  abandoned_.push_back(std::move(p));
  if (issue(rpc_, &OnReply, raw) != 0) {
    broken_ = true;
    return IoError("cannot queue call: " + ErrorText(rpc_));
  }
  Status s = Wait(raw);
  raw->consume = nullptr;  // before it may be freed below
  if (s.ok() && abandoned_.back().get() == raw) abandoned_.pop_back();  // answered: free it
  return s;
}

Status RpcSession::Wait(Pending* p) {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (!p->done) {
    if (std::chrono::steady_clock::now() > deadline) {
      broken_ = true;
      return IoError("no reply before the deadline");
    }
    pollfd pfd{rpc_get_fd(rpc_), static_cast<short>(rpc_which_events(rpc_)), 0};
    if (poll(&pfd, 1, 50) < 0) {
      broken_ = true;
      return IoError("poll failed");
    }
    if (rpc_service(rpc_, pfd.revents) < 0) {
      broken_ = true;
      return IoError("connection failed: " + ErrorText(rpc_));
    }
  }
  if (p->status != RPC_STATUS_SUCCESS) {
    broken_ = true;
    return IoError("call failed: " + (p->error.empty() ? std::to_string(p->status) : p->error));
  }
  return Status::Ok();
}

}  // namespace volumed::crashmatrix
