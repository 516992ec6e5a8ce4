#include "nfs3/write_verifier.h"

#include <chrono>
#include <random>

namespace volumed::nfs3 {

WriteVerifier::WriteVerifier() {
  std::random_device rd;
  uint64_t random_bits = (uint64_t{rd()} << 32) | rd();
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ns =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  value_.store(ns ^ random_bits, std::memory_order_release);
}

void WriteVerifier::CopyTo(char out[8]) const {
  uint64_t v = value();
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

}  // namespace volumed::nfs3
