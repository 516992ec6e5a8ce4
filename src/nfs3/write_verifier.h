// WriteVerifier: the 8-byte verifier of WRITE and COMMIT replies (RFC 1813 §3.3.7).
// It is new at every server start (clock and random bits) and changes after any write
// or sync error, so that clients resend everything they have not seen committed under
// the current value (DESIGN.md §5).
//
// Thread-safety: thread-safe (one atomic).
#pragma once

#include <atomic>
#include <cstdint>

namespace volumed::nfs3 {

class WriteVerifier {
 public:
  WriteVerifier();
  explicit WriteVerifier(uint64_t initial) : value_(initial) {}

  uint64_t value() const { return value_.load(std::memory_order_acquire); }
  // Big-endian into an NFS writeverf3.
  void CopyTo(char out[8]) const;
  // After a write or sync error: every uncommitted write must be resent.
  void Change() { value_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_acq_rel); }

 private:
  std::atomic<uint64_t> value_;
};

}  // namespace volumed::nfs3
