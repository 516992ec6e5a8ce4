#include "storage/rados/rados_readable_files.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace volumed::storage::rados {

RadosSequentialFile::RadosSequentialFile(RadosFileObjects objects, size_t readahead_bytes)
    : objects_(std::move(objects)), readahead_bytes_(readahead_bytes) {}

leveldb::Status RadosSequentialFile::Read(size_t n, leveldb::Slice* result, char* scratch) {
  size_t copied = 0;
  while (copied < n) {
    if (pos_ == buffer_.size()) {
      if (at_end_) break;
      offset_ += buffer_.size();
      const size_t want = std::max(readahead_bytes_, n - copied);
      buffer_.resize(want);
      size_t got = 0;
      leveldb::Status s = objects_.Read(offset_, want, buffer_.data(), &got);
      if (!s.ok()) {
        buffer_.clear();
        pos_ = 0;
        return s;
      }
      buffer_.resize(got);
      pos_ = 0;
      at_end_ = got < want;
      if (got == 0) break;
    }
    const size_t take = std::min(n - copied, buffer_.size() - pos_);
    std::memcpy(scratch + copied, buffer_.data() + pos_, take);
    pos_ += take;
    copied += take;
  }
  *result = leveldb::Slice(scratch, copied);
  return leveldb::Status::OK();
}

leveldb::Status RadosSequentialFile::Skip(uint64_t n) {
  const uint64_t in_buffer = buffer_.size() - pos_;
  if (n <= in_buffer) {
    pos_ += static_cast<size_t>(n);
    return leveldb::Status::OK();
  }
  // Past the buffer: drop it and continue from the new offset (beyond the end is allowed;
  // reads there return nothing).
  offset_ += buffer_.size() + (n - in_buffer);
  buffer_.clear();
  pos_ = 0;
  at_end_ = false;
  return leveldb::Status::OK();
}

RadosRandomAccessFile::RadosRandomAccessFile(RadosFileObjects objects, std::string cache_key,
                                             RadosReadCache* cache)
    : objects_(std::move(objects)), cache_key_(std::move(cache_key)), cache_(cache) {}

leveldb::Status RadosRandomAccessFile::Fetch(uint64_t extent, RadosReadCache::Extent* out) const {
  RadosReadCache::Extent hit = cache_->Lookup(cache_key_, extent);
  if (!hit) {
    const size_t size = cache_->extent_bytes();
    std::string bytes(size, '\0');
    size_t got = 0;
    leveldb::Status s = objects_.Read(extent * size, size, bytes.data(), &got);
    if (!s.ok()) return s;
    bytes.resize(got);
    hit = cache_->Insert(cache_key_, extent, std::move(bytes));
  }
  *out = std::move(hit);
  return leveldb::Status::OK();
}

leveldb::Status RadosRandomAccessFile::Read(uint64_t offset, size_t n, leveldb::Slice* result,
                                            char* scratch) const {
  const size_t extent_bytes = cache_->extent_bytes();
  size_t copied = 0;
  while (copied < n) {
    const uint64_t at = offset + copied;
    RadosReadCache::Extent e;
    leveldb::Status s = Fetch(at / extent_bytes, &e);
    if (!s.ok()) return s;
    const size_t in_extent = static_cast<size_t>(at % extent_bytes);
    const std::string& bytes = e.bytes();
    if (in_extent >= bytes.size()) break;  // past the end of the file
    const size_t take = std::min(n - copied, bytes.size() - in_extent);
    std::memcpy(scratch + copied, bytes.data() + in_extent, take);
    copied += take;
    if (bytes.size() < extent_bytes) break;  // a short extent is the file's last
  }
  *result = leveldb::Slice(scratch, copied);
  return leveldb::Status::OK();
}

}  // namespace volumed::storage::rados
