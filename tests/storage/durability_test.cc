// Durability (storage/durability.h) and LogSyncEnv (storage/log_sync_env.h):
//  - no operation learns it is durable before a sync that covers its write: an Env that
//    delays and records syncs checks, for many concurrent creates, removes and synced
//    writes in one directory, that the log bytes each operation wrote were synced before
//    its WhenDurable answered;
//  - concurrent operations share syncs (group commit) and keep applying while a sync is
//    running (no lock held across it);
//  - a failed sync fails its waiters and every later one; a volume that does not sync
//    (ephemeral) answers at once;
//  - the POSIX LogSyncEnv, synced from another thread while LevelDB appends and switches
//    logs and writes its own tables, loses no record on reopen.
#include "storage/durability.h"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/kv.h"
#include "storage/log_sync_env.h"
#include "storage/volume_impl.h"
#include "support/temp_dir.h"

namespace volumed::storage {
namespace {

// A MemEnv whose logs are synced out of band (a LogSyncer, as LogSyncEnv is on disk):
// counts the bytes appended to log files and, for each sync, how many were appended when
// it began; each sync sleeps `sync_delay` (a slow disk), waits while `Hold` is on, and may
// be made to fail.
class RecordingEnv final : public leveldb::EnvWrapper, public LogSyncer {
 public:
  explicit RecordingEnv(leveldb::Env* base) : leveldb::EnvWrapper(base) {}

  std::chrono::milliseconds sync_delay{5};
  std::atomic<uint64_t> appended{0};
  std::atomic<uint64_t> synced{0};
  std::atomic<int> syncs{0};
  std::atomic<int> running{0};  // syncs inside SyncLog now
  std::atomic<bool> fail_syncs{false};

  // While held, a sync that starts waits (a disk that does not answer) until Release.
  void Hold() {
    std::lock_guard<std::mutex> l(hold_mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> l(hold_mu_);
      held_ = false;
    }
    hold_cv_.notify_all();
  }
  // Where the first `tag` at or after log offset `from` ends (every log's bytes counted
  // in the order they were appended), or nothing if no log holds it.
  std::optional<uint64_t> EndOf(std::string_view tag, uint64_t from) {
    std::lock_guard<std::mutex> l(log_mu_);
    const size_t at = log_.find(tag, from);
    if (at == std::string::npos) return std::nullopt;
    return at + tag.size();
  }

  // Waits until a sync is waiting in Hold.
  void AwaitHeldSync() {
    std::unique_lock<std::mutex> l(hold_mu_);
    hold_cv_.wait(l, [&] { return holding_; });
  }

  leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override {
    leveldb::WritableFile* inner = nullptr;
    leveldb::Status s = target()->NewWritableFile(f, &inner);
    if (!s.ok()) return s;
    const bool log = f.size() > 4 && f.compare(f.size() - 4, 4, ".log") == 0;
    *r = log ? new CountingFile(this, inner) : inner;
    return s;
  }

  leveldb::Status SyncLog(const std::string&) override {
    const uint64_t covered = appended.load();
    running++;
    struct Leave {
      std::atomic<int>* r;
      ~Leave() { (*r)--; }
    } leave{&running};
    std::this_thread::sleep_for(sync_delay);
    {
      std::unique_lock<std::mutex> l(hold_mu_);
      holding_ = held_;
      hold_cv_.notify_all();
      hold_cv_.wait(l, [&] { return !held_; });
      holding_ = false;
    }
    if (fail_syncs) return leveldb::Status::IOError("injected sync failure");
    syncs++;
    uint64_t prev = synced.load();
    while (prev < covered && !synced.compare_exchange_weak(prev, covered)) {
    }
    return leveldb::Status::OK();
  }

 private:
  std::mutex hold_mu_;
  std::condition_variable hold_cv_;
  bool held_ = false;     // guarded by hold_mu_
  bool holding_ = false;  // guarded by hold_mu_: a sync waits in Hold now
  std::mutex log_mu_;
  std::string log_;  // guarded by log_mu_: every byte appended to a log

  class CountingFile final : public leveldb::WritableFile {
   public:
    CountingFile(RecordingEnv* env, leveldb::WritableFile* inner) : env_(env), inner_(inner) {}
    leveldb::Status Append(const leveldb::Slice& d) override {
      leveldb::Status s = inner_->Append(d);
      std::lock_guard<std::mutex> l(env_->log_mu_);
      env_->log_.append(d.data(), d.size());
      env_->appended += d.size();
      return s;
    }
    leveldb::Status Close() override { return inner_->Close(); }
    leveldb::Status Flush() override { return inner_->Flush(); }
    leveldb::Status Sync() override { return env_->SyncLog(""); }

   private:
    RecordingEnv* env_;
    std::unique_ptr<leveldb::WritableFile> inner_;
  };
};

class DurabilityTest : public ::testing::Test {
 protected:
  DurabilityTest()
      : mem_(leveldb::NewMemEnv(leveldb::Env::Default())),
        env_(mem_.get()),
        factory_(&env_, KvTuning{}, 8 << 20),
        scheduler_(2, 2) {}

  void Open(bool syncs) {
    auto kv = factory_.Open("/vol");
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    VolumeImpl::Options o;
    o.id = 1;
    o.epoch = 9;
    o.block_size = 4096;
    o.background_reclaim = false;
    o.sync_scheduler = &scheduler_;
    o.syncs = syncs;
    auto v = VolumeImpl::Open(std::move(*kv), o);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    volume_ = std::move(*v);
  }
  ~DurabilityTest() override {
    if (volume_) volume_->Close();
  }

  // Waits for WhenDurable and checks that every log byte written by then was synced.
  Status AwaitCovered(uint64_t written) {
    std::promise<Status> p;
    volume_->WhenDurable([&](Status s) {
      if (s.ok() && env_.synced.load() < written) {
        s = Internal("answered durable before its bytes were synced");
      }
      p.set_value(s);
    });
    return p.get_future().get();
  }

  std::unique_ptr<leveldb::Env> mem_;
  RecordingEnv env_;
  KvFactory factory_;
  SyncScheduler scheduler_;
  std::shared_ptr<VolumeImpl> volume_;
};

const Credentials kRoot{0, 0, {}};

TEST_F(DurabilityTest, NoOperationIsDurableBeforeItsSyncAndConcurrentOnesShareSyncs) {
  Open(true);
  env_.sync_delay = std::chrono::milliseconds(20);  // long enough for the threads to overlap
  constexpr int kThreads = 8;
  constexpr int kOpsPerThread = 24;
  const InodeRef root = volume_->Root();
  const int syncs_before = env_.syncs.load();
  std::atomic<int> failures{0};
  // The threads apply their operations at once. Each operation's record is found in the
  // log by a tag only it writes (the file's name, unique and of one length, and then a
  // tag in the written data), so the log bytes its answer depends on are known exactly
  // whatever other threads appended meanwhile: a sync must have covered them.
  auto await_record = [&](std::string_view tag, uint64_t from, uint64_t* end) {
    std::optional<uint64_t> e = env_.EndOf(tag, from);
    if (!e || !AwaitCovered(*e).ok()) return false;
    *end = *e;
    return true;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        char name[32];
        std::snprintf(name, sizeof(name), "file-t%02d-i%03d", t, i);
        const std::string data_tag = std::string("data:") + name;
        std::string data = data_tag;
        data.resize(4096, 'x');
        Wcc wcc;
        auto made = volume_->Create(kRoot, root, name, CreateMode::kGuarded, {}, 0, &wcc);
        uint64_t created = 0, written = 0, removed = 0;
        if (!made.ok() || !await_record(name, 0, &created)) {
          failures++;
          continue;
        }
        auto wrote = volume_->Write(kRoot, made->ref, 0, data, Stability::kFileSync, &wcc);
        if (!wrote.ok() || wrote->committed != Stability::kFileSync ||
            !await_record(data_tag, created, &written)) {
          failures++;
        }
        // The remove's record holds the name again, after the write's.
        if (i % 3 == 0 && (!volume_->Remove(kRoot, root, name, &wcc).ok() ||
                           !await_record(name, written, &removed))) {
          failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // 8 creates, 8 synced writes and ~3 removes per round, each waiting for its sync: with
  // every operation in the one directory holding its lock across a sync there would be
  // one sync per operation; shared syncs make far fewer.
  const int ops = kThreads * kOpsPerThread * 2 + kThreads * (kOpsPerThread / 3);
  const int syncs = env_.syncs.load() - syncs_before;
  EXPECT_LT(syncs, ops / 2) << syncs << " syncs for " << ops << " operations";
  EXPECT_GT(syncs, 0);
}

TEST_F(DurabilityTest, OperationsApplyWhileASyncRuns) {
  Open(true);
  Wcc wcc;
  ASSERT_TRUE(volume_->Create(kRoot, volume_->Root(), "a", CreateMode::kGuarded, {}, 0, &wcc).ok());
  env_.Hold();
  std::promise<Status> first;
  volume_->WhenDurable([&](Status s) { first.set_value(s); });
  env_.AwaitHeldSync();  // a sync is running and does not finish until released
  // Creates in the same directory proceed while that sync is stuck; were a lock held
  // across it they would never finish.
  auto creates = std::async(std::launch::async, [&] {
    for (int i = 0; i < 20; ++i) {
      Wcc w;
      if (!volume_
               ->Create(kRoot, volume_->Root(), "b" + std::to_string(i), CreateMode::kGuarded, {},
                        0, &w)
               .ok()) {
        return false;
      }
    }
    return true;
  });
  const bool finished = creates.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  auto done = first.get_future();
  EXPECT_EQ(done.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  env_.Release();
  ASSERT_TRUE(finished) << "the creates waited for the sync";
  EXPECT_TRUE(creates.get());
  EXPECT_TRUE(done.get().ok());
  EXPECT_TRUE(AwaitCovered(env_.appended.load()).ok());
}

// A change made while a sync runs shares the next sync, started when that one ends; once
// the scheduler's overlap_waiters (two here) wait uncovered, a sync starts beside the
// running one at once, up to the scheduler's two threads; beyond that the next waiter
// waits for a free slot and a sync still covers it.
TEST_F(DurabilityTest, SyncsOverlapWhenEnoughWaitUpToTheSchedulersThreads) {
  Open(true);
  ASSERT_TRUE(volume_->WaitDurable().ok());
  const int syncs = env_.syncs.load();
  env_.Hold();
  std::vector<std::promise<Status>> done(4);
  std::vector<std::future<Status>> answers;
  for (auto& d : done) answers.push_back(d.get_future());
  auto change_and_wait = [&](int i) {
    Wcc wcc;
    ASSERT_TRUE(volume_->Mkdir(kRoot, volume_->Root(), "d" + std::to_string(i), {}, &wcc).ok());
    volume_->WhenDurable([&, i](Status s) { done[i].set_value(s); });
  };
  auto await_running = [&](int n) {
    for (int i = 0; i < 3000 && env_.running.load() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return env_.running.load();
  };
  change_and_wait(0);
  ASSERT_EQ(await_running(1), 1);
  change_and_wait(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(env_.running.load(), 1) << "one waiter started a sync beside the running one";
  change_and_wait(2);
  EXPECT_EQ(await_running(2), 2) << "two waiters did not start a sync beside the running one";
  change_and_wait(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(env_.running.load(), 2) << "more syncs at once than scheduler threads";
  for (auto& a : answers) {
    EXPECT_EQ(a.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  }
  env_.Release();
  for (auto& a : answers) EXPECT_TRUE(a.get().ok());
  // The first sync, the one beside it for changes 1 and 2, the one after them for change 3.
  EXPECT_EQ(env_.syncs.load(), syncs + 3);
  EXPECT_TRUE(AwaitCovered(env_.appended.load()).ok());
}

TEST_F(DurabilityTest, UnstableWritesNeedNoSyncUntilCommit) {
  Open(true);
  Wcc wcc;
  auto f = volume_->Create(kRoot, volume_->Root(), "u", CreateMode::kGuarded, {}, 0, &wcc);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(volume_->WaitDurable().ok());
  const int syncs = env_.syncs.load();
  for (int i = 0; i < 10; ++i) {
    auto w =
        volume_->Write(kRoot, f->ref, i * 4096, std::string(4096, 'u'), Stability::kUnstable, &wcc);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->committed, Stability::kUnstable);
    ASSERT_TRUE(volume_->WaitDurable().ok());  // nothing needed: answered at once
  }
  EXPECT_EQ(env_.syncs.load(), syncs);
  const uint64_t written = env_.appended.load();
  ASSERT_TRUE(volume_->Commit(f->ref, nullptr).ok());
  EXPECT_TRUE(AwaitCovered(written).ok());
  EXPECT_EQ(env_.syncs.load(), syncs + 1);
}

TEST_F(DurabilityTest, AFailedSyncFailsItsWaitersAndEveryLaterOne) {
  Open(true);
  Wcc wcc;
  env_.fail_syncs = true;
  ASSERT_TRUE(volume_->Mkdir(kRoot, volume_->Root(), "d", {}, &wcc).ok());
  EXPECT_FALSE(volume_->WaitDurable().ok());
  env_.fail_syncs = false;
  ASSERT_TRUE(volume_->Mkdir(kRoot, volume_->Root(), "e", {}, &wcc).ok());
  EXPECT_FALSE(volume_->WaitDurable().ok());  // sticky: nothing is reported durable again
}

TEST_F(DurabilityTest, AVolumeThatDoesNotSyncAnswersAtOnce) {
  Open(false);
  Wcc wcc;
  const int syncs = env_.syncs.load();
  auto f = volume_->Create(kRoot, volume_->Root(), "e", CreateMode::kGuarded, {}, 0, &wcc);
  ASSERT_TRUE(f.ok());
  auto w = volume_->Write(kRoot, f->ref, 0, "data", Stability::kFileSync, &wcc);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->committed, Stability::kFileSync);
  ASSERT_TRUE(volume_->Commit(f->ref, nullptr).ok());
  EXPECT_TRUE(volume_->WaitDurable().ok());
  EXPECT_EQ(env_.syncs.load(), syncs);
}

// The POSIX path: LevelDB appends (and switches logs and writes tables, with a tiny write
// buffer) while another thread syncs the current log out of band; reopening finds every
// record.
TEST(LogSyncEnvTest, OutOfBandSyncsDuringAppendsAndLogSwitchesLoseNothing) {
  volumed::testing::TempDir dir;
  const std::string path = dir.path() + "/db";
  KvTuning tuning;
  tuning.write_buffer_size = 64 << 10;  // a new log every few dozen writes
  constexpr int kKeys = 3000;
  {
    KvFactory factory(nullptr, tuning, 1 << 20);
    auto kv = factory.Open(path);
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    std::atomic<bool> stop{false};
    std::atomic<int> sync_errors{0}, synced{0};
    std::thread syncer([&] {
      while (!stop) {
        if (!(*kv)->SyncLog().ok()) sync_errors++;
        synced++;
      }
    });
    for (int i = 0; i < kKeys; ++i) {
      leveldb::WriteBatch b;
      b.Put("k" + std::to_string(i), std::string(100 + i % 900, static_cast<char>('a' + i % 26)));
      ASSERT_TRUE((*kv)->Write(&b, false).ok());
    }
    stop = true;
    syncer.join();
    EXPECT_EQ(sync_errors.load(), 0);
    EXPECT_GT(synced.load(), 0);
    EXPECT_TRUE((*kv)->SyncLog().ok());
  }
  // The records went through tables too, which LogSyncEnv writes itself.
  int tables = 0;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    if (e.path().extension() == ".ldb") ++tables;
  }
  EXPECT_GT(tables, 0);
  KvFactory factory(nullptr, tuning, 1 << 20);
  auto kv = factory.Open(path);
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  for (int i = 0; i < kKeys; ++i) {
    auto v = (*kv)->Get("k" + std::to_string(i));
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v->has_value()) << i;
    EXPECT_EQ((*v)->size(), static_cast<size_t>(100 + i % 900));
  }
}

}  // namespace
}  // namespace volumed::storage
