// RadosSequentialFile and RadosRandomAccessFile: leveldb read interfaces over one RADOS
// file incarnation (rados_file_objects.h).
//
// SequentialFile (CURRENT, MANIFEST and log replay at open) reads ahead in large pieces,
// so replaying a log costs one round trip per readahead, not per 32 KiB log block.
// RandomAccessFile (tables, which LevelDB never changes once written) serves every read
// from the Env's shared extent cache (rados_read_cache.h), reading a whole extent on a
// miss.
//
// Thread-safety: SequentialFile is not thread-safe (as LevelDB requires);
// RandomAccessFile is thread-safe.
#pragma once

#include <leveldb/env.h>

#include <string>

#include "storage/rados/rados_file_objects.h"
#include "storage/rados/rados_read_cache.h"

namespace volumed::storage::rados {

class RadosSequentialFile final : public leveldb::SequentialFile {
 public:
  RadosSequentialFile(RadosFileObjects objects, size_t readahead_bytes);

  leveldb::Status Read(size_t n, leveldb::Slice* result, char* scratch) override;
  leveldb::Status Skip(uint64_t n) override;

 private:
  RadosFileObjects objects_;
  const size_t readahead_bytes_;
  uint64_t offset_ = 0;  // file offset of buffer_[pos_]
  std::string buffer_;
  size_t pos_ = 0;
  bool at_end_ = false;  // the last fill was short: the file ends at buffer_'s end
};

class RadosRandomAccessFile final : public leveldb::RandomAccessFile {
 public:
  // `cache_key` names the incarnation uniquely in `cache` (namespace + file id).
  RadosRandomAccessFile(RadosFileObjects objects, std::string cache_key, RadosReadCache* cache);

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override;

 private:
  leveldb::Status Fetch(uint64_t extent, RadosReadCache::Extent* out) const;

  const RadosFileObjects objects_;
  const std::string cache_key_;
  RadosReadCache* const cache_;
};

}  // namespace volumed::storage::rados
