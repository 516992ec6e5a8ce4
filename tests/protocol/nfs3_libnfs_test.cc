// volumed through libnfs's high-level (sync) API and libnfs-utils, plus the heavy cases:
// a big directory listed by READDIRPLUS while it changes, a large file written UNSTABLE
// and COMMITted, sparse files, 8 contexts writing one file at once, and a kill -9
// restart. Sizes scale with environment variables so the fast suite stays fast:
//   VOLUMED_TEST_DIR_ENTRIES (default 5000; the full size is 100000)
//   VOLUMED_TEST_FILE_MB     (default 64;   the full size is 1024)
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "nfs3_fixture.h"
#include "support/temp_dir.h"

namespace volumed::testing {
namespace {

size_t EnvSize(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// Deterministic pseudo-random bytes: the content at `offset` of a test file.
void FillRandom(uint64_t seed, uint64_t offset, char* out, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t x = (offset + i) / 8 * 0x9e3779b97f4a7c15ULL + seed;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 29;
    std::memcpy(out + i, &x, std::min<size_t>(8, n - i));
  }
}

struct NfsContext {
  NfsContext() {
    nfs = nfs_init_context();
    nfs_set_uid(nfs, 1000);
    nfs_set_gid(nfs, 1000);
  }
  ~NfsContext() { nfs_destroy_context(nfs); }
  nfs_context* nfs;
};

class Nfs3Libnfs : public Nfs3Fixture {
 protected:
  void SetUp() override {
    Nfs3Fixture::SetUp();
    ASSERT_EQ(nfs_mount(ctx_.nfs, "127.0.0.1", "/default"), 0) << nfs_get_error(ctx_.nfs);
    base_ = std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  NfsContext ctx_;
  std::string base_;  // the fixture's per-test directory, by path
};

TEST_F(Nfs3Libnfs, SyncApiAndErrno) {
  nfs_context* nfs = ctx_.nfs;
  std::string f = base_ + "/file";
  nfsfh* fh = nullptr;
  ASSERT_EQ(nfs_open2(nfs, f.c_str(), O_CREAT | O_RDWR, 0644, &fh), 0) << nfs_get_error(nfs);
  std::string text = "hello, volumed\n";
  EXPECT_EQ(nfs_pwrite(nfs, fh, 0, text.size(), text.data()), static_cast<int>(text.size()));
  EXPECT_EQ(nfs_fsync(nfs, fh), 0);
  char buf[64] = {};
  EXPECT_EQ(nfs_pread(nfs, fh, 0, sizeof(buf), buf), static_cast<int>(text.size()));
  EXPECT_EQ(std::string(buf), text);
  EXPECT_EQ(nfs_close(nfs, fh), 0);

  struct nfs_stat_64 st {};
  ASSERT_EQ(nfs_stat64(nfs, f.c_str(), &st), 0);
  EXPECT_EQ(st.nfs_size, text.size());
  EXPECT_EQ(st.nfs_uid, 1000u);
  EXPECT_EQ(st.nfs_mode & 07777, 0644u);
  EXPECT_EQ(nfs_chmod(nfs, f.c_str(), 0600), 0);
  EXPECT_EQ(nfs_truncate(nfs, f.c_str(), 5), 0);
  ASSERT_EQ(nfs_stat64(nfs, f.c_str(), &st), 0);
  EXPECT_EQ(st.nfs_size, 5u);
  EXPECT_EQ(st.nfs_mode & 07777, 0600u);

  EXPECT_EQ(nfs_mkdir(nfs, (base_ + "/d").c_str()), 0);
  EXPECT_EQ(nfs_mkdir(nfs, (base_ + "/d").c_str()), -EEXIST);
  EXPECT_EQ(nfs_stat64(nfs, (base_ + "/missing").c_str(), &st), -ENOENT);
  EXPECT_EQ(nfs_link(nfs, f.c_str(), (base_ + "/d/hard").c_str()), 0);
  ASSERT_EQ(nfs_stat64(nfs, f.c_str(), &st), 0);
  EXPECT_EQ(st.nfs_nlink, 2u);
  EXPECT_EQ(nfs_rmdir(nfs, (base_ + "/d").c_str()), -ENOTEMPTY);
  EXPECT_EQ(nfs_unlink(nfs, (base_ + "/d").c_str()), -EISDIR);
  EXPECT_EQ(nfs_symlink(nfs, "file", (base_ + "/ln").c_str()), 0);
  char target[64] = {};
  EXPECT_EQ(nfs_readlink(nfs, (base_ + "/ln").c_str(), target, sizeof(target)), 0);
  EXPECT_STREQ(target, "file");
  EXPECT_EQ(nfs_rename(nfs, f.c_str(), (base_ + "/renamed").c_str()), 0);
  EXPECT_EQ(nfs_stat64(nfs, f.c_str(), &st), -ENOENT);
  std::string long_name = base_ + "/" + std::string(300, 'x');
  EXPECT_EQ(nfs_mkdir(nfs, long_name.c_str()), -ENAMETOOLONG);

  nfsdir* dir = nullptr;
  ASSERT_EQ(nfs_opendir(nfs, base_.c_str(), &dir), 0);
  std::set<std::string> names;
  while (nfsdirent* e = nfs_readdir(nfs, dir)) names.insert(e->name);
  nfs_closedir(nfs, dir);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "d", "ln", "renamed"}));

  struct nfs_statvfs_64 vfs {};
  EXPECT_EQ(nfs_statvfs64(nfs, "/", &vfs), 0);
  EXPECT_GT(vfs.f_blocks, 0u);
}

TEST_F(Nfs3Libnfs, BigDirectoryListedOnceWhileChanging) {
  const size_t entries = EnvSize("VOLUMED_TEST_DIR_ENTRIES", 5000);
  for (size_t i = 0; i < entries; ++i) {
    CREATE3args a{};
    a.where = Where(dir_, "stable-" + std::to_string(i));
    a.how.mode = UNCHECKED;
    ASSERT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a), NFS3_OK);
    names_.clear();
  }
  // A second client adds and removes entries while we list: between every two
  // READDIRPLUS calls it creates one entry and removes the one it created before.
  auto churner = RawClient::Connect(server_->nfs_port(), NFS_PROGRAM, NFS_V3);
  ASSERT_NE(churner, nullptr);
  size_t churn = 0;
  auto churn_step = [&] {
    std::string name = "churn-" + std::to_string(churn);
    CREATE3args a{};
    a.where.dir = dir_.wire();
    a.where.name = name.data();
    a.how.mode = UNCHECKED;
    ASSERT_TRUE(churner->Call<CREATE3res>(
        [&](rpc_context* r, rpc_cb cb, void* p) { return rpc_nfs3_create_async(r, cb, &a, p); },
        [](CREATE3res* res) { EXPECT_EQ(res->status, NFS3_OK); }));
    if (churn > 0) {
      std::string old = "churn-" + std::to_string(churn - 1);
      REMOVE3args rm{};
      rm.object.dir = dir_.wire();
      rm.object.name = old.data();
      ASSERT_TRUE(churner->Call<REMOVE3res>(
          [&](rpc_context* r, rpc_cb cb, void* p) { return rpc_nfs3_remove_async(r, cb, &rm, p); },
          [](REMOVE3res* res) { EXPECT_EQ(res->status, NFS3_OK); }));
    }
    ++churn;
  };
  std::map<std::string, int> seen;
  uint64_t cookie = 0;
  size_t calls = 0;
  for (bool eof = false; !eof; ++calls) {
    READDIRPLUS3args a{};
    a.dir = dir_.wire();
    a.cookie = cookie;
    a.dircount = 1024;
    a.maxcount = 8192;
    ASSERT_EQ(Call<READDIRPLUS3res>(rpc_nfs3_readdirplus_async, a,
                                    [&](READDIRPLUS3res& r) {
                                      for (entryplus3* e = r.READDIRPLUS3res_u.resok.reply.entries;
                                           e; e = e->nextentry) {
                                        ++seen[e->name];
                                        cookie = e->cookie;
                                      }
                                      eof = r.READDIRPLUS3res_u.resok.reply.eof;
                                    }),
              NFS3_OK);
    churn_step();
  }
  size_t stable = 0;
  for (const auto& [name, count] : seen) {
    EXPECT_EQ(count, 1) << name;
    if (name.rfind("stable-", 0) == 0) ++stable;
  }
  EXPECT_EQ(stable, entries);
  EXPECT_EQ(seen.count("."), 1u);
  EXPECT_EQ(seen.count(".."), 1u);
  EXPECT_GT(calls, entries / 100);
  // The entry created last may or may not be listed; every listed one appears once.
  std::printf("listed %zu stable entries in %zu READDIRPLUS calls; %zu creates+removes meanwhile\n",
              stable, calls, churn);
}

TEST_F(Nfs3Libnfs, LargeFileUnstableThenCommit) {
  const size_t mib = EnvSize("VOLUMED_TEST_FILE_MB", 64);
  const uint64_t seed = 12345;
  Fh f = CreateOk(dir_, "large");
  std::vector<char> chunk(1 << 20);
  std::string verf;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < mib; ++i) {
    FillRandom(seed, i << 20, chunk.data(), chunk.size());
    WRITE3args w{};
    w.file = f.wire();
    w.offset = uint64_t{i} << 20;
    w.count = static_cast<count3>(chunk.size());
    w.stable = UNSTABLE;
    w.data.data_len = w.count;
    w.data.data_val = chunk.data();
    ASSERT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w,
                              [&](WRITE3res& r) {
                                EXPECT_EQ(r.WRITE3res_u.resok.count, chunk.size());
                                EXPECT_EQ(r.WRITE3res_u.resok.committed, UNSTABLE);
                                std::string v(r.WRITE3res_u.resok.verf, 8);
                                if (verf.empty()) verf = v;
                                EXPECT_EQ(v, verf);
                              }),
              NFS3_OK);
  }
  COMMIT3args c{};
  c.file = f.wire();
  ASSERT_EQ(Call<COMMIT3res>(
                rpc_nfs3_commit_async, c,
                [&](COMMIT3res& r) { EXPECT_EQ(std::string(r.COMMIT3res_u.resok.verf, 8), verf); }),
            NFS3_OK);
  double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  std::vector<char> want(1 << 20);
  for (size_t i = 0; i < mib; ++i) {
    FillRandom(seed, i << 20, want.data(), want.size());
    READ3args rd{};
    rd.file = f.wire();
    rd.offset = uint64_t{i} << 20;
    rd.count = 1 << 20;
    ASSERT_EQ(
        Call<READ3res>(
            rpc_nfs3_read_async, rd,
            [&](READ3res& r) {
              ASSERT_EQ(r.READ3res_u.resok.count, want.size());
              EXPECT_EQ(r.READ3res_u.resok.eof, i + 1 == mib);
              EXPECT_EQ(std::memcmp(r.READ3res_u.resok.data.data_val, want.data(), want.size()), 0)
                  << "MiB " << i;
            }),
        NFS3_OK);
  }
  double read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu MiB: UNSTABLE write + COMMIT %.2f s (%.1f MiB/s), read %.2f s (%.1f MiB/s)\n",
              mib, write_s, mib / write_s, read_s, mib / read_s);
}

TEST_F(Nfs3Libnfs, SparseFiles) {
  nfs_context* nfs = ctx_.nfs;
  std::string path = base_ + "/sparse";
  nfsfh* fh = nullptr;
  ASSERT_EQ(nfs_open2(nfs, path.c_str(), O_CREAT | O_RDWR, 0644, &fh), 0);
  const uint64_t far = uint64_t{10} << 30;
  EXPECT_EQ(nfs_pwrite(nfs, fh, far, 4, "tail"), 4);
  EXPECT_EQ(nfs_pwrite(nfs, fh, 0, 4, "head"), 4);
  std::vector<char> buf(100000, 'x');
  EXPECT_EQ(nfs_pread(nfs, fh, uint64_t{5} << 30, buf.size(), buf.data()),
            static_cast<int>(buf.size()));
  EXPECT_EQ(std::count(buf.begin(), buf.end(), '\0'), static_cast<long>(buf.size()));
  char tail[8] = {};
  EXPECT_EQ(nfs_pread(nfs, fh, far, sizeof(tail), tail), 4);
  EXPECT_EQ(std::string(tail, 4), "tail");
  nfs_close(nfs, fh);
  struct nfs_stat_64 st {};
  ASSERT_EQ(nfs_stat64(nfs, path.c_str(), &st), 0);
  EXPECT_EQ(st.nfs_size, far + 4);
  EXPECT_LT(st.nfs_used, uint64_t{1} << 20);  // two blocks stored, not 10 GiB
}

TEST_F(Nfs3Libnfs, EightContextsWriteDisjointRanges) {
  constexpr int kWriters = 8;
  constexpr size_t kRange = 4 << 20;
  std::string path = base_ + "/shared";
  {
    nfsfh* fh = nullptr;
    ASSERT_EQ(nfs_open2(ctx_.nfs, path.c_str(), O_CREAT | O_RDWR, 0644, &fh), 0);
    nfs_close(ctx_.nfs, fh);
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      NfsContext c;
      if (nfs_mount(c.nfs, "127.0.0.1", "/default") != 0) {
        ++failures;
        return;
      }
      nfsfh* fh = nullptr;
      if (nfs_open(c.nfs, path.c_str(), O_RDWR, &fh) != 0) {
        ++failures;
        return;
      }
      std::vector<char> data(256 << 10);
      for (size_t off = 0; off < kRange; off += data.size()) {
        uint64_t at = w * kRange + off;
        FillRandom(w, at, data.data(), data.size());
        if (nfs_pwrite(c.nfs, fh, at, data.size(), data.data()) != static_cast<int>(data.size())) {
          ++failures;
        }
      }
      if (nfs_fsync(c.nfs, fh) != 0) ++failures;
      nfs_close(c.nfs, fh);
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures.load(), 0);
  nfsfh* fh = nullptr;
  ASSERT_EQ(nfs_open(ctx_.nfs, path.c_str(), O_RDONLY, &fh), 0);
  std::vector<char> got(256 << 10);
  std::vector<char> want(256 << 10);
  for (int w = 0; w < kWriters; ++w) {
    for (size_t off = 0; off < kRange; off += got.size()) {
      uint64_t at = w * kRange + off;
      FillRandom(w, at, want.data(), want.size());
      ASSERT_EQ(nfs_pread(ctx_.nfs, fh, at, got.size(), got.data()), static_cast<int>(got.size()));
      ASSERT_EQ(got, want) << "writer " << w << " offset " << off;
    }
  }
  nfs_close(ctx_.nfs, fh);
}

int RunShell(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(Nfs3Libnfs, LibnfsUtils) {
  const TempDir tmp("volumed-utils");
  std::string local = tmp / "in.bin";
  std::string content(3 << 20, '\0');
  FillRandom(99, 0, content.data(), content.size());
  {
    std::ofstream out(local, std::ios::binary);
    out << content;
  }
  std::string name = "utils-" + std::to_string(getpid()) + ".bin";
  std::string url = "nfs://127.0.0.1/default/" + name;
  ASSERT_EQ(RunShell("nfs-cp " + local + " " + url), 0);
  std::string listing = tmp / "ls.txt";
  ASSERT_EQ(RunShell("nfs-ls nfs://127.0.0.1/default/ > " + listing), 0);
  EXPECT_NE(ReadLocal(listing).find(name), std::string::npos) << ReadLocal(listing);
  std::string back = tmp / "back.bin";
  ASSERT_EQ(RunShell("nfs-cp " + url + " " + back), 0);
  EXPECT_EQ(ReadLocal(back), content);
  std::string catted = tmp / "cat.bin";
  ASSERT_EQ(RunShell("nfs-cat " + url + " > " + catted), 0);
  EXPECT_EQ(ReadLocal(catted), content);
}

// Last in this suite: kills the server.
TEST_F(Nfs3Libnfs, RestartKeepsCommittedDataHandlesAndChangesVerifier) {
  Fh f = CreateOk(dir_, "durable");
  std::string data(2 << 20, '\0');
  FillRandom(7, 0, data.data(), data.size());
  WRITE3args w{};
  w.file = f.wire();
  w.count = static_cast<count3>(data.size() / 2);
  w.stable = UNSTABLE;
  w.data.data_len = w.count;
  w.data.data_val = data.data();
  std::string verf_before;
  ASSERT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w,
                            [&](WRITE3res& r) { verf_before.assign(r.WRITE3res_u.resok.verf, 8); }),
            NFS3_OK);
  w.offset = data.size() / 2;
  w.data.data_val = data.data() + data.size() / 2;
  ASSERT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w), NFS3_OK);
  COMMIT3args c{};
  c.file = f.wire();
  ASSERT_EQ(Call<COMMIT3res>(rpc_nfs3_commit_async, c), NFS3_OK);

  server_->Kill();
  ASSERT_TRUE(server_->Restart().ok());
  Connect();

  GETATTR3args g{};
  g.object = f.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, g,
                              [&](GETATTR3res& r) {
                                EXPECT_EQ(r.GETATTR3res_u.resok.obj_attributes.size, data.size());
                              }),
            NFS3_OK);
  std::string got;
  for (uint64_t off = 0; off < data.size(); off += 1 << 20) {
    READ3args rd{};
    rd.file = f.wire();
    rd.offset = off;
    rd.count = 1 << 20;
    ASSERT_EQ(Call<READ3res>(rpc_nfs3_read_async, rd,
                             [&](READ3res& r) {
                               got.append(r.READ3res_u.resok.data.data_val,
                                          r.READ3res_u.resok.data.data_len);
                             }),
              NFS3_OK);
  }
  EXPECT_TRUE(got == data);
  w.offset = 0;
  w.data.data_val = data.data();
  ASSERT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w,
                            [&](WRITE3res& r) {
                              EXPECT_NE(std::string(r.WRITE3res_u.resok.verf, 8), verf_before);
                            }),
            NFS3_OK);
}

}  // namespace
}  // namespace volumed::testing
