#include "rpc/drc.h"

#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>

#include "rpc/call_metrics.h"

namespace volumed::rpc {

namespace {
constexpr size_t kChecksummedArgBytes = 256;

void Append(std::string& s, const void* p, size_t n) { s.append(static_cast<const char*>(p), n); }
}  // namespace

DuplicateRequestCache::DuplicateRequestCache(size_t max_entries, size_t max_bytes)
    : max_entries_(max_entries), max_bytes_(max_bytes) {}

std::string DuplicateRequestCache::MakeKey(const CallContext& ctx, std::span<const uint8_t> args) {
  std::string key;
  key.reserve(64);
  const uint32_t ids[4] = {ctx.xid, ctx.prog, ctx.vers, ctx.proc};
  Append(key, ids, sizeof(ids));
  const auto transport = static_cast<unsigned char>(ctx.transport);
  Append(key, &transport, 1);
  switch (ctx.peer.ss_family) {
    case AF_INET: {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(&ctx.peer);
      Append(key, &sin->sin_addr, sizeof(sin->sin_addr));
      Append(key, &sin->sin_port, sizeof(sin->sin_port));
      break;
    }
    case AF_INET6: {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ctx.peer);
      Append(key, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
      Append(key, &sin6->sin6_port, sizeof(sin6->sin6_port));
      break;
    }
    default:
      Append(key, &ctx.local_peer_uid, sizeof(ctx.local_peer_uid));
      break;
  }
  // FNV-1a over the leading argument bytes, plus the argument length.
  uint64_t hash = 1469598103934665603ull;
  for (uint8_t b : args.first(std::min(args.size(), kChecksummedArgBytes))) {
    hash = (hash ^ b) * 1099511628211ull;
  }
  const uint64_t len = args.size();
  Append(key, &hash, sizeof(hash));
  Append(key, &len, sizeof(len));
  return key;
}

DuplicateRequestCache::Lookup DuplicateRequestCache::Begin(const std::string& key,
                                                           std::vector<uint8_t>* reply) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    if (!it->second->done) {
      CallMetrics::Global().DrcHit(/*replayed=*/false);
      return Lookup::kInProgress;
    }
    *reply = it->second->reply;
    CallMetrics::Global().DrcHit(/*replayed=*/true);
    return Lookup::kReplay;
  }
  order_.push_back(Entry{key, false, {}});
  index_.emplace(key, std::prev(order_.end()));
  EvictLocked();
  return Lookup::kNew;
}

void DuplicateRequestCache::Complete(const std::string& key, const std::vector<uint8_t>& reply) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->done) return;
  it->second->done = true;
  it->second->reply = reply;
  bytes_ += reply.size();
  EvictLocked();
}

void DuplicateRequestCache::Abandon(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->done) return;
  order_.erase(it->second);
  index_.erase(it);
}

size_t DuplicateRequestCache::size() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

void DuplicateRequestCache::EvictLocked() {
  // In-progress entries are bounded by the requests in flight; skip them.
  auto it = order_.begin();
  while ((index_.size() > max_entries_ || bytes_ > max_bytes_) && it != order_.end()) {
    if (!it->done) {
      ++it;
      continue;
    }
    bytes_ -= it->reply.size();
    index_.erase(it->key);
    it = order_.erase(it);
  }
}

}  // namespace volumed::rpc
