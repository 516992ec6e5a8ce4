#include "storage/rados/rados_file_objects.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include "storage/rados/rados_errors.h"
#include "storage/rados/rados_names.h"

namespace volumed::storage::rados {

std::string RadosFileObjects::Chunk(uint64_t n) const { return ChunkObject(file_id_, n); }

leveldb::Status RadosFileObjects::CreateFirst() {
  const std::string oid = Chunk(0);
  const int r = io_->create(oid, true);
  return r < 0 ? RadosError(r, "create", oid) : leveldb::Status::OK();
}

leveldb::Status RadosFileObjects::Size(uint64_t* size) const {
  for (uint64_t n = 0;; ++n) {
    const std::string oid = Chunk(n);
    uint64_t chunk_size = 0;
    time_t mtime = 0;
    const int r = io_->stat(oid, &chunk_size, &mtime);
    if (Classify(r) == RadosOutcome::kNotFound) {
      if (n == 0) return leveldb::Status::IOError(oid, "the file's first object is missing");
      *size = n * chunk_bytes_;
      return leveldb::Status::OK();
    }
    if (r < 0) return RadosError(r, "stat", oid);
    if (chunk_size < chunk_bytes_) {
      *size = n * chunk_bytes_ + chunk_size;
      return leveldb::Status::OK();
    }
  }
}

leveldb::Status RadosFileObjects::Read(uint64_t offset, size_t n, char* scratch,
                                       size_t* got) const {
  *got = 0;
  while (*got < n) {
    const uint64_t at = offset + *got;
    const uint64_t chunk = at / chunk_bytes_;
    const uint64_t in_chunk = at % chunk_bytes_;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n - *got, chunk_bytes_ - in_chunk));
    const std::string oid = Chunk(chunk);
    librados::bufferlist bl;
    const int r = io_->read(oid, bl, want, in_chunk);
    if (Classify(r) == RadosOutcome::kNotFound && chunk > 0) return leveldb::Status::OK();
    if (r < 0) return RadosError(r, "read", oid);
    const size_t len = std::min<size_t>(bl.length(), want);
    bl.begin().copy(len, scratch + *got);
    *got += len;
    if (len < want) return leveldb::Status::OK();  // a short chunk ends the file
  }
  return leveldb::Status::OK();
}

leveldb::Status RadosFileObjects::Remove() {
  // Later chunks first, chunk 0 last: a file whose removal a crash cut short still has its
  // first object, so it stays recognisable until the garbage sweep.
  for (uint64_t n = 1;; ++n) {
    const std::string oid = Chunk(n);
    const int r = io_->remove(oid);
    if (Classify(r) == RadosOutcome::kNotFound) break;
    if (r < 0) return RadosError(r, "remove", oid);
  }
  const std::string first = Chunk(0);
  const int r = io_->remove(first);
  if (r < 0 && Classify(r) != RadosOutcome::kNotFound) return RadosError(r, "remove", first);
  return leveldb::Status::OK();
}

}  // namespace volumed::storage::rados
