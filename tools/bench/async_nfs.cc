#include "async_nfs.h"

#include <poll.h>

#include <utility>

namespace volumed::bench {
namespace {

std::string ErrorText(rpc_context* rpc) {
  const char* e = rpc_get_error(rpc);
  return e != nullptr ? e : "unknown error";
}

}  // namespace

nfs_fh3 WireFh(const Fh& fh) {
  nfs_fh3 w{};
  w.data.data_len = static_cast<u_int>(fh.size());
  w.data.data_val = const_cast<char*>(fh.data());
  return w;
}

Fh FromWireFh(const nfs_fh3& fh) { return Fh(fh.data.data_val, fh.data.data_len); }

Result<std::unique_ptr<AsyncNfs>> AsyncNfs::Connect(const ServerAddress& server) {
  std::unique_ptr<AsyncNfs> c(new AsyncNfs());
  c->nfs_ = rpc_init_context();
  c->mount_ = rpc_init_context();
  if (c->nfs_ == nullptr || c->mount_ == nullptr) return Internal("rpc_init_context failed");
  VOLUMED_RETURN_IF_ERROR(
      c->ConnectOne(c->mount_, server, server.mount_port, MOUNT_PROGRAM, MOUNT_V3));
  VOLUMED_RETURN_IF_ERROR(c->ConnectOne(c->nfs_, server, server.nfs_port, NFS_PROGRAM, NFS_V3));
  return c;
}

Status AsyncNfs::ConnectOne(rpc_context* rpc, const ServerAddress& server, int port, int prog,
                            int vers) {
  rpc_set_auth(rpc, libnfs_authunix_create("loadgen", server.uid, server.gid, 0, nullptr));
  bool done = false;
  Status outcome;
  auto* p = new Pending{this, [&](const Status& s, void*) {
                          done = true;
                          outcome = s;
                        }};
  if (rpc_connect_port_async(rpc, server.host.c_str(), port, prog, vers, &OnReply, p) != 0) {
    delete p;
    return IoError("connect to " + server.host + ":" + std::to_string(port) + ": " +
                   ErrorText(rpc));
  }
  ++in_flight_;
  while (!done) VOLUMED_RETURN_IF_ERROR(Pump(100));
  if (!outcome.ok()) {
    return IoError("connect to " + server.host + ":" + std::to_string(port) + ": " +
                   outcome.message());
  }
  return Status::Ok();
}

AsyncNfs::~AsyncNfs() {
  closing_ = true;
  // Destroying a context runs the callbacks of its outstanding calls (RPC_STATUS_CANCEL),
  // which free their Pending.
  if (nfs_ != nullptr) rpc_destroy_context(nfs_);
  if (mount_ != nullptr) rpc_destroy_context(mount_);
}

void AsyncNfs::OnReply(rpc_context*, int status, void* data, void* priv) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(priv));
  AsyncNfs* self = p->owner;
  --self->in_flight_;
  if (self->closing_) return;
  switch (status) {
    case RPC_STATUS_SUCCESS:
      p->reply(Status::Ok(), data);
      return;
    case RPC_STATUS_ERROR:
      p->reply(IoError(data != nullptr ? static_cast<const char*>(data) : "rpc error"), nullptr);
      return;
    case RPC_STATUS_CANCEL:
      p->reply(IoError("call cancelled"), nullptr);
      return;
    case RPC_STATUS_TIMEOUT:
      p->reply(IoError("call timed out"), nullptr);
      return;
  }
  p->reply(IoError("rpc status " + std::to_string(status)), nullptr);
}

Status AsyncNfs::Start(Program program, const Issue& issue, Reply reply) {
  rpc_context* rpc = program == Program::kNfs ? nfs_ : mount_;
  auto* p = new Pending{this, std::move(reply)};
  if (issue(rpc, &OnReply, p) != 0) {
    delete p;
    return IoError("cannot queue call: " + ErrorText(rpc));
  }
  ++in_flight_;
  return Status::Ok();
}

Status AsyncNfs::Pump(int timeout_ms) {
  pollfd fds[2] = {{rpc_get_fd(nfs_), static_cast<short>(rpc_which_events(nfs_)), 0},
                   {rpc_get_fd(mount_), static_cast<short>(rpc_which_events(mount_)), 0}};
  if (poll(fds, 2, timeout_ms) < 0 && errno != EINTR) return IoError("poll failed");
  if (rpc_service(nfs_, fds[0].revents) < 0) {
    return IoError("NFS connection failed: " + ErrorText(nfs_));
  }
  if (rpc_service(mount_, fds[1].revents) < 0) {
    return IoError("MOUNT connection failed: " + ErrorText(mount_));
  }
  return Status::Ok();
}

Status AsyncNfs::Call(Program program, const Issue& issue, Reply reply) {
  bool done = false;
  VOLUMED_RETURN_IF_ERROR(Start(program, issue, [&](const Status& s, void* result) {
    done = true;
    reply(s, result);
  }));
  while (!done) VOLUMED_RETURN_IF_ERROR(Pump(100));
  return Status::Ok();
}

}  // namespace volumed::bench
