#include "storage/read_ahead.h"

#include <algorithm>
#include <utility>

namespace volumed::storage {
namespace {

// How far from the end of a stream's last reads a read may start and still continue it,
// in READs of its own size: a client keeps several READs in flight and two workers may
// take them out of order. Small reads get a small slack, so random 4 KiB reads almost
// never look sequential (and two such reads in a row are needed before anything starts).
constexpr uint64_t kSlackReads = 8;
// Reads in a row that must continue a stream before it is read ahead: a random reader
// lands near the previous read now and then (4 KiB reads of an 8 MiB file: 1 in 120),
// three times in a row hardly ever.
constexpr uint32_t kRunBeforePrefetch = 3;

}  // namespace

bool ReadAheadBudget::TryAcquire() {
  size_t n = in_flight_.load(std::memory_order_relaxed);
  do {
    if (n >= max_) return false;
  } while (!in_flight_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

void ReadAheadTotals::Add(const ReadAheadStats& delta) {
  sequential_reads_.fetch_add(delta.sequential_reads, std::memory_order_relaxed);
  prefetches_.fetch_add(delta.prefetches, std::memory_order_relaxed);
  prefetched_bytes_.fetch_add(delta.prefetched_bytes, std::memory_order_relaxed);
  skipped_.fetch_add(delta.skipped, std::memory_order_relaxed);
  stopped_.fetch_add(delta.stopped, std::memory_order_relaxed);
}

ReadAheadStats ReadAheadTotals::Read() const {
  ReadAheadStats out;
  out.sequential_reads = sequential_reads_.load(std::memory_order_relaxed);
  out.prefetches = prefetches_.load(std::memory_order_relaxed);
  out.prefetched_bytes = prefetched_bytes_.load(std::memory_order_relaxed);
  out.skipped = skipped_.load(std::memory_order_relaxed);
  out.stopped = stopped_.load(std::memory_order_relaxed);
  return out;
}

ReadAheadStats& ReadAheadStats::operator+=(const ReadAheadStats& delta) {
  sequential_reads += delta.sequential_reads;
  prefetches += delta.prefetches;
  prefetched_bytes += delta.prefetched_bytes;
  skipped += delta.skipped;
  stopped += delta.stopped;
  return *this;
}

void ReadAhead::State::Count(const ReadAheadStats& delta) {
  stats += delta;
  if (totals != nullptr) totals->Add(delta);
}

ReadAhead::ReadAhead(Executor* executor, std::shared_ptr<ReadAheadBudget> budget,
                     std::shared_ptr<ReadAheadTotals> totals, ReadAheadLimits limits, Warm warm)
    : executor_(executor), limits_(limits), state_(std::make_shared<State>()) {
  state_->warm = std::move(warm);
  state_->budget = std::move(budget);
  state_->totals = std::move(totals);
}

ReadAhead::Stream* ReadAhead::StreamFor(InodeId ino, bool* fresh) {
  auto& streams = state_->streams;
  *fresh = false;
  for (Stream& s : streams) {
    if (s.ino == ino) return &s;
  }
  *fresh = true;
  if (streams.size() < limits_.max_streams) return &streams.emplace_back();
  // Forget the least recently read stream; one whose prefetch is in flight is kept, so
  // that its completion finds it (when all are in flight, the read is not tracked).
  Stream* oldest = nullptr;
  for (Stream& s : streams) {
    if (!s.in_flight && (oldest == nullptr || s.last_use < oldest->last_use)) oldest = &s;
  }
  if (oldest != nullptr) *oldest = Stream{};
  return oldest;
}

void ReadAhead::OnRead(InodeId ino, uint64_t offset, uint64_t len, uint64_t file_size) {
  if (limits_.window_bytes == 0 || limits_.max_streams == 0 || len == 0) return;
  const uint64_t reader_end = offset + len;
  uint64_t from = 0;
  uint64_t to = 0;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped.load(std::memory_order_relaxed)) return;
    bool fresh = false;
    Stream* s = StreamFor(ino, &fresh);
    if (s == nullptr) return;
    s->last_use = ++state_->clock;
    const uint64_t slack = std::min(kSlackReads * len, limits_.window_bytes);
    const bool continues = !fresh && offset + slack >= s->end && offset <= s->end + slack;
    if (!continues) {
      s->ino = ino;
      s->end = reader_end;
      s->warmed_to = reader_end;
      s->run = 0;
      return;
    }
    s->run = std::min(s->run + 1, kRunBeforePrefetch);
    s->end = std::max(s->end, reader_end);
    state_->Count({.sequential_reads = 1});
    if (s->run < kRunBeforePrefetch || s->in_flight) return;
    // A reader that overtook its prefetch: start again where it is.
    from = std::max(s->warmed_to, s->end);
    if (from >= file_size || from - s->end > limits_.window_bytes / 2) return;
    to = std::min(file_size, s->end + limits_.window_bytes);
    if (state_->in_flight >= limits_.max_in_flight || !state_->budget->TryAcquire()) {
      state_->Count({.skipped = 1});
      return;
    }
    s->in_flight = true;
    s->warmed_to = to;
    ++state_->in_flight;
    state_->Count({.prefetches = 1});
  }
  // Gives the prefetch's slots back when the task is gone, run or dropped unrun by an
  // executor shutting down.
  struct Ticket {
    Ticket(std::shared_ptr<State> s, InodeId i) : state(std::move(s)), ino(i) {}
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    std::shared_ptr<State> state;
    InodeId ino;
    ~Ticket() {
      {
        std::lock_guard lock(state->mu);
        --state->in_flight;
        for (Stream& s : state->streams) {
          if (s.ino == ino) s.in_flight = false;
        }
      }
      state->budget->Release();
    }
  };
  auto ticket = std::make_shared<Ticket>(state_, ino);
  executor_->Post([ticket, ino, from, len = to - from] { Run(ticket->state, ino, from, len); });
}

void ReadAhead::Run(const std::shared_ptr<State>& state, InodeId ino, uint64_t offset,
                    uint64_t len) {
  {
    std::lock_guard lock(state->mu);
    if (state->stopped.load(std::memory_order_relaxed)) {
      state->Count({.stopped = 1});
      return;
    }
    ++state->running;
  }
  auto keep_going = [&](uint64_t at) {
    if (state->stopped.load(std::memory_order_relaxed)) return false;
    std::lock_guard lock(state->mu);
    for (const Stream& s : state->streams) {
      if (s.ino == ino) return s.end <= at;
    }
    return false;  // forgotten: nobody reads this file any more
  };
  bool cut_short = false;  // the walk stops at the first `false`
  Result<uint64_t> walked = state->warm(ino, offset, len, [&](uint64_t at) {
    if (keep_going(at)) return true;
    cut_short = true;
    return false;
  });
  {
    std::lock_guard lock(state->mu);
    --state->running;
    // A failed walk only means a colder read later; the READ itself reports errors.
    state->Count({.prefetched_bytes = walked.ok() ? *walked : 0, .stopped = cut_short ? 1u : 0u});
  }
  state->idle_cv.notify_all();
}

void ReadAhead::Stop() {
  std::unique_lock lock(state_->mu);
  state_->stopped.store(true, std::memory_order_relaxed);
  state_->idle_cv.wait(lock, [&] { return state_->running == 0; });
}

ReadAheadStats ReadAhead::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

}  // namespace volumed::storage
