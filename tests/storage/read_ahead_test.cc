// Read-ahead (storage/read_ahead.h): sequential reads post prefetches of the next window
// and random reads post none; the caps hold; Stop cancels queued prefetches and ends a
// running one; and on a volume: prefetches warm while reads go on, a volume closed or
// deleted while prefetches run is safe, and reads racing with writes and prefetches
// return exactly what was written.
#include "storage/read_ahead.h"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "catalog_fixture.h"
#include "storage/catalog.h"
#include "volume_fixture.h"

namespace volumed::storage {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;

// What the warm function was asked for.
struct Warmed {
  InodeId ino;
  uint64_t offset;
  uint64_t len;
};

// A ReadAhead whose warm function records its calls; `gated` (when set) holds every walk
// until it is opened or the walk is asked to stop.
class Recorder {
 public:
  explicit Recorder(ReadAheadLimits limits, size_t global_cap = 16)
      : budget(std::make_shared<ReadAheadBudget>(global_cap)),
        read_ahead(&executor, budget, totals, limits,
                   [this](InodeId ino, uint64_t offset, uint64_t len,
                          const ReadAhead::KeepGoing& keep_going) -> Result<uint64_t> {
                     std::unique_lock lock(mu);
                     calls.push_back({ino, offset, len});
                     ++started;
                     cv.notify_all();
                     // As a walk at the window's last byte asks.
                     while (gated && keep_going(offset + len - 1)) cv.wait_for(lock, 1ms);
                     return keep_going(offset + len - 1) ? len : 0;
                   }) {}

  void Open() {
    std::lock_guard lock(mu);
    gated = false;
    cv.notify_all();
  }
  bool WaitStarted(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return started >= n; });
  }
  // Waits until nothing is queued or running on the executor.
  void Drain() {
    for (int i = 0; i < 5000 && executor.pending() > 0; ++i) std::this_thread::sleep_for(1ms);
  }
  std::vector<Warmed> Calls() {
    std::lock_guard lock(mu);
    return calls;
  }

  Executor executor{2, Executor::OnShutdown::kDropQueued};
  std::shared_ptr<ReadAheadBudget> budget;
  std::shared_ptr<ReadAheadTotals> totals = std::make_shared<ReadAheadTotals>();
  std::mutex mu;
  std::condition_variable cv;
  bool gated = false;
  size_t started = 0;
  std::vector<Warmed> calls;
  ReadAhead read_ahead;
};

ReadAheadLimits Window(uint64_t bytes) {
  ReadAheadLimits l;
  l.window_bytes = bytes;
  return l;
}

TEST(ReadAheadTest, SequentialReadsPrefetchTheNextWindow) {
  Recorder r(Window(8 * kMiB));
  const uint64_t size = 64 * kMiB;
  // Three reads start nothing; the fourth in a row, the window after it.
  for (uint64_t i = 0; i < 3; ++i) r.read_ahead.OnRead(7, i * kMiB, kMiB, size);
  r.Drain();
  EXPECT_EQ(r.read_ahead.stats().prefetches, 0u);
  r.read_ahead.OnRead(7, 3 * kMiB, kMiB, size);
  r.Drain();
  auto calls = r.Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].ino, 7u);
  EXPECT_EQ(calls[0].offset, 4 * kMiB);
  EXPECT_EQ(calls[0].len, 8 * kMiB);
  // Within half a window of the reader nothing more; past it, the next part.
  r.read_ahead.OnRead(7, 4 * kMiB, kMiB, size);
  r.read_ahead.OnRead(7, 5 * kMiB, kMiB, size);
  r.Drain();
  EXPECT_EQ(r.Calls().size(), 1u);
  r.read_ahead.OnRead(7, 8 * kMiB, kMiB, size);  // out of order, but near: still the stream
  r.Drain();
  calls = r.Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].offset, 12 * kMiB);
  EXPECT_EQ(calls[1].len, 5 * kMiB);  // up to 8 MiB past the reader's end (9 MiB)
  auto stats = r.read_ahead.stats();
  EXPECT_EQ(stats.prefetches, 2u);
  EXPECT_EQ(stats.sequential_reads, 6u);
  EXPECT_EQ(stats.prefetched_bytes, 13 * kMiB);
  EXPECT_EQ(stats.stopped, 0u);
  const ReadAheadStats totals = r.totals->Read();  // what the catalog's /metrics reads
  EXPECT_EQ(totals.prefetches, stats.prefetches);
  EXPECT_EQ(totals.sequential_reads, stats.sequential_reads);
  EXPECT_EQ(totals.prefetched_bytes, stats.prefetched_bytes);
  // Nothing past the end of the file.
  for (uint64_t i = 0; i < 4; ++i) r.read_ahead.OnRead(8, i * kMiB, kMiB, 5 * kMiB);
  r.Drain();
  calls = r.Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].offset, 4 * kMiB);
  EXPECT_EQ(calls[2].offset + calls[2].len, 5 * kMiB);
}

TEST(ReadAheadTest, RandomReadsPrefetchNothing) {
  Recorder r(Window(8 * kMiB));
  std::mt19937_64 rng(5);
  const uint64_t size = 64 * kMiB;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t offset = (rng() % (size / (4 * kKiB))) * 4 * kKiB;
    r.read_ahead.OnRead(3, offset, 4 * kKiB, size);
  }
  r.Drain();
  EXPECT_EQ(r.read_ahead.stats().prefetches, 0u);
  EXPECT_TRUE(r.Calls().empty());
}

TEST(ReadAheadTest, OnePrefetchPerStreamAndCapsHold) {
  ReadAheadLimits limits = Window(kMiB);
  limits.max_in_flight = 2;
  Recorder r(limits, /*global_cap=*/16);
  r.gated = true;
  // Stream 1: its prefetch hangs; later reads of it start no second one.
  for (uint64_t i = 0; i < 8; ++i) r.read_ahead.OnRead(1, i * 64 * kKiB, 64 * kKiB, 64 * kMiB);
  ASSERT_TRUE(r.WaitStarted(1));
  EXPECT_EQ(r.read_ahead.stats().prefetches, 1u);
  // Stream 2 takes the volume's second slot; stream 3 finds none.
  for (InodeId ino : {2, 3}) {
    for (uint64_t i = 0; i < 4; ++i) r.read_ahead.OnRead(ino, i * 64 * kKiB, 64 * kKiB, 64 * kMiB);
  }
  EXPECT_EQ(r.read_ahead.stats().prefetches, 2u);
  EXPECT_EQ(r.read_ahead.stats().skipped, 1u);
  EXPECT_EQ(r.budget->in_flight(), 2u);
  r.Open();
  r.Drain();
  EXPECT_EQ(r.budget->in_flight(), 0u);

  // The shared budget caps across volumes: full, it lets nothing start.
  Recorder capped(Window(kMiB), /*global_cap=*/0);
  for (uint64_t i = 0; i < 6; ++i) capped.read_ahead.OnRead(1, i * kMiB, kMiB, 64 * kMiB);
  EXPECT_EQ(capped.read_ahead.stats().prefetches, 0u);
  EXPECT_GT(capped.read_ahead.stats().skipped, 0u);
}

TEST(ReadAheadTest, StopEndsARunningPrefetchAndDropsQueuedOnes) {
  ReadAheadLimits limits = Window(kMiB);
  limits.max_in_flight = 8;
  Recorder r(limits);
  r.gated = true;
  // Four streams, two threads: two walks run (held by the gate), two wait in the queue.
  for (InodeId ino = 1; ino <= 4; ++ino) {
    for (uint64_t i = 0; i < 4; ++i) r.read_ahead.OnRead(ino, i * kMiB, kMiB, 64 * kMiB);
  }
  ASSERT_TRUE(r.WaitStarted(2));
  r.read_ahead.Stop();  // returns once the running walks saw keep_going turn false
  r.Drain();
  EXPECT_EQ(r.Calls().size(), 2u);  // the queued ones never ran
  EXPECT_EQ(r.budget->in_flight(), 0u);
  EXPECT_EQ(r.read_ahead.stats().stopped, 4u);  // two cut short, two never run
  EXPECT_EQ(r.totals->Read().stopped, 4u);
  for (uint64_t i = 0; i < 4; ++i) r.read_ahead.OnRead(5, i * kMiB, kMiB, 64 * kMiB);
  r.Drain();
  EXPECT_EQ(r.Calls().size(), 2u);  // nothing starts after Stop
}

TEST(ReadAheadTest, AWalkTheReaderPassedEnds) {
  Recorder r(Window(8 * kMiB));
  r.gated = true;
  for (uint64_t i = 0; i < 4; ++i) r.read_ahead.OnRead(1, i * kMiB, kMiB, 64 * kMiB);
  ASSERT_TRUE(r.WaitStarted(1));  // walking [4, 12) MiB, held by the gate
  for (uint64_t i = 4; i < 12; ++i) r.read_ahead.OnRead(1, i * kMiB, kMiB, 64 * kMiB);
  r.Drain();  // the reader passed the walk's last block: it ended without the gate opening
  EXPECT_EQ(r.executor.pending(), 0u);
  EXPECT_EQ(r.Calls().size(), 1u);
  EXPECT_EQ(r.read_ahead.stats().prefetched_bytes, 0u);
  EXPECT_EQ(r.read_ahead.stats().stopped, 1u);
  // The next read starts a new walk ahead of the reader.
  r.Open();
  r.read_ahead.OnRead(1, 12 * kMiB, kMiB, 64 * kMiB);
  r.Drain();
  auto calls = r.Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].offset, 13 * kMiB);
}

// A file of `bytes`, its 4 KiB block i filled with the byte ('a' + i % 26).
InodeRef MakeFile(MemVolume& v, const std::string& name, uint64_t bytes) {
  auto f = v->Create(Root(), v->Root(), name, CreateMode::kGuarded, {}, 0, nullptr);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  std::string chunk(kMiB, '\0');
  for (uint64_t at = 0; at < bytes; at += chunk.size()) {
    for (size_t i = 0; i < chunk.size(); ++i)
      chunk[i] = static_cast<char>('a' + (at + i) / 4096 % 26);
    auto w = v->Write(Root(), f->ref, at, chunk, Stability::kUnstable, nullptr);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
  }
  return f->ref;
}

VolumeImpl::Options WithWindow(uint64_t window) {
  VolumeImpl::Options o = MemVolume::Default();
  o.read_ahead.window_bytes = window;
  return o;
}

TEST(VolumeReadAheadTest, SequentialReadsWarmAndRandomReadsDoNot) {
  // The test's own executor, drained after every read: the reader never overtakes a
  // prefetch, however slowly this machine schedules the executor's thread.
  Executor executor(1, Executor::OnShutdown::kDropQueued);
  VolumeImpl::Options options = WithWindow(kMiB);
  options.background_executor = &executor;
  MemVolume v(options);
  const InodeRef f = MakeFile(v, "f", 8 * kMiB);
  for (uint64_t at = 0; at < 8 * kMiB; at += 64 * kKiB) {
    auto r = v->Read(Root(), f, at, 64 * kKiB);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->data.size(), 64 * kKiB);
    EXPECT_EQ(r->data[0], static_cast<char>('a' + at / 4096 % 26));
    for (int i = 0; i < 5000 && executor.pending() > 0; ++i) std::this_thread::sleep_for(1ms);
  }
  const ReadAheadStats stats = v->read_ahead_stats();
  EXPECT_EQ(stats.sequential_reads, 127u);
  // From the fourth read (256 KiB) on, 1 MiB ahead, in steps of at least half of it.
  EXPECT_GE(stats.prefetches, 8u);
  EXPECT_LE(stats.prefetches, 16u);
  EXPECT_EQ(stats.prefetched_bytes, 8 * kMiB - 256 * kKiB);
  EXPECT_EQ(stats.skipped, 0u);

  MemVolume random(WithWindow(kMiB));
  const InodeRef g = MakeFile(random, "g", 8 * kMiB);
  std::mt19937_64 rng(9);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(random->Read(Root(), g, (rng() % 2048) * 4096, 4096).ok());
  }
  EXPECT_EQ(random->read_ahead_stats().prefetches, 0u);
}

TEST(VolumeReadAheadTest, CloseWhilePrefetchesRunIsSafe) {
  for (int round = 0; round < 20; ++round) {
    MemVolume v(WithWindow(16 * kMiB));
    const InodeRef f = MakeFile(v, "f", 4 * kMiB);
    const InodeRef g = MakeFile(v, "g", 4 * kMiB);
    for (InodeRef file : {f, g}) {
      for (uint64_t at = 0; at < 4 * 4096; at += 4096)
        ASSERT_TRUE(v->Read(Root(), file, at, 4096).ok());
    }
    EXPECT_EQ(v->read_ahead_stats().prefetches, 2u);
    v->Close();  // a walk may be running: it ends at its next block, Close waits for it
    EXPECT_EQ(v->Read(Root(), f, 8192, 4096).status().code(), Status::Code::kStale);
  }
}

TEST(VolumeReadAheadTest, DeleteWhilePrefetchesRunIsSafe) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  StoreOptions options = MemStoreOptions(env.get());
  options.read_ahead.window_bytes = 16 * kMiB;
  auto catalog = VolumeCatalog::Open(options);
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  for (int round = 0; round < 10; ++round) {
    CreateVolumeRequest req;
    req.name = "v" + std::to_string(round);
    ASSERT_TRUE((*catalog)->Create(req).ok());
    auto v = (*catalog)->OpenByName(req.name);
    ASSERT_TRUE(v.ok());
    auto f = (*v)->Create(Root(), (*v)->Root(), "f", CreateMode::kGuarded, {}, 0, nullptr);
    ASSERT_TRUE(f.ok());
    const std::string chunk(kMiB, 'x');
    for (uint64_t at = 0; at < 4 * kMiB; at += kMiB) {
      ASSERT_TRUE((*v)->Write(Root(), f->ref, at, chunk, Stability::kUnstable, nullptr).ok());
    }
    for (uint64_t at = 0; at < 4 * 4096; at += 4096) {
      ASSERT_TRUE((*v)->Read(Root(), f->ref, at, 4096).ok());
    }
    ASSERT_TRUE((*catalog)->Delete(req.name).ok());
    EXPECT_EQ((*v)->Read(Root(), f->ref, 0, 4096).status().code(), Status::Code::kStale);
  }
  // The catalog's totals keep the figures of the volumes gone: three reads of each round
  // continued its stream, and the fourth started a window (or found the budget full).
  const ReadAheadStats totals = (*catalog)->TotalReadAhead();
  EXPECT_EQ(totals.sequential_reads, 30u);
  EXPECT_EQ(totals.prefetches + totals.skipped, 10u);
}

// Reads racing with writes to the same file, prefetches running meanwhile: every read
// sees whole writes (each 16 KiB chunk of one generation) and never an older generation
// of a chunk than an earlier read saw; the last read sees the last write.
TEST(VolumeReadAheadTest, ReadsRacingWritesReturnWhatWasWritten) {
  MemVolume v(WithWindow(512 * kKiB));
  constexpr uint64_t kChunk = 16 * kKiB;
  constexpr uint64_t kChunks = 64;
  auto f = v->Create(Root(), v->Root(), "f", CreateMode::kGuarded, {}, 0, nullptr);
  ASSERT_TRUE(f.ok());
  const InodeRef file = f->ref;
  ASSERT_TRUE(
      v->Write(Root(), file, 0, std::string(kChunk * kChunks, 'A'), Stability::kUnstable, nullptr)
          .ok());
  constexpr int kGenerations = 20;  // 'A' .. 'A' + 19
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int gen = 1; gen < kGenerations; ++gen) {
      for (uint64_t c = 0; c < kChunks; ++c) {
        const std::string data(kChunk, static_cast<char>('A' + gen));
        if (!v->Write(Root(), file, c * kChunk, data, Stability::kUnstable, nullptr).ok()) {
          failed = true;
        }
      }
    }
  });
  std::vector<char> seen(kChunks, 'A');
  for (int pass = 0; pass < 30; ++pass) {
    for (uint64_t c = 0; c < kChunks; ++c) {
      auto r = v->Read(Root(), file, c * kChunk, kChunk);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->data.size(), kChunk);
      const char gen = r->data[0];
      ASSERT_EQ(r->data.find_first_not_of(gen), std::string::npos) << "a torn chunk " << c;
      ASSERT_GE(gen, seen[c]) << "chunk " << c << " went back to an older write";
      seen[c] = gen;
    }
  }
  writer.join();
  EXPECT_FALSE(failed);
  auto last = v->Read(Root(), file, 0, static_cast<uint32_t>(kChunk * kChunks));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->data, std::string(kChunk * kChunks, static_cast<char>('A' + kGenerations - 1)));
  EXPECT_GT(v->read_ahead_stats().prefetches, 0u);
  v.ExpectClean();
}

}  // namespace
}  // namespace volumed::storage
