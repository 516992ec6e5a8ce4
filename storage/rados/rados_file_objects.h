// RadosFileObjects: the bytes of one file incarnation, stored as a run of chunk objects
// (rados_names.h: "<file id>/<n>", each at most `chunk_bytes`), so that no file — a
// long-lived MANIFEST above all, which LevelDB appends to until the next open — ever
// reaches RADOS's object size limit (osd_max_object_size, 128 MiB by default). Chunk 0
// exists from the file's creation on; a later chunk exists once a byte was written to it.
//
// Thread-safety: stateless helpers over a thread-safe librados IoCtx.
#pragma once

#include <leveldb/status.h>
#include <rados/librados.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace volumed::storage::rados {

class RadosFileObjects {
 public:
  RadosFileObjects(librados::IoCtx* io, std::string file_id, uint64_t chunk_bytes)
      : io_(io), file_id_(std::move(file_id)), chunk_bytes_(chunk_bytes) {}

  librados::IoCtx* io() const { return io_; }
  const std::string& file_id() const { return file_id_; }
  uint64_t chunk_bytes() const { return chunk_bytes_; }
  std::string Chunk(uint64_t n) const;

  // Creates chunk 0; fails if it exists (file ids are never reused).
  leveldb::Status CreateFirst();
  // The file's length: full chunks up to the first short (or missing) one.
  leveldb::Status Size(uint64_t* size) const;
  // Reads up to n bytes at `offset` into `scratch`; *got < n only at the end of the file.
  leveldb::Status Read(uint64_t offset, size_t n, char* scratch, size_t* got) const;
  // Removes every chunk (chunk 0 last); a file already gone is fine.
  leveldb::Status Remove();

 private:
  librados::IoCtx* const io_;
  const std::string file_id_;
  const uint64_t chunk_bytes_;
};

}  // namespace volumed::storage::rados
