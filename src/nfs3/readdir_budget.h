// Byte budgets of READDIR and READDIRPLUS replies, computed from the XDR encoding
// (RFC 4506: every item padded to 4 bytes) so that a reply never exceeds what the client
// allowed (RFC 1813 §3.3.16, §3.3.17):
//
//   READDIR3res   = status:4 dir_attributes:post_op_attr(4 [+84]) cookieverf:8
//                   { value_follows:4 entry3 }* value_follows(=0):4 eof:4
//   entry3        = fileid:8 name:string(4 + pad4(len)) cookie:8
//   entryplus3    = entry3-fields name_attributes:post_op_attr(4 [+84])
//                   name_handle:post_op_fh3(4 [+4+32])
//
// READDIR's `count` and READDIRPLUS's `maxcount` bound the whole reply; we count the
// status word as well, which makes the bound slightly conservative, and always budget
// the directory attributes as present. READDIRPLUS's `dircount` bounds "the directory
// information" only: we charge each entry its value_follows, fileid, name and cookie
// (what it would cost in a READDIR reply), excluding attributes and handle.
//
// Thread-safety: pure functions and a plain value.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nfs3/file_handle.h"

namespace volumed::nfs3 {

inline constexpr size_t kFattr3XdrSize = 84;
inline constexpr size_t kPostOpAttrXdrSize = 4 + kFattr3XdrSize;
inline constexpr size_t kPostOpFhXdrSize = 4 + 4 + kFileHandleSize;
inline constexpr size_t kReaddirReplyOverhead = 4 + kPostOpAttrXdrSize + 8 + 4 + 4;
// Our own cap on a reply, whatever the client allows.
inline constexpr size_t kMaxReaddirReply = size_t{1} << 20;

constexpr size_t XdrStringSize(size_t len) { return 4 + ((len + 3) & ~size_t{3}); }

constexpr size_t ReaddirEntrySize(size_t name_len) { return 4 + 8 + XdrStringSize(name_len) + 8; }

constexpr size_t ReaddirplusEntrySize(size_t name_len, bool has_attrs, bool has_handle) {
  return ReaddirEntrySize(name_len) + (has_attrs ? kPostOpAttrXdrSize : 4) +
         (has_handle ? kPostOpFhXdrSize : 4);
}

// A byte budget: Take succeeds only while the running total stays within the limit.
class ByteBudget {
 public:
  explicit ByteBudget(size_t limit, size_t already_used = 0) : limit_(limit), used_(already_used) {}
  bool Fits(size_t n) const { return used_ <= limit_ && n <= limit_ - used_; }
  void Take(size_t n) { used_ += n; }
  size_t used() const { return used_; }

 private:
  size_t limit_;
  size_t used_;
};

}  // namespace volumed::nfs3
