#include "nfs3/write_verifier.h"

#include <chrono>
#include <random>

#include "base/big_endian.h"
#include "base/clock.h"

namespace volumed::nfs3 {

WriteVerifier::WriteVerifier() {
  std::random_device rd;
  uint64_t random_bits = (uint64_t{rd()} << 32) | rd();
  value_.store(static_cast<uint64_t>(WallNowNs()) ^ random_bits, std::memory_order_release);
}

void WriteVerifier::CopyTo(char out[8]) const { StoreBigEndian(out, value()); }

}  // namespace volumed::nfs3
