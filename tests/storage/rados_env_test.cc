// The RADOS Env against a live single-node Ceph cluster (started by
// tests/support/with_ceph.sh, which sets CEPH_CONF and CEPH_POOL): LevelDB's own
// expectations (create, write, compact, reopen), CURRENT replacement cut short at every
// step, garbage sweep after a crash with takeover and fencing, a second gateway refused,
// listings longer than one omap page, files spanning chunks, no objects left behind —
// and the volume catalog on the RADOS store.
#include "storage/rados/rados_env.h"
#include "storage/rados/rados_store.h"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/catalog.h"
#include "storage/rados/rados_errors.h"
#include "storage/rados/rados_names.h"

namespace volumed::storage::rados {
namespace {

const char* Conf() { return std::getenv("CEPH_CONF"); }
const char* Pool() { return std::getenv("CEPH_POOL"); }
constexpr const char* kRoot = "/rados-env-test";

class RadosEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Conf() == nullptr || Pool() == nullptr) {
      GTEST_SKIP() << "no Ceph cluster: run through tests/support/with_ceph.sh";
    }
    // Directories unique to this test and run, so reruns on one cluster never meet.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::string(kRoot) + "/" + info->name() + "." + std::to_string(getpid());
  }

  RadosEnvOptions Options(const std::string& gateway = "gw-a") {
    RadosEnvOptions o;
    o.conf_path = Conf();
    o.pool = Pool();
    o.root = kRoot;
    o.gateway_id = gateway;
    o.lease = std::chrono::seconds(10);
    return o;
  }

  std::unique_ptr<RadosEnv> Connect(const RadosEnvOptions& o) {
    auto env = RadosEnv::Connect(o);
    EXPECT_TRUE(env.ok()) << env.status().ToString();
    return env.ok() ? std::move(*env) : nullptr;
  }

  static leveldb::Status WriteFile(leveldb::Env* env, const std::string& path,
                                   const std::string& data) {
    leveldb::WritableFile* f = nullptr;
    leveldb::Status s = env->NewWritableFile(path, &f);
    if (!s.ok()) return s;
    s = f->Append(data);
    if (s.ok()) s = f->Sync();
    if (s.ok()) s = f->Close();
    delete f;
    return s;
  }

  // The objects of `dir` that are file chunks.
  static std::vector<std::string> Chunks(RadosEnv* env, const std::string& dir) {
    std::vector<std::string> objects, chunks;
    EXPECT_TRUE(env->ListObjects(dir, &objects).ok());
    for (auto& o : objects) {
      if (FileIdOfChunk(o)) chunks.push_back(o);
    }
    return chunks;
  }

  std::string dir_;
};

TEST_F(RadosEnvTest, LevelDbCreatesCompactsAndReopensWithEveryKey) {
  auto env = Connect(Options());
  ASSERT_NE(env, nullptr);
  leveldb::Options o;
  o.env = env.get();
  o.create_if_missing = true;
  o.paranoid_checks = true;
  o.write_buffer_size = 64 << 10;  // small: many tables and compactions
  o.max_file_size = 64 << 10;
  o.block_size = 4 << 10;
  std::map<std::string, std::string> want;
  {
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(o, dir_, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::mt19937 rng(7);
    for (int i = 0; i < 3000; ++i) {
      std::string key = "key" + std::to_string(rng() % 2000);
      std::string value(100 + rng() % 200, static_cast<char>('a' + i % 26));
      leveldb::WriteOptions wo;
      wo.sync = i % 500 == 0;
      ASSERT_TRUE(db->Put(wo, key, value).ok());
      want[key] = value;
    }
    db->CompactRange(nullptr, nullptr);
    std::vector<std::string> children;
    ASSERT_TRUE(env->GetChildren(dir_, &children).ok());
    EXPECT_TRUE(std::any_of(children.begin(), children.end(), [](const std::string& c) {
      return c.size() > 4 && c.substr(c.size() - 4) == ".ldb";
    }));
  }
  // Reopen: recovery reads CURRENT, the MANIFEST and the log through the Env.
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(o, dir_, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  auto w = want.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++w) {
    ASSERT_NE(w, want.end());
    EXPECT_EQ(it->key().ToString(), w->first);
    EXPECT_EQ(it->value().ToString(), w->second);
  }
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(w, want.end());
  it.reset();
  db.reset();
  // Every chunk belongs to a named file: compactions removed what they obsoleted.
  std::vector<std::string> children;
  ASSERT_TRUE(env->GetChildren(dir_, &children).ok());
  EXPECT_EQ(Chunks(env.get(), dir_).size(), children.size());
  ASSERT_TRUE(leveldb::DestroyDB(dir_, o).ok());
  std::vector<std::string> left;
  ASSERT_TRUE(env->ListObjects(dir_, &left).ok());
  EXPECT_TRUE(left.empty()) << left.front();
}

// SetCurrentFile's sequence, cut short after each step (a kill: nothing more happens and
// nothing is cleaned up): a fresh client always reads the old or the new CURRENT, never
// none, and a sweep leaves exactly the named files' objects.
TEST_F(RadosEnvTest, CurrentReplacementIsAtomicAtEveryStep) {
  for (int steps = 0; steps <= 4; ++steps) {
    SCOPED_TRACE("steps done: " + std::to_string(steps));
    const std::string dir = dir_ + "." + std::to_string(steps);
    auto a = Connect(Options());
    ASSERT_NE(a, nullptr);
    ASSERT_TRUE(a->CreateDir(dir).ok());
    ASSERT_TRUE(WriteFile(a.get(), dir + "/CURRENT", "MANIFEST-000001\n").ok());
    leveldb::WritableFile* tmp = nullptr;  // leaked on purpose: the "killed" writer
    if (steps >= 1) {
      ASSERT_TRUE(a->NewWritableFile(dir + "/000002.dbtmp", &tmp).ok());
    }
    if (steps >= 2) {
      ASSERT_TRUE(tmp->Append("MANIFEST-000002\n").ok());
      ASSERT_TRUE(tmp->Sync().ok());
    }
    if (steps >= 3) {
      ASSERT_TRUE(tmp->Close().ok());
    }
    if (steps >= 4) {
      ASSERT_TRUE(a->RenameFile(dir + "/000002.dbtmp", dir + "/CURRENT").ok());
    }

    auto b = Connect(Options("gw-b"));
    ASSERT_NE(b, nullptr);
    std::string current;
    ASSERT_TRUE(leveldb::ReadFileToString(b.get(), dir + "/CURRENT", &current).ok());
    EXPECT_EQ(current, steps >= 4 ? "MANIFEST-000002\n" : "MANIFEST-000001\n");
    size_t removed = 0;
    ASSERT_TRUE(b->SweepGarbage(dir, &removed).ok());
    EXPECT_EQ(removed, 0u);  // the replaced CURRENT went with the rename
    std::vector<std::string> children;
    ASSERT_TRUE(b->GetChildren(dir, &children).ok());
    EXPECT_EQ(children.size(), steps >= 1 && steps < 4 ? 2u : 1u);
    EXPECT_EQ(Chunks(b.get(), dir).size(), children.size());
  }
}

// A gateway dies holding a directory, mid-way through a removal and a creation; the same
// gateway restarted takes it over at once: it fences the old client, sweeps the
// leftovers, and the old client can no longer write.
TEST_F(RadosEnvTest, TakeoverFencesTheOldOwnerAndSweepsItsLeftovers) {
  auto old_owner = Connect(Options("gw-crashy"));
  ASSERT_NE(old_owner, nullptr);
  ASSERT_TRUE(old_owner->CreateDir(dir_).ok());
  leveldb::FileLock* lock = nullptr;
  ASSERT_TRUE(old_owner->LockFile(dir_ + "/LOCK", &lock).ok());
  ASSERT_TRUE(WriteFile(old_owner.get(), dir_ + "/000001.ldb", "kept").ok());
  ASSERT_TRUE(WriteFile(old_owner.get(), dir_ + "/000002.ldb", "doomed").ok());
  // "Unlink name" done, "remove object" not: drop the name with a directory op only.
  {
    librados::Rados cluster;
    ASSERT_EQ(cluster.init("admin"), 0);
    ASSERT_EQ(cluster.conf_read_file(Conf()), 0);
    ASSERT_EQ(cluster.connect(), 0);
    librados::IoCtx io;
    ASSERT_EQ(cluster.ioctx_create(Pool(), io), 0);
    io.set_namespace(DirectoryNamespace(kRoot, dir_).value());
    RadosDirectory dir(&io, 16);
    std::string id;
    ASSERT_TRUE(dir.Unlink("000002.ldb", &id).ok());
    // "Create object" done, "publish name" not.
    ASSERT_EQ(io.create(ChunkObject(MakeFileId(0xdead, 1, "000003.ldb"), 0), true), 0);
    cluster.shutdown();
  }
  EXPECT_EQ(Chunks(old_owner.get(), dir_).size(), 3u);
  // The lock is never released: the old owner "crashed".

  auto other = Connect(Options("gw-other"));
  ASSERT_NE(other, nullptr);
  leveldb::FileLock* refused = nullptr;
  leveldb::Status s = other->LockFile(dir_ + "/LOCK", &refused);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.ToString().find("owned by gateway 'gw-crashy'"), std::string::npos) << s.ToString();

  auto restarted = Connect(Options("gw-crashy"));
  ASSERT_NE(restarted, nullptr);
  leveldb::FileLock* taken = nullptr;
  ASSERT_TRUE(restarted->LockFile(dir_ + "/LOCK", &taken).ok());
  EXPECT_EQ(Chunks(restarted.get(), dir_).size(), 1u);
  std::string kept;
  ASSERT_TRUE(leveldb::ReadFileToString(restarted.get(), dir_ + "/000001.ldb", &kept).ok());
  EXPECT_EQ(kept, "kept");

  // The old client is blocklisted: its next write fails and changes nothing.
  s = WriteFile(old_owner.get(), dir_ + "/000004.ldb", "late");
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(restarted->FileExists(dir_ + "/000004.ldb"));
  old_owner.reset();

  ASSERT_TRUE(restarted->UnlockFile(taken).ok());
  // Released cleanly: another gateway may now take it.
  ASSERT_TRUE(other->LockFile(dir_ + "/LOCK", &taken).ok());
  ASSERT_TRUE(other->UnlockFile(taken).ok());
}

// A lease that lapsed by this process's clock (late renewals on a loaded machine, or a
// pause) is renewed by the next write, which then goes on: the ownership-lost handler
// runs only when the renewal fails too — here, once a restarted gateway fenced this one.
TEST_F(RadosEnvTest, AWriteRenewsALeaseLapsedByTheLocalClockOrReportsTheLoss) {
  std::vector<std::string> lost;
  SetOwnershipLostHandler([&lost](const std::string& why) { lost.push_back(why); });
  auto env = Connect(Options("gw-late"));
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(env->CreateDir(dir_).ok());
  leveldb::FileLock* lock = nullptr;
  ASSERT_TRUE(env->LockFile(dir_ + "/LOCK", &lock).ok());
  leveldb::WritableFile* open_before = nullptr;
  ASSERT_TRUE(env->NewWritableFile(dir_ + "/000001.log", &open_before).ok());
  std::unique_ptr<leveldb::WritableFile> log(open_before);

  env->LapseLeaseForTest(dir_);
  EXPECT_FALSE(env->HoldsLease(dir_));
  EXPECT_TRUE(WriteFile(env.get(), dir_ + "/000002.ldb", "after a late renewal").ok());
  EXPECT_TRUE(env->HoldsLease(dir_));
  env->LapseLeaseForTest(dir_);  // a file opened before the lapse checks at its sync
  EXPECT_TRUE(log->Append("record").ok());
  EXPECT_TRUE(log->Sync().ok());
  EXPECT_TRUE(env->HoldsLease(dir_));
  EXPECT_TRUE(lost.empty()) << lost.front();

  auto restarted = Connect(Options("gw-late"));  // takes the directory over, fencing env
  ASSERT_NE(restarted, nullptr);
  leveldb::FileLock* taken = nullptr;
  ASSERT_TRUE(restarted->LockFile(dir_ + "/LOCK", &taken).ok());
  env->LapseLeaseForTest(dir_);
  EXPECT_FALSE(WriteFile(env.get(), dir_ + "/000003.ldb", "late").ok());
  EXPECT_FALSE(env->HoldsLease(dir_));
  EXPECT_FALSE(lost.empty());
  EXPECT_FALSE(restarted->FileExists(dir_ + "/000003.ldb"));
  SetOwnershipLostHandler(nullptr);
  log.reset();
  env.reset();
  ASSERT_TRUE(restarted->UnlockFile(taken).ok());
}

TEST_F(RadosEnvTest, ListingsLongerThanOnePage) {
  RadosEnvOptions o = Options();
  o.list_page_entries = 16;
  auto env = Connect(o);
  ASSERT_NE(env, nullptr);
  std::set<std::string> want;
  for (int i = 0; i < 50; ++i) {
    const std::string name = "file" + std::to_string(i);
    ASSERT_TRUE(WriteFile(env.get(), dir_ + "/" + name, name).ok());
    want.insert(name);
  }
  std::vector<std::string> children;
  ASSERT_TRUE(env->GetChildren(dir_, &children).ok());
  EXPECT_EQ(std::set<std::string>(children.begin(), children.end()), want);
  EXPECT_EQ(children.size(), 50u);
}

TEST_F(RadosEnvTest, FilesSpanChunksAndReadBackExactly) {
  RadosEnvOptions o = Options();
  o.chunk_bytes = 64 << 10;
  o.read_extent_bytes = 16 << 10;
  o.readahead_bytes = 24 << 10;
  o.write.write_buffer_bytes = 20 << 10;
  auto env = Connect(o);
  ASSERT_NE(env, nullptr);
  std::string data;
  std::mt19937 rng(3);
  for (size_t i = 0; i < 300 * 1024; ++i) data.push_back(static_cast<char>(rng()));
  const std::string path = dir_ + "/MANIFEST-000001";
  {
    leveldb::WritableFile* f = nullptr;
    ASSERT_TRUE(env->NewWritableFile(path, &f).ok());
    std::unique_ptr<leveldb::WritableFile> file(f);
    for (size_t at = 0; at < data.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 9000, data.size() - at);
      ASSERT_TRUE(file->Append(leveldb::Slice(data.data() + at, n)).ok());
      at += n;
    }
    ASSERT_TRUE(file->Close().ok());
  }
  EXPECT_EQ(Chunks(env.get(), dir_).size(), 5u);  // 300 KiB in 64 KiB chunks
  uint64_t size = 0;
  ASSERT_TRUE(env->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, data.size());

  std::string seq;
  ASSERT_TRUE(leveldb::ReadFileToString(env.get(), path, &seq).ok());
  EXPECT_TRUE(seq == data);

  leveldb::RandomAccessFile* r = nullptr;
  ASSERT_TRUE(env->NewRandomAccessFile(path, &r).ok());
  std::unique_ptr<leveldb::RandomAccessFile> random(r);
  std::string scratch(70 << 10, '\0');
  for (int i = 0; i < 200; ++i) {
    const uint64_t off = rng() % (data.size() + 100);
    const size_t n = 1 + rng() % scratch.size();
    leveldb::Slice got;
    ASSERT_TRUE(random->Read(off, n, &got, scratch.data()).ok());
    const size_t want = off >= data.size() ? 0 : std::min<size_t>(n, data.size() - off);
    ASSERT_EQ(got.size(), want) << off << "+" << n;
    EXPECT_TRUE(
        got.compare(leveldb::Slice(data.data() + std::min<size_t>(off, data.size()), want)) == 0);
  }
  random.reset();
  ASSERT_TRUE(env->RemoveFile(path).ok());
  EXPECT_TRUE(Chunks(env.get(), dir_).empty());
}

TEST_F(RadosEnvTest, ReplacedRenamedAndRemovedFilesLeaveNoObjects) {
  auto env = Connect(Options());
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(env->CreateDir(dir_).ok());
  ASSERT_TRUE(WriteFile(env.get(), dir_ + "/a", "one").ok());
  ASSERT_TRUE(WriteFile(env.get(), dir_ + "/a", "two").ok());  // create replaces
  std::string a;
  ASSERT_TRUE(leveldb::ReadFileToString(env.get(), dir_ + "/a", &a).ok());
  EXPECT_EQ(a, "two");
  EXPECT_EQ(Chunks(env.get(), dir_).size(), 1u);
  ASSERT_TRUE(WriteFile(env.get(), dir_ + "/b", "three").ok());
  ASSERT_TRUE(env->RenameFile(dir_ + "/b", dir_ + "/a").ok());  // rename replaces
  ASSERT_TRUE(leveldb::ReadFileToString(env.get(), dir_ + "/a", &a).ok());
  EXPECT_EQ(a, "three");
  EXPECT_FALSE(env->FileExists(dir_ + "/b"));
  EXPECT_EQ(Chunks(env.get(), dir_).size(), 1u);
  EXPECT_TRUE(env->RenameFile(dir_ + "/nope", dir_ + "/a").IsNotFound());
  EXPECT_TRUE(env->RemoveDir(dir_).IsIOError());  // not empty
  ASSERT_TRUE(env->RemoveFile(dir_ + "/a").ok());
  EXPECT_TRUE(env->RemoveFile(dir_ + "/a").IsNotFound());
  ASSERT_TRUE(env->RemoveDir(dir_).ok());
  std::vector<std::string> left;
  ASSERT_TRUE(env->ListObjects(dir_, &left).ok());
  EXPECT_TRUE(left.empty());
  EXPECT_FALSE(env->FileExists(dir_));
  leveldb::WritableFile* f = nullptr;
  EXPECT_TRUE(env->NewWritableFile("/elsewhere/x", &f).IsInvalidArgument());
}

// The catalog and a volume on the RADOS store: create, write, reopen, read, delete.
TEST_F(RadosEnvTest, VolumesLiveInRadosAndLeaveNothingWhenDeleted) {
  RadosStoreOptions ro;
  ro.conf_path = Conf();
  ro.pool = Pool();
  ro.root = dir_;
  ro.gateway_id = "gw-catalog";
  auto store = ConnectRadosStore(ro);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StoreOptions so;
  so.data_dir = dir_;
  so.store = store->get();
  so.block_size = 4096;
  so.block_cache_bytes = 1 << 20;
  const Credentials root{0, 0, {}};
  std::string payload(100 * 1024, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 23);
  uint64_t id = 0;
  {
    auto catalog = VolumeCatalog::Open(so);
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    CreateVolumeRequest req;
    req.name = "vol";
    auto info = (*catalog)->Create(req);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    id = info->id;
    StoreLocation where = (*catalog)->Locate(id);
    EXPECT_EQ(where.kind, StoreKind::kRados);
    EXPECT_EQ(where.where, "pool '" + std::string(Pool()) + "', namespace '" + "volumes/" +
                               std::to_string(id) + "'");
    auto v = (*catalog)->OpenByName("vol");
    ASSERT_TRUE(v.ok());
    auto f = (*v)->Create(root, (*v)->Root(), "file", CreateMode::kGuarded, {}, 0, nullptr);
    ASSERT_TRUE(f.ok());
    auto w = (*v)->Write(root, f->ref, 0, payload, Stability::kFileSync, nullptr);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(w->committed, Stability::kFileSync);
  }
  {
    auto catalog = VolumeCatalog::Open(so);
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    auto v = (*catalog)->OpenByName("vol");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    auto f = (*v)->Lookup(root, (*v)->Root(), "file", nullptr);
    ASSERT_TRUE(f.ok());
    std::string got;
    while (got.size() < payload.size()) {
      auto r = (*v)->Read(root, f->ref, got.size(), 64 * 1024);
      ASSERT_TRUE(r.ok());
      got += r->data;
      if (r->eof) break;
    }
    EXPECT_TRUE(got == payload);
    v->reset();
    ASSERT_TRUE((*catalog)->Delete("vol").ok());
  }
  auto env = Connect(Options());
  ASSERT_NE(env, nullptr);
  std::vector<std::string> left;
  ASSERT_TRUE(env->ListObjects(dir_ + "/volumes/" + std::to_string(id), &left).ok());
  EXPECT_TRUE(left.empty()) << left.size() << " objects left, e.g. " << left.front();
}

}  // namespace
}  // namespace volumed::storage::rados
