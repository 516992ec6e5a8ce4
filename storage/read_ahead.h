// ReadAhead: one volume's sequential-read detection and prefetch (storage/TUNING.md,
// "Cold sequential reads"). Every READ reports where it read (OnRead). A small table
// remembers, per inode, where its last reads ended; a read that starts near that end (the
// client's reads in flight arrive a little out of order) continues the file's stream.
// From the fourth read in a row of a stream on, whenever the reader comes within half a window of
// where prefetching has reached, one prefetch of the next window is posted to an Executor
// shared with every volume (no thread per volume): the `warm` function walks the file's
// blocks there so that the table pages are in the page cache and decompressed blocks in
// the block cache when the READs arrive. It only warms caches and never hands data to a
// reader, so it can never make a read stale; a write racing with it changes nothing.
//
// Bounds: at most `max_streams` inodes remembered per volume (the least recently read
// one is forgotten), one prefetch per stream in flight (queued or running), at most
// `max_in_flight` per volume and, across volumes, what a shared ReadAheadBudget allows.
// A read that finds no room starts none: read-ahead is a hint, never a queue.
//
// A walk also ends when the reader has passed it (what is left behind the reader would
// be read for nothing; the reader's next READ starts a new one ahead of it).
//
// Stop() (the volume closing) cancels queued prefetches, asks running ones to end at
// their next block (the `keep_going` callback turns false) and waits for them; `warm`
// may use the volume freely until Stop returns. The executor's queue may outlive this
// object: a queued prefetch holds only shared state.
//
// Figures: stats() counts this volume's since it opened; a ReadAheadTotals shared by the
// catalog sums every volume's since the server started (/metrics reads it through
// VolumeCatalog::TotalReadAhead, storage knowing nothing of metrics).
//
// Thread-safety: thread-safe. Stop must not be called from `warm`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/executor.h"
#include "base/result.h"
#include "storage/types.h"

namespace volumed::storage {

// Prefetches in flight across every volume that shares it, up to a maximum.
//
// Thread-safety: thread-safe.
class ReadAheadBudget {
 public:
  explicit ReadAheadBudget(size_t max_in_flight) : max_(max_in_flight) {}
  // False when `max_in_flight` are already in flight.
  bool TryAcquire();
  void Release() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  const size_t max_;
  std::atomic<size_t> in_flight_{0};
};

struct ReadAheadLimits {
  // Bytes warmed ahead of the reader; a new window is posted when the reader is within
  // half of it from where prefetching reached. 0 turns read-ahead off.
  uint64_t window_bytes = uint64_t{8} << 20;
  size_t max_streams = 32;
  size_t max_in_flight = 4;
};

struct ReadAheadStats {
  uint64_t sequential_reads = 0;  // reads that continued a stream
  uint64_t prefetches = 0;        // prefetches posted
  uint64_t prefetched_bytes = 0;  // stored bytes the finished prefetches walked
  uint64_t skipped = 0;           // prefetches due but not posted: a cap was reached
  // Prefetches that ended before their window's end: the reader passed them, nobody read
  // the file any more, or the volume closed (a queued one is then not run at all).
  uint64_t stopped = 0;

  ReadAheadStats& operator+=(const ReadAheadStats& delta);
};

// ReadAheadStats summed over every ReadAhead that reports into it, whatever became of the
// volumes since.
//
// Thread-safety: thread-safe and lock-free (relaxed atomics; a read may see one figure of
// a concurrent Add before another).
class ReadAheadTotals {
 public:
  void Add(const ReadAheadStats& delta);
  ReadAheadStats Read() const;

 private:
  std::atomic<uint64_t> sequential_reads_{0};
  std::atomic<uint64_t> prefetches_{0};
  std::atomic<uint64_t> prefetched_bytes_{0};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> stopped_{0};
};

class ReadAhead {
 public:
  // Walks the stored blocks of `ino` in [offset, offset + len), asking `keep_going` with
  // each block's file offset before it and stopping when it returns false; returns the
  // stored bytes it walked.
  using KeepGoing = std::function<bool(uint64_t offset)>;
  using Warm = std::function<Result<uint64_t>(InodeId ino, uint64_t offset, uint64_t len,
                                              const KeepGoing& keep_going)>;

  // `executor` must outlive Stop(); `budget` is shared with the other volumes, and so is
  // `totals` (null: this volume's figures are only in stats()).
  ReadAhead(Executor* executor, std::shared_ptr<ReadAheadBudget> budget,
            std::shared_ptr<ReadAheadTotals> totals, ReadAheadLimits limits, Warm warm);
  ~ReadAhead() { Stop(); }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // A READ of `len` bytes at `offset` of `ino`, whose size is `file_size`. Cheap: one
  // mutex and a scan of at most max_streams entries.
  void OnRead(InodeId ino, uint64_t offset, uint64_t len, uint64_t file_size);
  // Idempotent.
  void Stop();
  ReadAheadStats stats() const;

 private:
  struct Stream {
    InodeId ino = 0;
    uint64_t end = 0;        // the furthest end of the stream's reads
    uint64_t warmed_to = 0;  // prefetches posted cover the file up to here
    uint64_t last_use = 0;   // State::clock when last read
    bool in_flight = false;  // a prefetch of this stream is queued or running
    uint32_t run = 0;        // reads in a row that continued the stream (capped)
  };
  struct State {
    Warm warm;
    std::shared_ptr<ReadAheadBudget> budget;
    mutable std::mutex mu;
    std::condition_variable idle_cv;          // signalled when a prefetch ends
    std::vector<Stream> streams;              // guarded by mu; at most max_streams
    uint64_t clock = 0;                       // guarded by mu
    size_t in_flight = 0;                     // guarded by mu: queued or running
    size_t running = 0;                       // guarded by mu
    std::atomic<bool> stopped{false};         // set under mu
    ReadAheadStats stats;                     // guarded by mu
    std::shared_ptr<ReadAheadTotals> totals;  // may be null

    // Adds `delta` to stats and totals. Caller holds mu.
    void Count(const ReadAheadStats& delta);
  };
  // Finds or makes the entry for `ino` (forgetting the least recently used one when the
  // table is full). Caller holds mu.
  Stream* StreamFor(InodeId ino, bool* fresh);
  static void Run(const std::shared_ptr<State>& state, InodeId ino, uint64_t offset, uint64_t len);

  Executor* const executor_;
  const ReadAheadLimits limits_;
  const std::shared_ptr<State> state_;
};

}  // namespace volumed::storage
