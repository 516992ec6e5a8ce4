// ForwardedCalls: how many calls this gateway sent on to the gateway owning their volume
// (services/gateway_forwarder.h), for /metrics: relayed (the owner answered and its answer
// was the reply), declined (not sent: the owner is this gateway, unknown, not live, or the
// call came from another gateway) and failed (sent, the owner did not answer in time or the
// connection broke); the last two were answered JUKEBOX (the client retries).
//
// Thread-safety: relaxed atomic counters; reads race benignly with increments.
#pragma once

#include <atomic>
#include <cstdint>

namespace volumed::metrics {

struct ForwardedCalls {
  std::atomic<uint64_t> relayed{0};
  std::atomic<uint64_t> declined{0};
  std::atomic<uint64_t> failed{0};

  static ForwardedCalls& Global() {
    static ForwardedCalls counters;
    return counters;
  }
};

}  // namespace volumed::metrics
