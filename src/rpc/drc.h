// DuplicateRequestCache: remembers the replies of non-idempotent calls so that a
// retransmission (same xid from the same peer for the same procedure) is answered with
// the original reply instead of being executed twice (a retransmitted REMOVE must not
// fail with NOENT because the first one worked).
//
// Key: xid, peer address and port, prog/vers/proc, and a checksum of the first argument
// bytes (so a reused xid carrying different arguments is not mistaken for a retransmit).
// A call in progress is marked so that its duplicates are dropped; the client will
// retransmit again and find the finished reply. Completed entries are evicted oldest
// first once either bound (entries, bytes) is exceeded.
//
// Thread-safety: thread-safe (one internal mutex; no I/O under it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rpc/program.h"

namespace volumed::rpc {

class DuplicateRequestCache {
 public:
  DuplicateRequestCache(size_t max_entries, size_t max_bytes);

  static std::string MakeKey(const CallContext& ctx, std::span<const uint8_t> args);

  enum class Lookup : unsigned char {
    kNew,         // not seen: the caller executes it and then calls Complete or Abandon
    kInProgress,  // the original is still executing: drop this duplicate
    kReplay,      // answered before: send `*reply`
  };
  Lookup Begin(const std::string& key, std::vector<uint8_t>* reply);
  void Complete(const std::string& key, const std::vector<uint8_t>& reply);
  void Abandon(const std::string& key);  // forget an in-progress entry (no reply was made)

  size_t size() const;

 private:
  struct Entry {
    std::string key;
    bool done = false;
    std::vector<uint8_t> reply;
  };
  void EvictLocked();

  const size_t max_entries_;
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> order_;  // oldest first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace volumed::rpc
