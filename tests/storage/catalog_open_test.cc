// The catalog's bound on open volumes (StoreOptions::idle_close, max_open_volumes): many
// volumes keep few open and no thread each; an idle volume is closed and reopened on its
// next use with its data and handles intact; a held volume is never closed; orphans are
// reclaimed on the shared executor, also across a close and reopen.
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "catalog_fixture.h"
#include "storage/catalog.h"
#include "storage/volume_impl.h"

namespace volumed::storage {
namespace {

using namespace std::chrono_literals;

Credentials Root() { return Credentials{0, 0, {}}; }

size_t ThreadsOfThisProcess() {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)e;
    ++n;
  }
  return n;
}

// Polls `done` for up to 5 s.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

class CatalogOpenTest : public ::testing::Test {
 protected:
  CatalogOpenTest() : env_(leveldb::NewMemEnv(leveldb::Env::Default())) {}

  void Open(std::chrono::milliseconds idle_close, size_t max_open) {
    catalog_.reset();
    StoreOptions o = MemStoreOptions(env_.get());
    o.idle_close = idle_close;
    o.max_open_volumes = max_open;
    o.background_threads = 1;
    auto c = VolumeCatalog::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }

  uint64_t MustCreate(const std::string& name) {
    CreateVolumeRequest req;
    req.name = name;
    auto r = catalog_->Create(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }

  std::shared_ptr<Volume> MustServe(uint64_t id) {
    auto served = catalog_->Serve(id);
    EXPECT_TRUE(served.ok()) << served.status().ToString();
    return served.ok() ? (*served)->volume : nullptr;
  }

  // A file `name` in the root of `volume` holding `data`, written FILE_SYNC.
  static InodeRef WriteFile(Volume& volume, const std::string& name, const std::string& data) {
    auto f = volume.Create(Root(), volume.Root(), name, CreateMode::kGuarded, {}, 0, nullptr);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    if (!f.ok()) return {};
    auto w = volume.Write(Root(), f->ref, 0, data, Stability::kFileSync, nullptr);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return f->ref;
  }

  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<VolumeCatalog> catalog_;
};

TEST_F(CatalogOpenTest, ManyVolumesKeepFewOpenAndNoThreadEach) {
  Open(0ms, 8);  // the cap alone
  const size_t threads_before = ThreadsOfThisProcess();
  std::vector<std::weak_ptr<Volume>> seen;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 150; ++i) {
    const uint64_t id = MustCreate("v" + std::to_string(i));
    ids.push_back(id);
    std::shared_ptr<Volume> v = MustServe(id);
    ASSERT_NE(v, nullptr);
    WriteFile(*v, "f", "volume " + std::to_string(i));
    seen.push_back(v);
  }
  size_t open = 0;
  for (const auto& w : seen) open += w.expired() ? 0 : 1;
  EXPECT_LE(open, 8u);
  // LevelDB's one background thread may have started meanwhile; no thread per volume.
  EXPECT_LE(ThreadsOfThisProcess(), threads_before + 1);
  // Every volume is still there, reopened on use.
  for (size_t i = 0; i < ids.size(); i += 37) {
    std::shared_ptr<Volume> v = MustServe(ids[i]);
    ASSERT_NE(v, nullptr);
    auto found = v->Lookup(Root(), v->Root(), "f", nullptr);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    auto r = v->Read(Root(), found->ref, 0, 100);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->data, "volume " + std::to_string(i));
  }
}

// Creates from several threads while the cap closes volumes: a create that closes volumes
// over the cap lets go of the catalog's lock meanwhile, and must not then wait for it
// while another create holds it waiting for the table (a deadlock before session 8).
TEST_F(CatalogOpenTest, ConcurrentCreatesOverTheCapFinish) {
  Open(0ms, 4);
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (MustCreate("c" + std::to_string(t) + "-" + std::to_string(i)) != 0) ++created;
      }
    });
  }
  // A deadlock leaves the threads blocked: the test then fails on its timeout.
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), kThreads * kEach);
  auto listed = catalog_->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(CatalogOpenTest, IdleVolumeIsClosedAndReopenedWithDataAndHandlesIntact) {
  Open(50ms, 0);  // idleness alone
  const uint64_t id = MustCreate("idle");
  std::weak_ptr<Volume> first;
  InodeRef file;
  {
    std::shared_ptr<Volume> v = MustServe(id);
    ASSERT_NE(v, nullptr);
    file = WriteFile(*v, "kept", "still here");
    first = v;
  }
  ASSERT_TRUE(Eventually([&] { return first.expired(); })) << "an idle volume stays open";
  std::shared_ptr<Volume> v = MustServe(id);
  ASSERT_NE(v, nullptr);
  // The handle taken before the close names the same file.
  auto attrs = v->GetAttr(file);
  ASSERT_TRUE(attrs.ok()) << attrs.status().ToString();
  EXPECT_EQ(attrs->size, 10u);
  auto r = v->Read(Root(), file, 0, 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, "still here");
  auto found = v->Lookup(Root(), v->Root(), "kept", nullptr);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->ref, file);
  // Still writable, and OpenByName finds the reopened one.
  WriteFile(*v, "after", "x");
  auto by_name = catalog_->OpenByName("idle");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->get(), v.get());
}

TEST_F(CatalogOpenTest, HeldVolumesAreNeverClosed) {
  Open(20ms, 1);  // everything unheld is closed quickly
  const uint64_t a = MustCreate("a");
  const uint64_t b = MustCreate("b");
  const uint64_t c = MustCreate("c");
  // Held three ways: a served volume, an opened one, and a ServedVolume replaced since.
  std::shared_ptr<Volume> served = MustServe(a);
  auto opened = catalog_->OpenById(b);
  ASSERT_TRUE(opened.ok());
  auto old_record = catalog_->Serve(c);
  ASSERT_TRUE(old_record.ok());
  ASSERT_TRUE(catalog_->SetPolicy("c", ExportPolicy{}, Quota{1 << 20, 0}).ok());
  std::weak_ptr<Volume> c_volume = (*old_record)->volume;
  std::this_thread::sleep_for(200ms);  // ten idle periods, over the cap all along
  for (Volume* v : {served.get(), opened->get(), (*old_record)->volume.get()}) {
    EXPECT_TRUE(v->GetAttr(v->Root()).ok()) << "volume " << v->id() << " was closed while held";
  }
  EXPECT_EQ(MustServe(a).get(), served.get());
  EXPECT_EQ(catalog_->OpenById(b)->get(), opened->get());
  // Let go: now they close.
  std::weak_ptr<Volume> a_volume = served;
  served.reset();
  opened->reset();
  old_record->reset();
  EXPECT_TRUE(Eventually([&] { return a_volume.expired() && c_volume.expired(); }));
}

TEST_F(CatalogOpenTest, OrphansAreReclaimedOnTheSharedExecutorAlsoAfterReopen) {
  Open(0ms, 1);
  const uint64_t id = MustCreate("big");
  const uint64_t other = MustCreate("other");
  InodeRef file;
  {
    std::shared_ptr<Volume> v = MustServe(id);
    ASSERT_NE(v, nullptr);
    // 4 MiB in 4 KiB blocks: far more than a remove frees inline, and several reclaim steps.
    file = WriteFile(*v, "f", std::string(1 << 20, 'z'));
    for (uint64_t offset = 1 << 20; offset < (4 << 20); offset += 1 << 20) {
      ASSERT_TRUE(
          v->Write(Root(), file, offset, std::string(1 << 20, 'z'), Stability::kUnstable, nullptr)
              .ok());
    }
    ASSERT_TRUE(v->Remove(Root(), v->Root(), "f", nullptr).ok());
  }
  // Opening another volume closes this one (cap 1), maybe before reclaim finished: the
  // reopened volume resumes from its orphan records.
  ASSERT_NE(MustServe(other), nullptr);
  std::shared_ptr<Volume> v = MustServe(id);
  ASSERT_NE(v, nullptr);
  auto* impl = dynamic_cast<VolumeImpl*>(v.get());
  ASSERT_NE(impl, nullptr);
  ASSERT_TRUE(
      Eventually([&] { return impl->PendingOrphans().ok() && *impl->PendingOrphans() == 0; }));
  auto st = v->StatFs();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->used_bytes, 0u);
  EXPECT_EQ(v->GetAttr(file).status().code(), Status::Code::kStale);
}

}  // namespace
}  // namespace volumed::storage
