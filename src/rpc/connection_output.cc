// The output side of a stream connection; the states are described in connection_output.h.
#include "rpc/connection_output.h"

#include <array>
#include <utility>

namespace volumed::rpc {

void ConnectionOutput::AddCalls(size_t n) {
  std::lock_guard lock(mu_);
  calls_in_flight_ += n;
  UpdateInterestLocked();
}

namespace {
// iovecs per send: the replies queued behind the front go out in the same sendmsg (a READ
// reply is up to three: header, data, padding).
constexpr size_t kMaxParts = 64;
}  // namespace

void ConnectionOutput::Complete(std::optional<Reply> reply) {
  {
    std::lock_guard lock(mu_);
    --calls_in_flight_;
    if (reply && !reply->empty() && phase_ != Phase::kClosed) {
      queued_bytes_ += reply->size();
      queue_.push_back(std::move(*reply));
    }
    if (writer_ != Writer::kNone || queue_.empty()) {
      SettleLocked();  // the writer (or EPOLLOUT) sends what was queued
      return;
    }
    writer_ = Writer::kSending;
  }
  SendQueued();
}

void ConnectionOutput::OnWritable() {
  {
    std::lock_guard lock(mu_);
    if (writer_ != Writer::kAwaitingWritable) return;
    writer_ = Writer::kSending;
    UpdateInterestLocked();  // EPOLLOUT is no longer wanted
  }
  SendQueued();
}

bool ConnectionOutput::OnPeerEof() {
  std::lock_guard lock(mu_);
  if (phase_ == Phase::kClosed) return true;
  phase_ = Phase::kDraining;
  if (calls_in_flight_ == 0 && queue_.empty() && writer_ == Writer::kNone) return true;
  UpdateInterestLocked();  // stop reading; finish the replies first
  return false;
}

void ConnectionOutput::SetStarved(bool starved) {
  std::lock_guard lock(mu_);
  starved_ = starved;
  UpdateInterestLocked();
}

void ConnectionOutput::Close() {
  std::lock_guard lock(mu_);
  phase_ = Phase::kClosed;
  if (writer_ == Writer::kSending) return;  // the writer drops the queue on its next turn
  writer_ = Writer::kNone;
  DropQueueLocked();
}

bool ConnectionOutput::Idle() const {
  std::lock_guard lock(mu_);
  return calls_in_flight_ == 0 && queue_.empty() && writer_ == Writer::kNone;
}

bool ConnectionOutput::reading() const {
  std::lock_guard lock(mu_);
  return phase_ != Phase::kClosed && interest_read_;
}

ConnectionOutput::Phase ConnectionOutput::phase() const {
  std::lock_guard lock(mu_);
  return phase_;
}

ConnectionOutput::Writer ConnectionOutput::writer() const {
  std::lock_guard lock(mu_);
  return writer_;
}

size_t ConnectionOutput::calls_in_flight() const {
  std::lock_guard lock(mu_);
  return calls_in_flight_;
}

size_t ConnectionOutput::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_bytes_;
}

void ConnectionOutput::SendQueued() {
  std::array<iovec, kMaxParts> parts;
  for (;;) {
    size_t count = 0;
    {
      std::lock_guard lock(mu_);
      if (phase_ == Phase::kClosed) {
        writer_ = Writer::kNone;
        DropQueueLocked();
        return;
      }
      if (queue_.empty()) {
        writer_ = Writer::kNone;
        SettleLocked();
        return;
      }
      size_t offset = front_sent_;
      for (const Reply& reply : queue_) {
        if (count == parts.size()) break;
        count += reply.Gather(offset, std::span(parts).subspan(count));
        offset = 0;
      }
    }
    const ssize_t sent = socket_->Send(std::span<const iovec>(parts.data(), count));
    std::lock_guard lock(mu_);
    if (sent > 0) {
      auto left = static_cast<size_t>(sent);
      while (left > 0) {
        const size_t rest = queue_.front().size() - front_sent_;
        if (left < rest) {
          front_sent_ += left;
          break;
        }
        left -= rest;
        queued_bytes_ -= queue_.front().size();
        queue_.pop_front();
        front_sent_ = 0;
      }
      continue;
    }
    if (sent == 0 && phase_ != Phase::kClosed) {
      writer_ = Writer::kAwaitingWritable;
      UpdateInterestLocked();
      return;
    }
    // The connection failed (or was closed while we sent).
    if (phase_ != Phase::kClosed) {
      phase_ = Phase::kClosed;
      socket_->Shutdown();
    }
    writer_ = Writer::kNone;
    DropQueueLocked();
    return;
  }
}

void ConnectionOutput::SettleLocked() {
  if (phase_ == Phase::kDraining && calls_in_flight_ == 0 && queue_.empty() &&
      writer_ == Writer::kNone) {
    phase_ = Phase::kClosed;  // every reply is out
    socket_->Shutdown();
    return;
  }
  UpdateInterestLocked();
}

void ConnectionOutput::UpdateInterestLocked() {
  if (phase_ == Phase::kClosed) return;
  const bool read = phase_ == Phase::kOpen && !starved_ &&
                    calls_in_flight_ < limits_.max_calls_in_flight &&
                    queued_bytes_ <= limits_.max_queued_bytes;
  const bool write = writer_ == Writer::kAwaitingWritable;
  if (read == interest_read_ && write == interest_write_) return;
  interest_read_ = read;
  interest_write_ = write;
  socket_->SetInterest(read, write);
}

void ConnectionOutput::DropQueueLocked() {
  queue_.clear();
  front_sent_ = 0;
  queued_bytes_ = 0;
}

}  // namespace volumed::rpc
