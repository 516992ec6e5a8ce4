// An encoded reply with referenced opaque parts; the layout is described in reply.h.
#include "rpc/reply.h"

#include <cstring>

#include "base/big_endian.h"
#include "rpc/record_marking.h"

namespace volumed::rpc {

// An encode-only XDR stream over a Reply, run twice by AppendXdr: first measuring (the
// bytes to copy and the bytes to reference, nothing written), then writing into exactly
// the room measured. Both passes take the same decisions (by length alone).
class Reply::XdrSink {
 public:
  XdrSink(Reply* reply, bool writing, size_t pos) : reply_(reply), writing_(writing), pos_(pos) {}

  bool Run(xdrproc_t encode, void* value) {
    XDR xdrs{};
    xdrs.x_op = XDR_ENCODE;
    xdrs.x_ops = &kOps;
    xdrs.x_private = this;
    return encode(&xdrs, value) != 0;
  }
  size_t pos() const { return pos_; }
  size_t referenced() const { return referenced_; }

 private:
  static XdrSink* Of(XDR* xdrs) { return static_cast<XdrSink*>(xdrs->x_private); }
  bool Fits(size_t len) const { return !writing_ || pos_ + len <= reply_->bytes_.size(); }

  static bool_t PutLong(XDR* xdrs, const long* value) {
    XdrSink* s = Of(xdrs);
    if (!s->Fits(4)) return FALSE;
    if (s->writing_) {
      StoreBigEndian(s->reply_->bytes_.data() + s->pos_, static_cast<uint32_t>(*value));
    }
    s->pos_ += 4;
    return TRUE;
  }
  static bool_t PutBytes(XDR* xdrs, const char* data, u_int len) {
    XdrSink* s = Of(xdrs);
    if (len >= kMinReferencedBytes) {
      if (s->writing_) {
        s->reply_->references_.push_back(
            {s->pos_, reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len)});
      }
      s->referenced_ += len;
      return TRUE;
    }
    if (!s->Fits(len)) return FALSE;
    if (s->writing_ && len > 0) std::memcpy(s->reply_->bytes_.data() + s->pos_, data, len);
    s->pos_ += len;
    return TRUE;
  }
  static u_int GetPos(XDR* xdrs) {
    const XdrSink* s = Of(xdrs);
    return static_cast<u_int>(s->pos_ + s->referenced_);
  }
  // rpcgen's encoders write runs of words straight into the buffer when given room, and
  // word by word otherwise (always while measuring).
  static int32_t* Inline(XDR* xdrs, u_int len) {
    XdrSink* s = Of(xdrs);
    if (!s->writing_ || !s->Fits(len) || s->pos_ % 4 != 0) return nullptr;
    uint8_t* at = s->reply_->bytes_.data() + s->pos_;
    s->pos_ += len;
    return reinterpret_cast<int32_t*>(at);
  }
  static bool_t GetLong(XDR*, long*) { return FALSE; }
  static bool_t GetBytes(XDR*, char*, u_int) { return FALSE; }
  static bool_t SetPos(XDR*, u_int) { return FALSE; }
  static void Destroy(XDR*) {}
  static bool_t Control(XDR*, int, void*) { return FALSE; }

  static constexpr XDR::xdr_ops kOps = {GetLong, PutLong, GetBytes, PutBytes, GetPos,
                                        SetPos,  Inline,  Destroy,  Control};

  Reply* const reply_;
  const bool writing_;
  size_t pos_;  // measuring: bytes to copy so far; writing: the next offset in bytes_
  size_t referenced_ = 0;
};

std::span<const uint8_t> Reply::head() const {
  const size_t end = references_.empty() ? bytes_.size() : references_.front().at;
  return std::span<const uint8_t>(bytes_).first(end);
}

size_t Reply::Gather(size_t offset, std::span<iovec> out) const {
  size_t filled = 0;
  size_t at = 0;  // offset on the wire of the next segment
  // Adds the part of one segment at or after `offset`; false once `out` is full.
  auto add = [&](const uint8_t* data, size_t len) {
    if (len == 0 || offset >= at + len) {
      at += len;
      return true;
    }
    if (filled == out.size()) return false;
    const size_t skip = offset > at ? offset - at : 0;
    out[filled++] = {const_cast<uint8_t*>(data + skip), len - skip};
    at += len;
    return true;
  };
  size_t own = 0;  // the next byte of bytes_
  for (const Reference& r : references_) {
    if (!add(bytes_.data() + own, r.at - own) || !add(r.data, r.len)) return filled;
    own = r.at;
  }
  add(bytes_.data() + own, bytes_.size() - own);
  return filled;
}

std::vector<uint8_t> Reply::Flatten() const {
  if (references_.empty()) return bytes_;
  std::vector<uint8_t> out;
  out.reserve(size());
  size_t own = 0;
  for (const Reference& r : references_) {
    out.insert(out.end(), bytes_.begin() + static_cast<ptrdiff_t>(own),
               bytes_.begin() + static_cast<ptrdiff_t>(r.at));
    out.insert(out.end(), r.data, r.data + r.len);
    own = r.at;
  }
  out.insert(out.end(), bytes_.begin() + static_cast<ptrdiff_t>(own), bytes_.end());
  return out;
}

bool Reply::AppendXdr(xdrproc_t encode, void* value) {
  XdrSink measure(this, false, 0);
  if (!measure.Run(encode, value)) return false;
  const size_t start = bytes_.size();
  const size_t references_before = references_.size();
  bytes_.resize(start + measure.pos());
  XdrSink write(this, true, start);
  if (!write.Run(encode, value) || write.pos() != bytes_.size() ||
      write.referenced() != measure.referenced()) {
    bytes_.resize(start);
    references_.resize(references_before);
    return false;
  }
  referenced_bytes_ += write.referenced();
  return true;
}

void Reply::MarkRecord() {
  if (bytes_.size() < kRecordMarkSlot) return;
  EncodeLastFragmentHeader(static_cast<uint32_t>(size() - kRecordMarkSlot), bytes_.data());
}

}  // namespace volumed::rpc
