#include "storage/write_queue.h"

#include <leveldb/write_batch.h>

#include <vector>

#include "storage/key_codec.h"

namespace volumed::storage {
namespace {

// Groups stop growing here so one huge group does not delay its first writer for long.
constexpr size_t kMaxGroupBytes = size_t{8} << 20;

uint64_t Apply(uint64_t value, int64_t delta) {
  if (delta < 0 && static_cast<uint64_t>(-delta) > value) return 0;
  return value + static_cast<uint64_t>(delta);
}

}  // namespace

struct WriteQueue::Writer {
  Writer(leveldb::WriteBatch* b, bool n, Delta d) : batch(b), needed(n), delta(d) {}
  leveldb::WriteBatch* batch;  // null: a Quiesce, which no group takes in
  bool needed;
  Delta delta;
  bool done = false;
  Status status;
  std::condition_variable cv;
};

WriteQueue::WriteQueue(Kv* kv, Durability* durability, const CountersRecord& initial,
                       const Quota& quota)
    : kv_(kv),
      durability_(durability),
      next_ino_(initial.next_ino),
      counters_(initial),
      quota_(quota) {}

bool WriteQueue::Exceeds(const CountersRecord& c, const Delta& d) const {
  if (d.bytes > 0 && quota_.max_bytes != 0 &&
      c.used_bytes + static_cast<uint64_t>(d.bytes) > quota_.max_bytes) {
    return true;
  }
  if (d.files > 0 && quota_.max_files != 0 &&
      c.used_files + static_cast<uint64_t>(d.files) > quota_.max_files) {
    return true;
  }
  return false;
}

Status WriteQueue::Commit(leveldb::WriteBatch* batch, bool needed, Delta delta) {
  Writer w{batch, needed, delta};
  std::unique_lock<std::mutex> l(mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.wait(l);
  if (w.done) return w.status;

  // This writer leads: take the writers queued behind it into one group. A leader alone
  // writes its own batch: copying a 1 MiB WRITE's batch into a group cost a third of
  // the server's CPU on streaming writes (storage/TUNING.md, "The data path").
  leveldb::WriteBatch group;
  size_t group_bytes = 0;
  CountersRecord next = counters_;
  int64_t next_deferred = deferred_;
  bool group_needed = false;
  bool group_counters = false;
  std::vector<Writer*> taken;
  std::vector<leveldb::WriteBatch*> batches;
  for (Writer* x : writers_) {
    if (x != &w && (group_bytes > kMaxGroupBytes || x->batch == nullptr)) break;
    taken.push_back(x);
    if (Exceeds(next, x->delta)) {
      x->status = Status(Status::Code::kQuotaExceeded, "volume quota exceeded");
      continue;
    }
    next.used_bytes = Apply(next.used_bytes, x->delta.bytes);
    next.used_files = Apply(next.used_files, x->delta.files);
    next_deferred += x->delta.deferred;
    group_needed = group_needed || x->needed;
    group_counters = group_counters || x->delta.counters;
    batches.push_back(x->batch);
    group_bytes += x->batch->ApproximateSize();
  }
  next.next_ino = next_ino_.load();
  leveldb::WriteBatch* out = &group;
  if (batches.size() == 1) {
    out = batches.front();  // the caller's batch is spent once committed
  } else {
    for (leveldb::WriteBatch* b : batches) group.Append(*b);
  }
  if (group_counters) {
    CountersRecord written = next;
    written.used_bytes = Apply(written.used_bytes, -next_deferred);
    // Last in the batch, so it wins over any counters record a retried batch still holds.
    out->Put(keys::Super(keys::kSuperCounters), Encode(written));
  }

  l.unlock();
  Status s = kv_->Write(out, false);
  l.lock();
  if (s.ok()) {
    counters_ = next;
    deferred_ = next_deferred;
    durability_->Applied(++group_seq_, group_needed);
  }
  for (Writer* x : taken) {
    if (x->status.ok()) x->status = s;
    x->done = true;
    writers_.pop_front();
    if (x != &w) x->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return w.status;
}

Status WriteQueue::Quiesce(const std::function<Status()>& work) {
  Writer w{nullptr, false, Delta{}};
  std::unique_lock<std::mutex> l(mu_);
  writers_.push_back(&w);
  // At the front, every earlier group is written; later writers queue behind this one.
  while (&w != writers_.front()) w.cv.wait(l);
  l.unlock();
  Status s = work();
  l.lock();
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return s;
}

void WriteQueue::SetQuota(const Quota& quota) {
  std::lock_guard<std::mutex> l(mu_);
  quota_ = quota;
}

Quota WriteQueue::quota() {
  std::lock_guard<std::mutex> l(mu_);
  return quota_;
}

CountersRecord WriteQueue::counters() {
  std::lock_guard<std::mutex> l(mu_);
  CountersRecord c = counters_;
  c.next_ino = next_ino_.load();
  return c;
}

}  // namespace volumed::storage
