#include "nlm_test_client.h"

#include <arpa/inet.h>
#include <rpc/pmap_clnt.h>
#include <sys/select.h>

#include <cstring>

#include "mount3_prot.h"
#include "nsm_prot.h"
#include "rpc/procedure_table.h"
#include "rpc/socket_util.h"

namespace volumed::nlmtest {
namespace {

constexpr auto kTimeout = std::chrono::milliseconds(3000);

sockaddr_storage Loopback() {
  sockaddr_storage ss{};
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ss;
}

template <typename T>
xdrproc_t X(bool_t (*fn)(XDR*, T*)) {
  return reinterpret_cast<xdrproc_t>(fn);
}
using rpc::XdrVoid;

nlm_netobj Obj(const std::string& s) {
  return nlm_netobj{static_cast<u_int>(s.size()), const_cast<char*>(s.data())};
}
std::string Str(const nlm_netobj& o) {
  return o.nlm_netobj_len ? std::string(o.nlm_netobj_val, o.nlm_netobj_len) : std::string();
}

CallbackListener* g_listener = nullptr;

}  // namespace

std::string VolumeHandle(const std::string& name, const std::string& server) {
  auto address = rpc::ParseAddress(server, 0);
  if (!address.ok()) return {};
  auto client = rpc::RpcClient::Create(*address, 20048, MOUNT_PROGRAM, MOUNT_V3,
                                       rpc::Transport::kTcp, kTimeout);
  if (!client.ok()) return {};
  (*client)->UseAuthSys("nlmtest", 0, 0);
  std::string path = "/" + name;
  char* arg = path.data();
  mountres3 res{};
  if (!(*client)
           ->Call(MOUNTPROC3_MNT, X(xdr_mnt3_dirpath), &arg, X(xdr_mountres3), &res, kTimeout)
           .ok()) {
    return {};
  }
  std::string out;
  if (res.fhs_status == MNT3_OK) {
    const auto& fh = res.mountres3_u.mountinfo.fhandle;
    out.assign(fh.mnt3_fhandle_val, fh.mnt3_fhandle_len);
  }
  xdr_free(X(xdr_mountres3), reinterpret_cast<char*>(&res));
  return out;
}

nlm4_lock NlmClient::MakeLock(const std::string& fh, const Owner& o, uint64_t off, uint64_t len) {
  nlm4_lock l{};
  l.caller_name = const_cast<char*>(o.host.c_str());
  l.fh = nlm_fh{static_cast<u_int>(fh.size()), const_cast<char*>(fh.data())};
  l.oh = Obj(o.oh);
  l.svid = o.svid;
  l.l_offset = off;
  l.l_len = len;
  return l;
}

std::unique_ptr<NlmClient> NlmClient::Connect(rpc::Transport transport, uint32_t vers,
                                              uint16_t port, const std::string& server) {
  auto address = rpc::ParseAddress(server, 0);
  if (!address.ok()) return nullptr;
  auto client = rpc::RpcClient::Create(*address, port, NLM_PROG, vers, transport, kTimeout);
  if (!client.ok()) return nullptr;
  auto out = std::unique_ptr<NlmClient>(new NlmClient());
  out->client_ = std::move(client).value();
  out->client_->UseAuthSys("nlmtest", 0, 0);
  return out;
}

Status NlmClient::Null() {
  return client_->Call(0, XdrVoid(), nullptr, XdrVoid(), nullptr, kTimeout);
}

TestReply NlmClient::Test(const std::string& fh, const Owner& o, uint64_t off, uint64_t len,
                          bool excl, const std::string& cookie) {
  nlm4_testargs args{Obj(cookie), excl, MakeLock(fh, o, off, len)};
  nlm4_testres res{};
  TestReply out;
  if (!client_
           ->Call(NLMPROC4_TEST, X(xdr_nlm4_testargs), &args, X(xdr_nlm4_testres), &res, kTimeout)
           .ok()) {
    return out;
  }
  out.stat = res.stat.stat;
  out.cookie = Str(res.cookie);
  if (res.stat.stat == NLM4_DENIED) {
    const nlm4_holder& h = res.stat.nlm4_testrply_u.holder;
    out.exclusive = h.exclusive;
    out.svid = h.svid;
    out.oh = Str(h.oh);
    out.offset = h.l_offset;
    out.length = h.l_len;
  }
  xdr_free(X(xdr_nlm4_testres), reinterpret_cast<char*>(&res));
  return out;
}

nlm4_stats NlmClient::Lock(const std::string& fh, const Owner& o, uint64_t off, uint64_t len,
                           bool excl, bool block, bool reclaim, std::string* cookie_back,
                           uint32_t proc) {
  nlm4_lockargs args{Obj("c-lock"), block, excl, MakeLock(fh, o, off, len), reclaim, 1};
  nlm4_res res{};
  if (!client_->Call(proc, X(xdr_nlm4_lockargs), &args, X(xdr_nlm4_res), &res, kTimeout).ok()) {
    return NLM4_FAILED;
  }
  if (cookie_back) *cookie_back = Str(res.cookie);
  const nlm4_stats stat = res.stat.stat;
  xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&res));
  return stat;
}

nlm4_stats NlmClient::Cancel(const std::string& fh, const Owner& o, uint64_t off, uint64_t len,
                             bool excl) {
  nlm4_cancargs args{Obj("c-cancel"), true, excl, MakeLock(fh, o, off, len)};
  nlm4_res res{};
  if (!client_->Call(NLMPROC4_CANCEL, X(xdr_nlm4_cancargs), &args, X(xdr_nlm4_res), &res, kTimeout)
           .ok()) {
    return NLM4_FAILED;
  }
  const nlm4_stats stat = res.stat.stat;
  xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&res));
  return stat;
}

nlm4_stats NlmClient::Unlock(const std::string& fh, const Owner& o, uint64_t off, uint64_t len) {
  nlm4_unlockargs args{Obj("c-unlock"), MakeLock(fh, o, off, len)};
  nlm4_res res{};
  if (!client_
           ->Call(NLMPROC4_UNLOCK, X(xdr_nlm4_unlockargs), &args, X(xdr_nlm4_res), &res, kTimeout)
           .ok()) {
    return NLM4_FAILED;
  }
  const nlm4_stats stat = res.stat.stat;
  xdr_free(X(xdr_nlm4_res), reinterpret_cast<char*>(&res));
  return stat;
}

nlm4_stats NlmClient::Share(const std::string& fh, const Owner& o, fsh_mode mode, fsh_access access,
                            bool unshare) {
  nlm4_shareargs args{};
  args.cookie = Obj("c-share");
  args.share.caller_name = const_cast<char*>(o.host.c_str());
  args.share.fh = nlm_fh{static_cast<u_int>(fh.size()), const_cast<char*>(fh.data())};
  args.share.oh = Obj(o.oh);
  args.share.mode = mode;
  args.share.access = access;
  args.reclaim = false;
  nlm4_shareres res{};
  if (!client_
           ->Call(unshare ? NLMPROC4_UNSHARE : NLMPROC4_SHARE, X(xdr_nlm4_shareargs), &args,
                  X(xdr_nlm4_shareres), &res, kTimeout)
           .ok()) {
    return NLM4_FAILED;
  }
  const nlm4_stats stat = res.stat;
  xdr_free(X(xdr_nlm4_shareres), reinterpret_cast<char*>(&res));
  return stat;
}

Status NlmClient::FreeAll(const std::string& host) {
  nlm4_notify args{const_cast<char*>(host.c_str()), 3};
  return client_->Call(NLMPROC4_FREE_ALL, X(xdr_nlm4_notify), &args, XdrVoid(), nullptr, kTimeout);
}

Status NlmClient::SendMsg(uint32_t proc, xdrproc_t encode, const void* args) {
  return client_->Send(proc, encode, args);
}

// ---- CallbackListener ----

std::unique_ptr<CallbackListener> CallbackListener::Start(bool refuse_grants,
                                                          uint16_t server_port) {
  auto l = std::unique_ptr<CallbackListener>(new CallbackListener());
  l->refuse_grants_ = refuse_grants;
  l->server_port_ = server_port;
  pmap_unset(NLM_PROG, NLM4_VERS);
  l->udp_ = svcudp_create(RPC_ANYSOCK);
  l->tcp_ = svctcp_create(RPC_ANYSOCK, 0, 0);
  if (l->udp_ == nullptr || l->tcp_ == nullptr) return nullptr;
  g_listener = l.get();
  if (!svc_register(l->udp_, NLM_PROG, NLM4_VERS, &CallbackListener::Dispatch, IPPROTO_UDP) ||
      !svc_register(l->tcp_, NLM_PROG, NLM4_VERS, &CallbackListener::Dispatch, IPPROTO_TCP)) {
    g_listener = nullptr;
    return nullptr;
  }
  l->thread_ = std::thread([p = l.get()] { p->Loop(); });
  return l;
}

CallbackListener::~CallbackListener() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  svc_unregister(NLM_PROG, NLM4_VERS);
  if (udp_) svc_destroy(udp_);
  if (tcp_) svc_destroy(tcp_);
  g_listener = nullptr;
}

void CallbackListener::Loop() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    fd_set readable = svc_fdset;
    timeval tv{0, 50000};
    const int n = select(FD_SETSIZE, &readable, nullptr, nullptr, &tv);
    if (n > 0) svc_getreqset(&readable);
  }
}

void CallbackListener::Dispatch(svc_req* req, SVCXPRT* xprt) {
  CallbackListener* self = g_listener;
  Received r;
  r.proc = req->rq_proc;
  r.at = std::chrono::steady_clock::now();
  switch (req->rq_proc) {
    case NLMPROC4_NULL:
      svc_sendreply(xprt, XdrVoid(), nullptr);
      return;
    case NLMPROC4_GRANTED_MSG: {
      nlm4_testargs args{};
      if (!svc_getargs(xprt, X(xdr_nlm4_testargs), reinterpret_cast<char*>(&args))) {
        svcerr_decode(xprt);
        return;
      }
      r.cookie = Str(args.cookie);
      r.exclusive = args.exclusive;
      r.svid = args.alock.svid;
      r.offset = args.alock.l_offset;
      r.length = args.alock.l_len;
      svc_freeargs(xprt, X(xdr_nlm4_testargs), reinterpret_cast<char*>(&args));
      svc_sendreply(xprt, XdrVoid(), nullptr);  // as Linux's lockd: an empty reply
      // Then the answer, as a separate call.
      nlm4_res res{Obj(r.cookie), {self->refuse_grants_ ? NLM4_DENIED : NLM4_GRANTED}};
      auto back = rpc::RpcClient::Create(Loopback(), self->server_port_, NLM_PROG, NLM4_VERS,
                                         rpc::Transport::kUdp, kTimeout);
      if (back.ok()) (void)(*back)->Send(NLMPROC4_GRANTED_RES, X(xdr_nlm4_res), &res);
      break;
    }
    case NLMPROC4_TEST_RES: {
      nlm4_testres res{};
      if (!svc_getargs(xprt, X(xdr_nlm4_testres), reinterpret_cast<char*>(&res))) return;
      r.cookie = Str(res.cookie);
      r.stat = res.stat.stat;
      if (res.stat.stat == NLM4_DENIED) {
        r.svid = res.stat.nlm4_testrply_u.holder.svid;
        r.offset = res.stat.nlm4_testrply_u.holder.l_offset;
        r.length = res.stat.nlm4_testrply_u.holder.l_len;
        r.exclusive = res.stat.nlm4_testrply_u.holder.exclusive;
      }
      svc_freeargs(xprt, X(xdr_nlm4_testres), reinterpret_cast<char*>(&res));
      break;
    }
    case NLMPROC4_LOCK_RES:
    case NLMPROC4_CANCEL_RES:
    case NLMPROC4_UNLOCK_RES:
    case NLMPROC4_GRANTED_RES: {
      nlm4_res res{};
      if (!svc_getargs(xprt, X(xdr_nlm4_res), reinterpret_cast<char*>(&res))) return;
      r.cookie = Str(res.cookie);
      r.stat = res.stat.stat;
      svc_freeargs(xprt, X(xdr_nlm4_res), reinterpret_cast<char*>(&res));
      break;
    }
    case kNsmCallbackProc: {  // a status monitor's SM_MON callback (sm_status)
      sm_status st{};
      if (!svc_getargs(xprt, X(xdr_sm_status), reinterpret_cast<char*>(&st))) return;
      r.cookie = st.mon_name ? st.mon_name : "";
      r.svid = st.state;
      svc_freeargs(xprt, X(xdr_sm_status), reinterpret_cast<char*>(&st));
      svc_sendreply(xprt, XdrVoid(), nullptr);
      break;
    }
    default:
      svcerr_noproc(xprt);
      return;
  }
  if (self == nullptr) return;
  {
    std::lock_guard lock(self->mu_);
    self->received_.push_back(r);
  }
  self->cv_.notify_all();
}

std::optional<Received> CallbackListener::WaitFor(uint32_t proc, std::chrono::milliseconds timeout,
                                                  size_t skip) {
  std::unique_lock lock(mu_);
  std::optional<Received> found;
  cv_.wait_for(lock, timeout, [&] {
    size_t seen = 0;
    for (const Received& r : received_) {
      if (r.proc == proc && seen++ == skip) {
        found = r;
        return true;
      }
    }
    return false;
  });
  return found;
}

size_t CallbackListener::Count(uint32_t proc) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Received& r : received_) n += r.proc == proc ? 1 : 0;
  return n;
}

}  // namespace volumed::nlmtest
