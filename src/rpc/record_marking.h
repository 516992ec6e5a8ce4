// RecordReassembler: turns the byte stream of one TCP (or Unix-domain) connection into
// the RPC records it carries, per RFC 5531 §11 (record marking).
//
// Wire grammar:
//   stream   = *record
//   record   = *fragment last-fragment
//   fragment = header(4 bytes, big-endian) payload
//   header   = bit 31: 1 if this is the last fragment of the record
//              bits 0-30: payload length in bytes (0 allowed)
//
// The total size of one record is capped (`max_record_size`); a peer that announces or
// sends more is a protocol violation and the caller must drop the connection. Memory is
// only allocated for bytes that actually arrived, never for a length a peer announces; a
// record whose first fragment announces at least RecordBufferPool::kMinPooledCapacity bytes
// starts in a buffer taken from the pool, if one was given (memory that exists already).
//
// Thread-safety: not thread-safe; one reassembler belongs to one connection's reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "rpc/record_buffer_pool.h"

namespace volumed::rpc {

// 1 MiB of NFS WRITE payload plus headroom for the call header and WRITE3args.
inline constexpr size_t kDefaultMaxRecordSize = (1u << 20) + (64u << 10);

// The 4-byte record mark for a single-fragment record of `length` bytes.
void EncodeLastFragmentHeader(uint32_t length, uint8_t out[4]);

class RecordReassembler {
 public:
  explicit RecordReassembler(size_t max_record_size = kDefaultMaxRecordSize,
                             RecordBufferPool* pool = nullptr);

  // Consumes `data`; appends every record completed by it to `records` (in order).
  // Returns InvalidArgument when the peer exceeded the record size cap; the stream is
  // then unusable and the connection must be closed.
  Status Feed(std::span<const uint8_t> data, std::vector<std::vector<uint8_t>>* records);

  // True when bytes of an unfinished record (or record mark) are buffered.
  bool HasPartialRecord() const { return header_filled_ > 0 || !record_.empty() || in_record_; }

  // Bytes currently held for the unfinished record.
  size_t buffered_bytes() const { return record_.size(); }

 private:
  const size_t max_record_size_;
  RecordBufferPool* const pool_;
  uint8_t header_[4] = {};
  size_t header_filled_ = 0;       // bytes of the current fragment header seen
  size_t fragment_remaining_ = 0;  // payload bytes still expected for this fragment
  bool in_fragment_ = false;       // header complete, payload (possibly empty) pending
  bool last_fragment_ = false;     // the current fragment ends the record
  bool in_record_ = false;         // at least one fragment of the record has started
  bool failed_ = false;
  std::vector<uint8_t> record_;
};

}  // namespace volumed::rpc
