// RadosWritableFile: a leveldb::WritableFile on RADOS — one new file incarnation (its chunk
// objects, rados_file_objects.h), written by appends in order.
//
// Append buffers; a full buffer (write_buffer_bytes) is shipped as an asynchronous
// append, and appends to one object are applied in the order they were sent. Flush keeps
// buffering (CEPH.md §3.3.5): until Sync, data lives in this process only, like an
// UNSTABLE NFS write, whose loss the write verifier tells clients about. Sync ships the
// rest and returns only when RADOS acknowledged every append — a RADOS ack means the data
// is on every replica, so no separate flush exists. Close ships and waits the same way.
// The first error is sticky: every later call returns it, nothing is retried blindly (a
// fenced gateway must stop, not resend). Crossing into a new chunk first waits for every
// append to the previous one, so a chunk exists only behind full ones.
//
// Thread-safety: not thread-safe (LevelDB uses a WritableFile from one thread at a time).
#pragma once

#include <leveldb/env.h>
#include <rados/librados.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "storage/rados/rados_file_objects.h"

namespace volumed::storage::rados {

struct WriteLimits {
  size_t write_buffer_bytes = size_t{1} << 20;
  size_t max_append_bytes = size_t{4} << 20;      // well under osd_max_write_size (90 MiB)
  size_t max_in_flight_bytes = size_t{16} << 20;  // then wait for the oldest appends
};

class RadosWritableFile final : public leveldb::WritableFile {
 public:
  // `objects` names a file whose chunk 0 exists and is empty. `check_owned`, when set,
  // runs before every shipment: nothing is shipped unless it says this gateway still owns
  // the directory (RadosEnv::CheckOwned).
  using CheckOwned = std::function<leveldb::Status()>;
  RadosWritableFile(RadosFileObjects objects, WriteLimits limits, CheckOwned check_owned);
  ~RadosWritableFile() override;

  leveldb::Status Append(const leveldb::Slice& data) override;
  leveldb::Status Flush() override;
  leveldb::Status Sync() override;
  leveldb::Status Close() override;

 private:
  leveldb::Status Ship();
  leveldb::Status WaitOldest();
  leveldb::Status WaitAll();
  leveldb::Status Fail(leveldb::Status s);

  struct InFlight {
    librados::AioCompletion* completion;
    std::string object;
    size_t bytes;
  };

  RadosFileObjects objects_;
  const WriteLimits limits_;
  const CheckOwned check_owned_;
  std::string buffer_;          // appended, not yet shipped
  uint64_t shipped_ = 0;        // bytes handed to RADOS (the file offset of buffer_)
  size_t in_flight_bytes_ = 0;  // shipped, not yet acknowledged
  std::deque<InFlight> in_flight_;
  leveldb::Status error_;  // sticky
  bool closed_ = false;
};

}  // namespace volumed::storage::rados
