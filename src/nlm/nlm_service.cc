#include "nlm/nlm_service.h"

#include <arpa/inet.h>
#include <rpc/rpc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "base/big_endian.h"
#include "base/clock.h"
#include "base/logging.h"
#include "base/socket_address.h"
#include "nlm/nlm_status.h"
#include "rpc/xdr_alloc.h"
#include "rpc/xdr_enum.h"

namespace volumed::nlm {
namespace {

// A malloc'ed copy, because the RPC engine xdr_free()s results.
void CopyNetobj(const char* data, u_int len, nlm_netobj* out) {
  out->nlm_netobj_val = rpc::XdrDupBytes(data, len);
  out->nlm_netobj_len = len;
}

std::string Bytes(const char* data, u_int len) {
  return len == 0 ? std::string() : std::string(data, len);
}

std::span<const uint8_t> FhBytes(const nlm_fh& fh) {
  return {reinterpret_cast<const uint8_t*>(fh.nlm_fh_val), fh.nlm_fh_len};
}

// The host a request speaks for: its caller_name, or — when a client sends none — its
// address (named as NSM names it, base/socket_address.h), so that such a host's locks
// still have an owner that can be monitored, freed and listed.
std::string HostOf(const rpc::CallContext& ctx, const char* caller_name) {
  if (caller_name != nullptr && *caller_name != '\0') return caller_name;
  return HostText(ctx.peer);
}

LockOwner OwnerOf(const rpc::CallContext& ctx, const nlm4_lock& l) {
  return LockOwner{HostOf(ctx, l.caller_name), l.svid,
                   Bytes(l.oh.nlm_netobj_val, l.oh.nlm_netobj_len)};
}

LockRequest RequestOf(const rpc::CallContext& ctx, const nlm4_lock& l, bool exclusive) {
  return LockRequest{OwnerOf(ctx, l), ByteRange::FromOffsetLength(l.l_offset, l.l_len),
                     exclusive ? LockMode::kExclusive : LockMode::kShared};
}

void FillHolder(const LockRecord& held, nlm4_holder* out) {
  out->exclusive = held.mode == LockMode::kExclusive;
  out->svid = held.owner.svid;
  CopyNetobj(held.owner.handle.data(), static_cast<u_int>(held.owner.handle.size()), &out->oh);
  out->l_offset = held.range.first;
  out->l_len = held.range.length();
}

uint32_t Clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v); }

// XDR bytes encoded ahead of time, sent as a call's arguments.
struct PreEncoded {
  std::vector<char> bytes;
};

bool_t EncodePreEncoded(XDR* xdrs, void* p) {
  auto* pre = static_cast<PreEncoded*>(p);
  if (xdrs->x_op != XDR_ENCODE) return FALSE;
  return XDR_PUTBYTES(xdrs, pre->bytes.data(), static_cast<u_int>(pre->bytes.size()));
}

Result<PreEncoded> Encode(xdrproc_t proc, const void* value) {
  const unsigned long size = xdr_sizeof(proc, const_cast<void*>(value));
  if (size == 0 || size > (1u << 20)) return Internal("cannot size an NLM result");
  PreEncoded out;
  out.bytes.resize(size);
  XDR xdrs;
  xdrmem_create(&xdrs, out.bytes.data(), static_cast<u_int>(size), XDR_ENCODE);
  const bool ok = proc(&xdrs, const_cast<void*>(value)) != 0;
  out.bytes.resize(xdr_getpos(&xdrs));
  xdr_destroy(&xdrs);
  if (!ok) return Internal("cannot encode an NLM result");
  return out;
}

sockaddr_storage WithoutPort(const sockaddr_storage& addr) {
  sockaddr_storage out = addr;
  if (out.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&out)->sin_port = 0;
  if (out.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&out)->sin6_port = 0;
  return out;
}

// The address a call back to ctx's client goes out from: the one the client called, so
// that a gateway answering on a service address (its own or one taken over) calls back
// from it and not from its interface's primary address; AF_UNSPEC (the route decides)
// when unknown.
sockaddr_storage CallbackSource(const rpc::CallContext& ctx) {
  if (ctx.local.ss_family != AF_INET && ctx.local.ss_family != AF_INET6) return {};
  return WithoutPort(ctx.local);
}

std::string OurHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "volumed";
  return name;
}

// How the grace periods rule a procedure: releases are never refused; acquisitions
// (TEST, LOCK, SHARE) are admitted only as reclaims while their volume is in grace and
// only as non-reclaims outside it. `service` answers InGrace.
struct GraceRule {
  const NlmService* service = nullptr;  // null: a release, not ruled by grace
  bool reclaim = false;
};

// The prelude every lock procedure shares: echoes the request's cookie into the reply,
// names the file through `resolve` (ResolveForAcquire or DecodeForRelease) and refuses
// what `grace` rules out. Returns the file; or sets *refusal to the answer to send and
// returns nullopt.
template <typename Resolve>
std::optional<FileKey> Admit(const nlm_netobj& cookie, nlm_netobj* reply_cookie, GraceRule grace,
                             const Resolve& resolve, nlm4_stats* refusal) {
  CopyNetobj(cookie.nlm_netobj_val, cookie.nlm_netobj_len, reply_cookie);
  if (grace.service != nullptr && !grace.reclaim && grace.service->InGrace()) {
    *refusal = NLM4_DENIED_GRACE_PERIOD;
    return std::nullopt;
  }
  Result<FileKey> file = resolve();
  if (!file.ok()) {
    *refusal = Nlm4StatusOf(file.status());
    return std::nullopt;
  }
  if (grace.service != nullptr && grace.service->InGrace(file->volume_id) != grace.reclaim) {
    *refusal = NLM4_DENIED_GRACE_PERIOD;
    return std::nullopt;
  }
  return std::move(file).value();
}

}  // namespace

// Where and how to send a GRANTED callback: everything copied out of the LOCK request.
struct NlmService::GrantTarget {
  sockaddr_storage addr{};    // the client's address, port 0 (ask its rpcbind)
  sockaddr_storage source{};  // the address the client called (CallbackSource)
  rpc::Transport transport = rpc::Transport::kUdp;
  uint32_t vers = NLM4_VERS;
  std::string fh;
  std::string oh;
  int32_t svid = 0;
  bool exclusive = false;
  uint64_t offset = 0;
  uint64_t length = 0;
};

NlmService::NlmService(LockManager& locks, nsm::OutboundCaller& caller, NlmHooks hooks,
                       NlmOptions options)
    : locks_(locks),
      caller_(caller),
      hooks_(std::move(hooks)),
      options_(options),
      next_cookie_(std::random_device{}() | (uint64_t{std::random_device{}()} << 32)),
      executor_(std::make_unique<Executor>(options.callback_threads,
                                           Executor::OnShutdown::kDropQueued)) {}

NlmService::~NlmService() { executor_->Shutdown(); }

void NlmService::StartGrace(std::chrono::milliseconds duration) {
  const int64_t end =
      duration.count() <= 0
          ? 0
          : MonotonicNowNs() +
                std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
  grace_end_ns_.store(end);
}

bool NlmService::InGrace() const { return MonotonicNowNs() < grace_end_ns_.load(); }

void NlmService::StartVolumeGrace(std::span<const uint64_t> volume_ids,
                                  std::chrono::milliseconds duration) {
  const int64_t now = MonotonicNowNs();
  const int64_t end = now + std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
  std::lock_guard lock(grace_mu_);
  std::erase_if(volume_grace_end_ns_, [now](const auto& kv) { return kv.second <= now; });
  for (const uint64_t id : volume_ids) {
    if (duration.count() > 0) {
      volume_grace_end_ns_[id] = end;
    } else {
      volume_grace_end_ns_.erase(id);
    }
  }
  int64_t until = 0;
  for (const auto& [id, volume_end] : volume_grace_end_ns_) until = std::max(until, volume_end);
  volume_grace_until_ns_.store(until);
}

bool NlmService::InGrace(uint64_t volume_id) const {
  const int64_t now = MonotonicNowNs();
  if (now < grace_end_ns_.load()) return true;
  if (now >= volume_grace_until_ns_.load()) return false;
  std::lock_guard lock(grace_mu_);
  auto it = volume_grace_end_ns_.find(volume_id);
  return it != volume_grace_end_ns_.end() && now < it->second;
}

Result<FileKey> NlmService::ResolveForAcquire(const rpc::CallContext& ctx, const nlm_fh& fh) const {
  if (!hooks_.resolve_handle) return Internal("no file-handle resolver");
  return hooks_.resolve_handle(ctx, FhBytes(fh));
}

Result<FileKey> NlmService::DecodeForRelease(const nlm_fh& fh) const {
  if (!hooks_.decode_handle) return Internal("no file-handle decoder");
  return hooks_.decode_handle(FhBytes(fh));
}

Status NlmService::EnsureMonitored(const std::string& host, const sockaddr_storage& addr) {
  // The monitor keeps known hosts in memory; only a host's first lock writes to disk.
  if (!hooks_.monitor_host) return Status::Ok();
  return hooks_.monitor_host(host, addr);
}

void NlmService::Test(const rpc::CallContext& ctx, const nlm4_testargs& args, nlm4_testres* res) {
  const std::optional<FileKey> file = Admit(
      args.cookie, &res->cookie, GraceRule{this, false},
      [&] { return ResolveForAcquire(ctx, args.alock.fh); }, &res->stat.stat);
  if (!file) return;
  std::optional<LockRecord> conflict =
      locks_.Test(*file, RequestOf(ctx, args.alock, args.exclusive));
  if (!conflict) {
    res->stat.stat = NLM4_GRANTED;
    return;
  }
  res->stat.stat = NLM4_DENIED;
  FillHolder(*conflict, &res->stat.nlm4_testrply_u.holder);
}

void NlmService::Lock(const rpc::CallContext& ctx, uint32_t vers, const nlm4_lockargs& args,
                      bool monitored, nlm4_res* res) {
  // Only reclaims during grace; no reclaims after it.
  const std::optional<FileKey> file = Admit(
      args.cookie, &res->cookie, GraceRule{this, static_cast<bool>(args.reclaim)},
      [&] { return ResolveForAcquire(ctx, args.alock.fh); }, &res->stat.stat);
  if (!file) return;
  const LockRequest req = RequestOf(ctx, args.alock, args.exclusive);
  if (monitored) {
    if (Status s = EnsureMonitored(req.owner.host, ctx.peer); !s.ok()) {
      LOG_WARN("nlm: cannot monitor host '{}': {}", req.owner.host, s.ToString());
      res->stat.stat = Nlm4StatusOf(s);
      return;
    }
  }
  const bool block = args.block && monitored;
  GrantCallback on_grant;
  if (block) {
    auto target = std::make_shared<GrantTarget>();
    target->addr = WithoutPort(ctx.peer);
    target->source = CallbackSource(ctx);
    target->transport =
        ctx.transport == rpc::Transport::kTcp ? rpc::Transport::kTcp : rpc::Transport::kUdp;
    target->vers = vers;
    target->fh = Bytes(args.alock.fh.nlm_fh_val, args.alock.fh.nlm_fh_len);
    target->oh = req.owner.handle;
    target->svid = args.alock.svid;
    target->exclusive = args.exclusive;
    target->offset = args.alock.l_offset;
    target->length = args.alock.l_len;
    std::shared_ptr<const GrantTarget> shared = std::move(target);
    on_grant = [this, shared](const FileKey& f, const LockRecord& l) { OnGranted(shared, f, l); };
  }
  LockResult r = locks_.Lock(*file, req, block, std::move(on_grant));
  switch (r.outcome) {
    case LockOutcome::kGranted:
      if (args.reclaim) {
        LOG_INFO("nlm: '{}' reclaimed its lock on inode {} of volume {}", req.owner.host,
                 file->inode, file->volume_id);
      }
      res->stat.stat = NLM4_GRANTED;
      return;
    case LockOutcome::kDenied:
      res->stat.stat = NLM4_DENIED;
      return;
    case LockOutcome::kBlocked:
      res->stat.stat = NLM4_BLOCKED;
      return;
  }
}

void NlmService::Cancel(const rpc::CallContext& ctx, const nlm4_cancargs& args, nlm4_res* res) {
  const std::optional<FileKey> file = Admit(
      args.cookie, &res->cookie, GraceRule{}, [&] { return DecodeForRelease(args.alock.fh); },
      &res->stat.stat);
  if (!file) return;
  // Like Linux: GRANTED whether or not a request was still queued — the client then
  // unlocks, which also covers a grant that crossed the cancel on the wire.
  locks_.Cancel(*file, RequestOf(ctx, args.alock, args.exclusive));
  res->stat.stat = NLM4_GRANTED;
}

void NlmService::Unlock(const rpc::CallContext& ctx, const nlm4_unlockargs& args, nlm4_res* res) {
  const std::optional<FileKey> file = Admit(
      args.cookie, &res->cookie, GraceRule{}, [&] { return DecodeForRelease(args.alock.fh); },
      &res->stat.stat);
  if (!file) return;
  const LockRequest req = RequestOf(ctx, args.alock, false);
  locks_.Unlock(*file, req.owner, req.range);
  res->stat.stat = NLM4_GRANTED;
}

void NlmService::Share(const rpc::CallContext& ctx, const nlm4_shareargs& args,
                       nlm4_shareres* res) {
  res->sequence = 0;
  const std::optional<FileKey> file = Admit(
      args.cookie, &res->cookie, GraceRule{this, static_cast<bool>(args.reclaim)},
      [&] { return ResolveForAcquire(ctx, args.share.fh); }, &res->stat);
  if (!file) return;
  const std::string host = HostOf(ctx, args.share.caller_name);
  if (Status s = EnsureMonitored(host, ctx.peer); !s.ok()) {
    res->stat = Nlm4StatusOf(s);
    return;
  }
  // fsh_mode and fsh_access are both bit sets of read=1, write=2.
  ShareRecord share{
      ShareOwner{host, Bytes(args.share.oh.nlm_netobj_val, args.share.oh.nlm_netobj_len)},
      static_cast<uint32_t>(rpc::RawEnum(args.share.access)) & (kShareRead | kShareWrite),
      static_cast<uint32_t>(rpc::RawEnum(args.share.mode)) & (kShareRead | kShareWrite)};
  res->stat = locks_.Share(*file, share) ? NLM4_GRANTED : NLM4_DENIED;
}

void NlmService::Unshare(const rpc::CallContext& ctx, const nlm4_shareargs& args,
                         nlm4_shareres* res) {
  res->sequence = 0;
  const std::optional<FileKey> file = Admit(
      args.cookie, &res->cookie, GraceRule{}, [&] { return DecodeForRelease(args.share.fh); },
      &res->stat);
  if (!file) return;
  locks_.Unshare(*file,
                 ShareOwner{HostOf(ctx, args.share.caller_name),
                            Bytes(args.share.oh.nlm_netobj_val, args.share.oh.nlm_netobj_len)});
  res->stat = NLM4_GRANTED;
}

void NlmService::FreeAll(const rpc::CallContext&, const nlm4_notify& args) {
  const std::string host = args.name ? args.name : "";
  const size_t n = ReleaseHost(host);
  LOG_INFO("nlm: FREE_ALL from '{}' (state {}): released {} locks and shares", host, args.state, n);
}

size_t NlmService::ReleaseHost(const std::string& host) {
  {
    std::lock_guard lock(mu_);
    std::erase_if(pending_grants_, [&](const auto& kv) { return kv.second.owner.host == host; });
  }
  return locks_.ReleaseHost(host);
}

void NlmService::OnGranted(std::shared_ptr<const GrantTarget> target, const FileKey& file,
                           const LockRecord& lock) {
  const uint64_t cookie = next_cookie_.fetch_add(1);
  {
    std::lock_guard guard(mu_);
    pending_grants_[cookie] = PendingGrant{file, lock.owner, lock.range, 0, false};
  }
  LOG_DEBUG("nlm: granting queued lock of '{}' svid {} on inode {}", lock.owner.host,
            lock.owner.svid, file.inode);
  executor_->Post([this, cookie, target] { SendGranted(cookie, target); });
}

void NlmService::SendGranted(uint64_t cookie, std::shared_ptr<const GrantTarget> target) {
  PendingGrant grant;
  {
    std::lock_guard lock(mu_);
    auto it = pending_grants_.find(cookie);
    if (it == pending_grants_.end() || it->second.answered) return;
    it->second.attempts++;
    grant = it->second;
  }
  char cookie_bytes[8];
  StoreBigEndian(cookie_bytes, cookie);
  static const std::string our_name = OurHostName();
  char* caller = const_cast<char*>(our_name.c_str());
  Result<PreEncoded> args = Internal("unset");
  if (target->vers == NLM4_VERS) {
    nlm4_testargs a{};
    a.cookie = {sizeof(cookie_bytes), cookie_bytes};
    a.exclusive = target->exclusive;
    a.alock.caller_name = caller;
    a.alock.fh = {static_cast<u_int>(target->fh.size()), const_cast<char*>(target->fh.data())};
    a.alock.oh = {static_cast<u_int>(target->oh.size()), const_cast<char*>(target->oh.data())};
    a.alock.svid = target->svid;
    a.alock.l_offset = target->offset;
    a.alock.l_len = target->length;
    args = Encode(reinterpret_cast<xdrproc_t>(xdr_nlm4_testargs), &a);
  } else {
    nlm_testargs a{};
    a.cookie = {sizeof(cookie_bytes), cookie_bytes};
    a.exclusive = target->exclusive;
    a.alock.caller_name = caller;
    a.alock.fh = {static_cast<u_int>(target->fh.size()), const_cast<char*>(target->fh.data())};
    a.alock.oh = {static_cast<u_int>(target->oh.size()), const_cast<char*>(target->oh.data())};
    a.alock.uppid = target->svid;
    a.alock.l_offset = Clamp32(target->offset);
    a.alock.l_len = Clamp32(target->length);
    args = Encode(reinterpret_cast<xdrproc_t>(xdr_nlm_testargs), &a);
  }
  Status sent = args.status();
  if (args.ok()) {
    nsm::OutboundCall call;
    call.addr = target->addr;
    call.source = target->source;
    call.prog = NLM_PROG;
    call.vers = target->vers;
    call.proc = NLMPROC4_GRANTED_MSG;
    call.transport = target->transport;
    call.timeout = options_.callback_timeout;
    sent = caller_.Call(call, reinterpret_cast<xdrproc_t>(EncodePreEncoded), &*args);
  }
  if (sent.ok()) {
    std::lock_guard lock(mu_);
    auto it = pending_grants_.find(cookie);
    if (it != pending_grants_.end()) it->second.answered = true;
    // Keep the entry a while for the client's GRANTED_RES, then forget it.
    executor_->Post(
        [this, cookie] {
          std::lock_guard g(mu_);
          pending_grants_.erase(cookie);
        },
        std::chrono::minutes(1));
    return;
  }
  if (grant.attempts < options_.grant_attempts) {
    LOG_INFO("nlm: GRANTED_MSG to '{}' failed ({}); retrying", grant.owner.host, sent.ToString());
    executor_->Post([this, cookie, target] { SendGranted(cookie, target); },
                    options_.grant_retry_delay);
    return;
  }
  LOG_WARN("nlm: '{}' never acknowledged its granted lock on inode {} ({}); releasing it",
           grant.owner.host, grant.file.inode, sent.ToString());
  {
    std::lock_guard lock(mu_);
    pending_grants_.erase(cookie);
  }
  locks_.Unlock(grant.file, grant.owner, grant.range);
}

void NlmService::GrantedRes(const rpc::CallContext&, const nlm_netobj& cookie, nlm4_stats stat) {
  if (cookie.nlm_netobj_len != 8) return;  // not one of our cookies
  const auto id = LoadBigEndian<uint64_t>(cookie.nlm_netobj_val);
  PendingGrant grant;
  {
    std::lock_guard lock(mu_);
    auto it = pending_grants_.find(id);
    if (it == pending_grants_.end()) return;
    grant = it->second;
    pending_grants_.erase(it);
  }
  if (stat != NLM4_GRANTED) {
    LOG_INFO("nlm: '{}' refused its granted lock on inode {}; releasing it", grant.owner.host,
             grant.file.inode);
    locks_.Unlock(grant.file, grant.owner, grant.range);
  }
}

void NlmService::SendResult(const rpc::CallContext& ctx, uint32_t proc, xdrproc_t encode,
                            const void* result) {
  Result<PreEncoded> bytes = Encode(encode, result);
  if (!bytes.ok()) {
    LOG_ERROR("nlm: {}", bytes.status().ToString());
    return;
  }
  auto pre = std::make_shared<PreEncoded>(std::move(bytes).value());
  nsm::OutboundCall call;
  call.addr = WithoutPort(ctx.peer);
  call.source = CallbackSource(ctx);
  call.prog = NLM_PROG;
  call.vers = ctx.vers;
  call.proc = proc;
  call.transport =
      ctx.transport == rpc::Transport::kTcp ? rpc::Transport::kTcp : rpc::Transport::kUdp;
  call.one_way = true;
  call.timeout = options_.callback_timeout;
  executor_->Post([this, pre, call] {
    const Status s = caller_.Call(call, reinterpret_cast<xdrproc_t>(EncodePreEncoded), pre.get());
    if (!s.ok()) LOG_INFO("nlm: could not send result procedure {}: {}", call.proc, s.ToString());
  });
}

size_t NlmService::pending_grants() const {
  std::lock_guard lock(mu_);
  return pending_grants_.size();
}

}  // namespace volumed::nlm
