#include "storage/rados/rados_writable_file.h"

#include <algorithm>
#include <utility>

#include "storage/rados/rados_errors.h"

namespace volumed::storage::rados {

RadosWritableFile::RadosWritableFile(RadosFileObjects objects, WriteLimits limits,
                                     CheckOwned check_owned)
    : objects_(std::move(objects)), limits_(limits), check_owned_(std::move(check_owned)) {}

RadosWritableFile::~RadosWritableFile() {
  if (!closed_) (void)Close();
  // Close waited for everything; a failed wait may leave completions to release.
  for (auto& f : in_flight_) {
    f.completion->wait_for_complete();
    f.completion->release();
  }
}

leveldb::Status RadosWritableFile::Fail(leveldb::Status s) {
  if (error_.ok()) error_ = s;
  return error_;
}

leveldb::Status RadosWritableFile::Append(const leveldb::Slice& data) {
  if (!error_.ok()) return error_;
  if (closed_) return Fail(leveldb::Status::IOError(objects_.file_id(), "append after close"));
  buffer_.append(data.data(), data.size());
  if (buffer_.size() >= limits_.write_buffer_bytes) return Ship();
  return leveldb::Status::OK();
}

leveldb::Status RadosWritableFile::Flush() { return error_; }

leveldb::Status RadosWritableFile::Sync() {
  if (!error_.ok()) return error_;
  leveldb::Status s = Ship();
  if (!s.ok()) return s;
  return WaitAll();
}

leveldb::Status RadosWritableFile::Close() {
  if (closed_) return error_;
  leveldb::Status s = Sync();
  closed_ = true;
  return s;
}

leveldb::Status RadosWritableFile::Ship() {
  if (check_owned_) {
    if (leveldb::Status s = check_owned_(); !s.ok()) return Fail(s);
  }
  size_t done = 0;
  while (done < buffer_.size()) {
    const uint64_t chunk = shipped_ / objects_.chunk_bytes();
    const uint64_t room = objects_.chunk_bytes() - shipped_ % objects_.chunk_bytes();
    if (shipped_ > 0 && shipped_ % objects_.chunk_bytes() == 0) {
      // A new chunk: the previous one must be complete before this one exists.
      leveldb::Status s = WaitAll();
      if (!s.ok()) return s;
    }
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>({buffer_.size() - done, room, limits_.max_append_bytes}));
    while (!in_flight_.empty() && in_flight_bytes_ + n > limits_.max_in_flight_bytes) {
      leveldb::Status s = WaitOldest();
      if (!s.ok()) return s;
    }
    librados::bufferlist bl;
    bl.append(buffer_.data() + done, n);  // copies: buffer_ is reused at once
    InFlight f{librados::Rados::aio_create_completion(), objects_.Chunk(chunk), n};
    librados::IoCtx* io = objects_.io();
    const int r = io->aio_append(f.object, f.completion, bl, n);
    if (r < 0) {
      f.completion->release();
      return Fail(RadosError(r, "append", f.object));
    }
    in_flight_.push_back(std::move(f));
    in_flight_bytes_ += n;
    shipped_ += n;
    done += n;
  }
  buffer_.clear();
  return leveldb::Status::OK();
}

leveldb::Status RadosWritableFile::WaitOldest() {
  InFlight f = std::move(in_flight_.front());
  in_flight_.pop_front();
  in_flight_bytes_ -= f.bytes;
  f.completion->wait_for_complete();
  const int r = f.completion->get_return_value();
  f.completion->release();
  if (r < 0) return Fail(RadosError(r, "append", f.object));
  return leveldb::Status::OK();
}

leveldb::Status RadosWritableFile::WaitAll() {
  leveldb::Status first;
  while (!in_flight_.empty()) {
    leveldb::Status s = WaitOldest();
    if (first.ok() && !s.ok()) first = s;
  }
  return first.ok() ? error_ : first;
}

}  // namespace volumed::storage::rados
