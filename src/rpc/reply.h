// Reply: one encoded RPC reply on its way to a transport — the record-mark slot, the reply
// header and the results — where the results' long opaque parts (a READ's data) are not
// copied into the reply but referenced where the handler's decoded result holds them.
//
// Layout: the reply's own bytes (`bytes_`: everything but the referenced parts) with each
// reference spliced in at an offset of them, in order. The record-mark slot (the first 4
// bytes, call_codec.h) counts the referenced bytes too. What the references point to is
// kept alive by an owner the reply holds (Retain: the dispatcher hands it the decoded
// result, which is xdr_free'd when the last reply holding it is gone).
//
// A stream sender gathers the bytes as iovecs (Gather: a READ reply goes out as header,
// data and padding in one sendmsg, the data never copied after the store filled it); the
// duplicate-request cache, a UDP datagram's checks and tests take a contiguous copy
// (Flatten).
//
// Thread-safety: a value type, moved between threads; the referenced bytes are never
// written once referenced, so a reply may be sent from any thread.
#pragma once

#include <rpc/rpc.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace volumed::rpc {

// The slot in front of every stream reply for its TCP record mark (record_marking.h); UDP
// senders skip it.
inline constexpr size_t kRecordMarkSlot = 4;

class Reply {
 public:
  // Opaque parts at least this long are referenced, shorter ones copied (an iovec and the
  // owner's lifetime cost more than copying a file handle or a name). Above an NLM
  // cookie's 1,024 bytes, so a result's status word always lies in head().
  static constexpr size_t kMinReferencedBytes = 2048;

  Reply() = default;
  // A reply that is all its own bytes (implicit: every fixed-form reply is one).
  Reply(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}  // NOLINT(runtime/explicit)

  // Bytes on the wire, record-mark slot included.
  size_t size() const { return bytes_.size() + referenced_bytes_; }
  bool empty() const { return size() == 0; }
  // The bytes before the first referenced part: the header and the results' leading words.
  std::span<const uint8_t> head() const;
  // The iovecs for the bytes from `offset` on, at most out.size() of them; returns how many
  // were filled (0 when `offset` is at or past the end).
  size_t Gather(size_t offset, std::span<iovec> out) const;
  // One contiguous copy of every byte.
  std::vector<uint8_t> Flatten() const;

  // Encodes `value` with `encode` (libtirpc XDR) after the bytes so far, referencing its
  // opaque parts of kMinReferencedBytes or more; false (the reply unchanged) when the
  // encoder fails. The referenced memory must stay unchanged until the reply is gone:
  // hand its owner to Retain.
  bool AppendXdr(xdrproc_t encode, void* value);
  // Some opaque part is referenced (its owner must then be handed to Retain).
  bool references() const { return !references_.empty(); }
  // Keeps `owner` alive as long as the reply (or a moved-to reply).
  void Retain(std::shared_ptr<void> owner) { owner_ = std::move(owner); }
  // Fills the record-mark slot for one last fragment of everything after it.
  void MarkRecord();

 private:
  class XdrSink;  // the XDR stream AppendXdr encodes through (reply.cc)

  struct Reference {
    size_t at;  // offset in bytes_ the part is spliced in before
    const uint8_t* data;
    size_t len;
  };

  std::vector<uint8_t> bytes_;
  std::vector<Reference> references_;
  size_t referenced_bytes_ = 0;
  std::shared_ptr<void> owner_;
};

}  // namespace volumed::rpc
