// Record marking (RFC 5531 §11); the grammar is in record_marking.h.
#include "rpc/record_marking.h"

#include <algorithm>
#include <string>

#include "base/big_endian.h"

namespace volumed::rpc {

namespace {
constexpr uint32_t kLastFragmentBit = 0x80000000u;
}  // namespace

void EncodeLastFragmentHeader(uint32_t length, uint8_t out[4]) {
  StoreBigEndian(out, kLastFragmentBit | (length & ~kLastFragmentBit));
}

RecordReassembler::RecordReassembler(size_t max_record_size, RecordBufferPool* pool)
    : max_record_size_(max_record_size), pool_(pool) {}

Status RecordReassembler::Feed(std::span<const uint8_t> data,
                               std::vector<std::vector<uint8_t>>* records) {
  if (failed_) return InvalidArgument("record stream already failed");
  size_t pos = 0;
  while (pos < data.size() || (in_fragment_ && fragment_remaining_ == 0)) {
    if (!in_fragment_) {
      const size_t take = std::min(data.size() - pos, sizeof(header_) - header_filled_);
      std::copy_n(data.data() + pos, take, header_ + header_filled_);
      header_filled_ += take;
      pos += take;
      if (header_filled_ < sizeof(header_)) break;
      const auto mark = LoadBigEndian<uint32_t>(header_);
      header_filled_ = 0;
      last_fragment_ = (mark & kLastFragmentBit) != 0;
      fragment_remaining_ = mark & ~kLastFragmentBit;
      // Bound before allocating: the record so far plus this fragment must fit the cap.
      if (fragment_remaining_ > max_record_size_ - record_.size()) {
        failed_ = true;
        record_.clear();
        record_.shrink_to_fit();
        return InvalidArgument("record exceeds " + std::to_string(max_record_size_) + " bytes");
      }
      if (!in_record_ && pool_ != nullptr &&
          fragment_remaining_ >= RecordBufferPool::kMinPooledCapacity) {
        record_ = pool_->Take();
      }
      in_fragment_ = true;
      in_record_ = true;
    }
    const size_t take = std::min(data.size() - pos, fragment_remaining_);
    record_.insert(record_.end(), data.data() + pos, data.data() + pos + take);
    pos += take;
    fragment_remaining_ -= take;
    if (fragment_remaining_ > 0) break;  // need more bytes
    in_fragment_ = false;
    if (last_fragment_) {
      records->push_back(std::move(record_));
      record_ = {};
      in_record_ = false;
    }
  }
  return Status::Ok();
}

}  // namespace volumed::rpc
