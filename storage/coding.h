// Big-endian fixed-width coding for keys and records (base/big_endian.h), with a
// bounds-checked reader. Big-endian so that byte order is numeric order (DESIGN.md §3).
//
// Thread-safety: free functions on caller-owned buffers; a Reader is not synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/big_endian.h"

namespace volumed::storage::coding {

inline void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

inline void PutU32(std::string* out, uint32_t v) { AppendBigEndian(out, v); }

inline void PutU64(std::string* out, uint64_t v) { AppendBigEndian(out, v); }

inline void PutI64(std::string* out, int64_t v) { PutU64(out, static_cast<uint64_t>(v)); }

// A u32 length followed by the bytes.
inline void PutBytes(std::string* out, std::string_view bytes) {
  PutU32(out, static_cast<uint32_t>(bytes.size()));
  out->append(bytes);
}

inline uint64_t LoadU64(const char* p) { return LoadBigEndian<uint64_t>(p); }

// Reads fields in order; any read past the end makes ok() false and yields zeros.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<unsigned char>(data_[pos_++]);
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    const uint32_t v = LoadBigEndian<uint32_t>(data_.data() + pos_);
    pos_ += 4;
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = LoadU64(data_.data() + pos_);
    pos_ += 8;
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  // A u32 length then that many bytes; fails when the length exceeds `max_len`.
  std::string_view Bytes(size_t max_len) {
    uint32_t len = U32();
    if (len > max_len) {
      ok_ = false;
      return {};
    }
    if (!Need(len)) return {};
    std::string_view v = data_.substr(pos_, len);
    pos_ += len;
    return v;
  }
  std::string_view Rest() {
    std::string_view v = data_.substr(pos_);
    pos_ = data_.size();
    return v;
  }

  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  bool Need(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace volumed::storage::coding
