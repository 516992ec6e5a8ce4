// WireReader / WireWriter: minimal XDR primitives (RFC 4506) for the fixed parts of RPC
// messages — big-endian 32-bit words and opaque<> with 4-byte padding. Procedure
// arguments and results go through libtirpc's XDR routines instead; these exist so the
// call header can be parsed with explicit bounds and without allocation.
//
// Thread-safety: plain values; not synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/big_endian.h"

namespace volumed::rpc {

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> data) : data_(data) {}

  bool U32(uint32_t* v) {
    if (data_.size() - pos_ < 4) return false;
    *v = LoadBigEndian<uint32_t>(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  // Reads `len` bytes of opaque data plus its padding to a multiple of 4.
  bool Opaque(uint32_t len, std::span<const uint8_t>* out) {
    const size_t padded = (size_t{len} + 3) & ~size_t{3};
    if (data_.size() - pos_ < padded) return false;
    *out = data_.subspan(pos_, len);
    pos_ += padded;
    return true;
  }
  bool AtEnd() const { return pos_ == data_.size(); }
  size_t position() const { return pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

class WireWriter {
 public:
  void U32(uint32_t v) {
    uint8_t b[4];
    StoreBigEndian(b, v);
    out_.insert(out_.end(), b, b + 4);
  }
  // opaque<>: length word, bytes, zero padding.
  void Opaque(std::span<const uint8_t> bytes) {
    U32(static_cast<uint32_t>(bytes.size()));
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    out_.resize((out_.size() + 3) & ~size_t{3}, 0);
  }
  void Raw(std::span<const uint8_t> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  std::vector<uint8_t>& bytes() { return out_; }
  std::vector<uint8_t> Take() && { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

}  // namespace volumed::rpc
