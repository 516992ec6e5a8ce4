// NlmService: the Network Lock Manager's behaviour, on NLM v4 wire structs, over a
// LockManager. The procedure tables (nlm_program.h) call it for v4 and, after widening
// 32-bit offsets, for v1/v3.
//
// What it adds to the LockManager:
//   - hosts: a lock's host is the request's caller_name, or the caller's address when it
//     sends an empty one;
//   - file handles: an NLM `fh` is our NFS file handle; NlmHooks turn it into a FileKey;
//   - grace periods: the whole server's after a start, and a set of volumes' after this
//     gateway took them over from a dead one (StartVolumeGrace). While a request's volume
//     is in grace (its own or the server's) only reclaims (reclaim=true) are granted and
//     TEST/LOCK/SHARE answer DENIED_GRACE_PERIOD, so a third party waits until the
//     holders reclaimed; a reclaim outside grace is refused too (the lock may have been
//     held by someone else meanwhile — as Linux). During the server's grace a
//     non-reclaim is refused before its file handle is looked at;
//   - NSM monitoring: a host is recorded durably (NlmHooks::monitor_host) before its
//     first lock is granted, so that after our restart we can tell it to reclaim;
//   - callbacks to clients, on an Executor (never on RPC workers): GRANTED_MSG when
//     a blocked request is granted (retried a few times; if the client never answers, the
//     lock is released again), and the _RES call answering each _MSG request.
//     A GRANTED_RES other than GRANTED releases the lock (the client no longer wanted it).
// Both callbacks go out through the nsm::OutboundCaller given at construction.
// Results' variable-length fields (cookie, holder oh) are malloc'ed copies: the RPC engine
// xdr_free()s results.
//
// Thread-safety: thread-safe; handlers call it concurrently.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "base/executor.h"
#include "base/result.h"
#include "base/status.h"
#include "nlm/lock_manager.h"
#include "nlm4_prot.h"
#include "nsm/outbound.h"
#include "rpc/program.h"

namespace volumed::nlm {

struct NlmHooks {
  // The file an NLM fh names, from the handle alone (no export or liveness check): used
  // to release (UNLOCK, CANCEL, UNSHARE), which must work even for a removed file.
  // kBadHandle when the bytes are not one of our handles.
  std::function<Result<FileKey>(std::span<const uint8_t> fh)> decode_handle;
  // The file an NLM fh names, checked like an NFS request: the volume exists, the caller's
  // address may use it, the inode is alive. Used to acquire (TEST, LOCK, SHARE).
  std::function<Result<FileKey>(const rpc::CallContext& ctx, std::span<const uint8_t> fh)>
      resolve_handle;
  // Durably records that `host` (reachable at `addr`) holds locks here. Called before a
  // host's first lock is granted. Null: hosts are not monitored.
  std::function<Status(const std::string& host, const sockaddr_storage& addr)> monitor_host;
};

struct NlmOptions {
  std::chrono::milliseconds callback_timeout{3000};
  int grant_attempts = 5;  // GRANTED_MSG sends before the lock is taken back
  std::chrono::milliseconds grant_retry_delay{2000};
  size_t callback_threads = 2;
};

class NlmService {
 public:
  // `caller` must outlive the service.
  NlmService(LockManager& locks, nsm::OutboundCaller& caller, NlmHooks hooks,
             NlmOptions options = {});
  ~NlmService();
  NlmService(const NlmService&) = delete;
  NlmService& operator=(const NlmService&) = delete;

  // Starts the whole server's grace period of `duration` from now (0 ends it).
  void StartGrace(std::chrono::milliseconds duration);
  // Whether the whole server is in grace.
  bool InGrace() const;
  // Starts a grace period of `duration` from now for each of `volume_ids` (replacing any
  // it had; 0 ends theirs). Other volumes are untouched.
  void StartVolumeGrace(std::span<const uint64_t> volume_ids, std::chrono::milliseconds duration);
  // Whether requests on `volume_id` are in grace: the server's or the volume's own.
  bool InGrace(uint64_t volume_id) const;

  void Test(const rpc::CallContext& ctx, const nlm4_testargs& args, nlm4_testres* res);
  // `monitored` is false for NM_LOCK (a client without a status monitor): never blocks.
  // `vers` is the NLM version the client spoke: its GRANTED callback uses it.
  void Lock(const rpc::CallContext& ctx, uint32_t vers, const nlm4_lockargs& args, bool monitored,
            nlm4_res* res);
  void Cancel(const rpc::CallContext& ctx, const nlm4_cancargs& args, nlm4_res* res);
  void Unlock(const rpc::CallContext& ctx, const nlm4_unlockargs& args, nlm4_res* res);
  void Share(const rpc::CallContext& ctx, const nlm4_shareargs& args, nlm4_shareres* res);
  void Unshare(const rpc::CallContext& ctx, const nlm4_shareargs& args, nlm4_shareres* res);
  void FreeAll(const rpc::CallContext& ctx, const nlm4_notify& args);
  void GrantedRes(const rpc::CallContext& ctx, const nlm_netobj& cookie, nlm4_stats stat);

  // Sends `result` (already final) to the calling host's NLM procedure `proc`, version
  // ctx.vers: the answer to a _MSG request. Encoded now, sent later from the executor.
  void SendResult(const rpc::CallContext& ctx, uint32_t proc, xdrproc_t encode, const void* result);

  // Drops every lock of `host` (its status monitor told us it rebooted). Returns how many.
  size_t ReleaseHost(const std::string& host);

  LockManager& locks() { return locks_; }
  // GRANTED callbacks sent and not yet settled, for tests.
  size_t pending_grants() const;

 private:
  struct PendingGrant {
    FileKey file;
    LockOwner owner;
    ByteRange range;
    int attempts = 0;
    bool answered = false;  // the client's RPC layer replied or GRANTED_RES came
  };
  struct GrantTarget;

  Result<FileKey> ResolveForAcquire(const rpc::CallContext& ctx, const nlm_fh& fh) const;
  Result<FileKey> DecodeForRelease(const nlm_fh& fh) const;
  Status EnsureMonitored(const std::string& host, const sockaddr_storage& addr);
  void OnGranted(std::shared_ptr<const GrantTarget> target, const FileKey& file,
                 const LockRecord& lock);
  void SendGranted(uint64_t cookie, std::shared_ptr<const GrantTarget> target);

  LockManager& locks_;
  nsm::OutboundCaller& caller_;
  NlmHooks hooks_;
  NlmOptions options_;
  std::atomic<int64_t> grace_end_ns_{0};  // steady clock
  // The latest end of any volume's grace: past it, no volume is in grace and the map is
  // not looked at.
  std::atomic<int64_t> volume_grace_until_ns_{0};
  mutable std::mutex grace_mu_;
  std::map<uint64_t, int64_t> volume_grace_end_ns_;  // guarded by grace_mu_; steady clock
  mutable std::mutex mu_;
  std::map<uint64_t, PendingGrant> pending_grants_;  // guarded by mu_; key = cookie
  std::atomic<uint64_t> next_cookie_;
  // Last member: destroyed (and joined) first, while everything its tasks use is alive.
  std::unique_ptr<Executor> executor_;
};

}  // namespace volumed::nlm
