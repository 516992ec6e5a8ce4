// Big-endian (network order) fixed-width unsigned integers in byte buffers: the one
// coder behind storage keys and records (storage/coding.h), file handles, NSM records,
// NLM cookies, write verifiers and RPC record marks. Big-endian so that byte order is
// numeric order (DESIGN.md §3) and so that XDR's words read as written (RFC 4506).
//
// Thread-safety: pure functions on caller-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace volumed {

template <typename T>
requires std::is_unsigned_v<T>
void StoreBigEndian(void* dst, T value) {
  auto* p = static_cast<uint8_t*>(dst);
  for (size_t i = sizeof(T); i-- > 0;) {
    p[i] = static_cast<uint8_t>(value);
    value = static_cast<T>(value >> 8);
  }
}

template <typename T>
requires std::is_unsigned_v<T> T LoadBigEndian(const void* src) {
  const auto* p = static_cast<const uint8_t*>(src);
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>((value << 8) | p[i]);
  return value;
}

template <typename T>
requires std::is_unsigned_v<T>
void AppendBigEndian(std::string* out, T value) {
  char bytes[sizeof(T)];
  StoreBigEndian(bytes, value);
  out->append(bytes, sizeof(T));
}

}  // namespace volumed
