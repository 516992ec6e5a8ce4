// RawEnum: the 32-bit value an XDR-decoded enum field really holds. libtirpc's xdr_enum
// stores whatever integer the peer sent, and reading a value outside the enum's range
// through the C++ enum type is undefined behaviour (UBSan -fsanitize=enum reports it).
// Handlers read such fields with RawEnum and compare the integer with the enumerators.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace volumed::rpc {

template <typename E>
int32_t RawEnum(const E& field) {
  static_assert(std::is_enum_v<E> && sizeof(E) == sizeof(int32_t), "an XDR enum field");
  int32_t value;
  std::memcpy(&value, &field, sizeof(value));
  return value;
}

}  // namespace volumed::rpc
