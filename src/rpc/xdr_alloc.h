// Allocation for the variable-length parts of XDR results (strings, opaque bytes, list
// nodes). The engine xdr_free()s every result after sending it, and xdr_free releases
// with free(), so these parts are malloc'ed here and nowhere else. On allocation failure
// each throws std::bad_alloc: the dispatcher's one catch-all answers the call SYSTEM_ERR
// (nothing half-filled is sent), as for any other allocation in a handler.
//
// Thread-safety: free functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace volumed::rpc {

// A NUL-terminated malloc'ed copy of `s`, cut to its first `max_len` bytes (the bound
// of the XDR string it fills).
inline char* XdrDupString(std::string_view s, size_t max_len = SIZE_MAX) {
  s = s.substr(0, max_len);
  auto* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

// `len` malloc'ed bytes, for the caller to fill; null for none (XDR encodes a null
// opaque of length 0).
inline char* XdrAllocBytes(size_t len) {
  if (len == 0) return nullptr;
  auto* out = static_cast<char*>(std::malloc(len));
  if (out == nullptr) throw std::bad_alloc();
  return out;
}

// A malloc'ed copy of `len` bytes; null for none.
inline char* XdrDupBytes(const void* data, size_t len) {
  char* out = XdrAllocBytes(len);
  if (len > 0) std::memcpy(out, data, len);
  return out;
}

// `n` zeroed objects of an rpcgen (C) type: one node of a result list, or the elements
// of an array (null for none, as XDR encodes an empty array).
template <typename T>
T* XdrCalloc(size_t n = 1) {
  if (n == 0) return nullptr;
  auto* out = static_cast<T*>(std::calloc(n, sizeof(T)));
  if (out == nullptr) throw std::bad_alloc();
  return out;
}

}  // namespace volumed::rpc
