// storage_bench: ops/s of the volume store for the shapes NFS clients produce, each beside
// the raw LevelDB figure for the same shape, measured in the same run on the same
// settings (so the ratio is the store's own overhead). Prints figures; not a test.
//
//   storage_bench [--dir D] [--files N] [--threads T] [--block-kib B] [--write-buffer-mib W]
//                 [--max-file-mib F] [--no-compress] [--bloom-bits K]
//                 [--ceph-pool P [--ceph-conf C] [--ceph-user U]]
//   storage_bench --layout [--streams N [--databases D]] [--seq-mib M] [tuning as above]
//
// With --ceph-pool both databases live in that RADOS pool through the RADOS store's Env
// (storage/rados/rados_env.h; --dir then only names their namespaces), so two runs give
// the embedded and the RADOS column of the same table.
//
// Shapes: create (synced, as CREATE is), lookup, 4 KiB random write into a 64 MiB file
// (unstable and FILE_SYNC), 1 MiB sequential write (unstable), readdir of 10,000 entries,
// 4 KiB random read of that file after a reopen (first touch, then again).
// Raw LevelDB equivalents: one synced batch of the same keys/values a create writes; two
// point Gets; a 4 KiB Put; a batch of 1 MiB in block-sized Puts; an iterator over 10,000
// keys; Gets of the 4 KiB values.
//
// --layout: only raw LevelDB, two streams of --seq-mib 1 MiB batches of one file's blocks
// in key order (the store's block keys), one whose every batch also carries the file's
// inode record and the volume's counters (what an UNSTABLE WRITE wrote before session 13),
// one with blocks alone (what it writes with its record deferred to COMMIT,
// storage/TUNING.md): MiB/s, the slowest batch and LevelDB's compaction stats of each.
// With --streams N, only blocks alone, N files' batches interleaved round-robin; with
// --databases D as well, file i's batches in database i % D.
#include <leveldb/write_batch.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/key_codec.h"
#include "storage/kv.h"
#include "storage/rados/rados_env.h"
#include "storage/volume_impl.h"

using namespace volumed;
using namespace volumed::storage;

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void Row(const char* shape, double store_ops, double raw_ops, const char* unit = "ops/s") {
  std::printf("%-34s %12.0f %12.0f %8.2f   %s\n", shape, store_ops, raw_ops,
              raw_ops > 0 ? store_ops / raw_ops : 0.0, unit);
}

void Die(const Status& s, const char* what) {
  std::fprintf(stderr, "storage_bench: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(r.status(), what);
  return std::move(r).value();
}

// What NFS does before it answers a synced operation (DESIGN.md §5): an operation returns
// once applied; its reply waits until the change is durable.
void MustBeDurable(Volume& v) {
  if (Status s = v.WaitDurable(); !s.ok()) Die(s, "sync");
}

std::string Key(const char* prefix, uint64_t i) { return prefix + std::to_string(i); }

// 1 MiB sequential writes (unstable, as the kernel client sends them), then COMMIT, beside
// the raw equivalent. With `log_path` (the volume's LevelDB LOG) also what stalled the
// writer: its slowest writes, the most level-0 files seen (sampled every 5 ms), the
// writes that waited for a memtable flush or on too many level-0 files (LevelDB logs
// each), and LevelDB's own per-level compaction stats.
void SequentialWrite(Volume& v, const Kv& kv, Kv& raw, int seq_mib, size_t bs,
                     const std::string& log_path, std::mt19937_64& rng) {
  const Credentials root{0, 0, {}};
  auto seq = Must(v.Create(root, v.Root(), "seq", CreateMode::kGuarded, {}, 0, nullptr), "create");
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(rng());
  std::atomic<bool> writing{true};
  int max_l0 = 0;
  std::thread sampler([&] {
    while (writing.load()) {
      if (auto n = kv.Property("leveldb.num-files-at-level0"))
        max_l0 = std::max(max_l0, std::stoi(*n));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::vector<double> latency;
  latency.reserve(seq_mib);
  auto t0 = Clock::now();
  for (int i = 0; i < seq_mib; ++i) {
    auto w0 = Clock::now();
    Must(v.Write(root, seq.ref, uint64_t(i) << 20, data, Stability::kUnstable, nullptr), "write");
    latency.push_back(Seconds(w0));
  }
  const auto c0 = Clock::now();
  if (Status s = v.Commit(seq.ref, nullptr); !s.ok()) Die(s, "commit");
  MustBeDurable(v);
  const double commit_ms = 1000 * Seconds(c0);
  const double store = seq_mib / Seconds(t0);
  writing = false;
  sampler.join();
  t0 = Clock::now();
  for (int i = 0; i < seq_mib; ++i) {
    leveldb::WriteBatch b;
    for (size_t off = 0; off < data.size(); off += bs) {
      b.Put(Key("s", (uint64_t(i) << 20) + off), leveldb::Slice(data.data() + off, bs));
    }
    if (Status s = raw.Write(&b, false); !s.ok()) Die(s, "raw write");
  }
  leveldb::WriteBatch barrier;
  barrier.Put("barrier", "");
  if (Status s = raw.Write(&barrier, true); !s.ok()) Die(s, "raw barrier");
  Row("1 MiB sequential write (MiB/s)", store, seq_mib / Seconds(t0), "ops/s = MiB/s");
  if (log_path.empty()) return;
  std::sort(latency.begin(), latency.end());
  auto ms = [&](double q) { return 1000 * latency[static_cast<size_t>(q * (latency.size() - 1))]; };
  size_t memtable_waits = 0, l0_waits = 0;
  std::ifstream log(log_path);
  for (std::string line; std::getline(log, line);) {
    if (line.find("Current memtable full; waiting") != std::string::npos) ++memtable_waits;
    if (line.find("Too many L0 files; waiting") != std::string::npos) ++l0_waits;
  }
  std::printf(
      "store writes: p50 %.1f ms, p99 %.1f ms, max %.1f ms; the COMMIT and its sync %.1f ms; "
      "most level-0 files %d; waits for a memtable flush %zu, on level-0 stop %zu\n%s",
      ms(0.5), ms(0.99), ms(1.0), commit_ms, max_l0, memtable_waits, l0_waits,
      kv.Property("leveldb.stats").value_or("").c_str());
}

// One --layout run into fresh databases under `path`: `seq_mib` batches of 1 MiB of
// block-sized puts, each with the inode record and the counters when `with_metadata`.
// The batches go round-robin to `streams` files (inodes 2, 3, …), each written in order,
// as several clients' streams reach one volume; file i's batches go to database
// i % `databases` (one: the store's layout; one per stream: what a database per stream
// would save).
void LayoutStream(KvFactory& factory, const std::string& path, bool with_metadata, int streams,
                  int databases, int seq_mib, size_t bs, const std::string& data) {
  std::vector<std::unique_ptr<Kv>> kvs;
  if (Status s = factory.CreateDir(path); !s.ok()) Die(s, "create layout directory");
  for (int d = 0; d < databases; ++d) {
    kvs.push_back(Must(factory.Open(path + "/" + std::to_string(d)), "open layout database"));
  }
  const std::string inode(96, 'i');     // about an encoded InodeRecord's size
  const std::string counters(25, 'c');  // an encoded CountersRecord's
  double slowest = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < seq_mib; ++i) {
    leveldb::WriteBatch b;
    const InodeId ino = 2 + i % streams;
    const uint64_t first = (uint64_t(i / streams) << 20) / bs;
    for (size_t off = 0; off < data.size(); off += bs) {
      b.Put(keys::Block(ino, first + off / bs), leveldb::Slice(data.data() + off, bs));
    }
    if (with_metadata) {
      b.Put(keys::Inode(ino), inode);
      b.Put(keys::Super(keys::kSuperCounters), counters);
    }
    const auto w0 = Clock::now();
    if (Status s = kvs[(i % streams) % databases]->Write(&b, false); !s.ok())
      Die(s, "layout write");
    slowest = std::max(slowest, Seconds(w0));
  }
  const double rate = seq_mib / Seconds(t0);
  std::printf("%s, %d stream%s in %d database%s: %.0f MiB/s, slowest batch %.0f ms\n",
              with_metadata ? "blocks + inode record + counters in every batch" : "blocks alone",
              streams, streams == 1 ? "" : "s interleaved", databases, databases == 1 ? "" : "s",
              rate, 1000 * slowest);
  for (const auto& kv : kvs)
    std::printf("%s\n", kv->Property("leveldb.stats").value_or("").c_str());
}

void Layout(KvFactory& factory, const std::string& dir, int streams, int databases, int seq_mib,
            size_t bs, std::mt19937_64& rng) {
  std::string data(1 << 20, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  if (streams == 1) {
    LayoutStream(factory, dir + "/layout-metadata", true, 1, 1, seq_mib, bs, data);
  }
  LayoutStream(factory, dir + "/layout-blocks", false, streams, databases, seq_mib, bs, data);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"volume store benchmark"};
  std::string dir;
  int files = 5000;
  int threads = 8;
  uint32_t block_kib = 16;
  size_t write_buffer_mib = 32;
  size_t max_file_mib = 32;
  bool no_compress = false;
  int bloom_bits = 10;
  int seq_mib = 256;
  app.add_option("--dir", dir, "scratch directory (default: a new one under /tmp)");
  app.add_option("--files", files, "files for create/lookup");
  app.add_option("--threads", threads, "threads for the concurrent create");
  app.add_option("--block-kib", block_kib, "volume block size in KiB");
  app.add_option("--write-buffer-mib", write_buffer_mib, "LevelDB write_buffer_size");
  app.add_option("--max-file-mib", max_file_mib, "LevelDB max_file_size");
  app.add_flag("--no-compress", no_compress, "disable snappy");
  app.add_option("--bloom-bits", bloom_bits, "bloom filter bits per key (0 = none)");
  app.add_option("--seq-mib", seq_mib, "MiB for the sequential write");
  bool seq_only = false;
  app.add_flag("--seq-only", seq_only,
               "only the sequential write, with LevelDB's stats and the writers' stalls");
  int streams = 1;
  app.add_option("--streams", streams, "--layout: interleaved streams (blocks alone)")
      ->check(CLI::Range(1, 64));
  int databases = 1;
  app.add_option("--databases", databases, "--layout: streams spread over this many databases")
      ->check(CLI::Range(1, 64));
  bool layout = false;
  app.add_flag("--layout", layout,
               "only raw LevelDB streams with and without per-batch metadata (header)");
  size_t table_block_kib = 16;
  app.add_option("--table-block-kib", table_block_kib, "LevelDB block_size (table blocks)");
  rados::RadosEnvOptions ceph;
  ceph.conf_path = "/etc/ceph/ceph.conf";
  ceph.gateway_id = "storage_bench";
  app.add_option("--ceph-pool", ceph.pool, "run on the RADOS store in this pool");
  app.add_option("--ceph-conf", ceph.conf_path, "ceph.conf for --ceph-pool");
  app.add_option("--ceph-user", ceph.user, "cephx user for --ceph-pool");
  CLI11_PARSE(app, argc, argv);

  bool own_dir = dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/storage-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  KvTuning tuning;
  tuning.write_buffer_size = write_buffer_mib << 20;
  tuning.max_file_size = max_file_mib << 20;
  tuning.table_block_size = table_block_kib << 10;
  tuning.compress = !no_compress;
  tuning.bloom_bits_per_key = bloom_bits;
  std::unique_ptr<rados::RadosEnv> rados_env;
  if (!ceph.pool.empty()) {
    ceph.root = dir;
    rados_env = Must(rados::RadosEnv::Connect(ceph), "connect to Ceph");
  }
  KvFactory factory(rados_env.get(), tuning, size_t{64} << 20);
  if (layout) {
    std::mt19937_64 rng(1);
    Layout(factory, dir, streams, databases, seq_mib, size_t{block_kib} * 1024, rng);
    if (own_dir) std::filesystem::remove_all(dir);
    return 0;
  }
  VolumeImpl::Options vo;
  vo.id = 1;
  vo.epoch = 1;
  vo.block_size = block_kib * 1024;
  auto volume =
      Must(VolumeImpl::Open(Must(factory.Open(dir + "/vol"), "open volume"), vo), "format volume");
  auto raw = Must(factory.Open(dir + "/raw"), "open raw");
  Volume& v = *volume;
  const Credentials root{0, 0, {}};
  std::mt19937_64 rng(1);

  std::printf(
      "block %u KiB, write buffer %zu MiB, max file %zu MiB, table block %zu KiB, %s, bloom %d "
      "bits; %s%s\n",
      block_kib, write_buffer_mib, max_file_mib, table_block_kib,
      no_compress ? "no compression" : "snappy", bloom_bits, dir.c_str(),
      rados_env ? (" in RADOS pool " + ceph.pool).c_str() : "");
  std::printf("%-34s %12s %12s %8s\n", "shape", "store", "raw leveldb", "ratio");
  if (seq_only) {
    SequentialWrite(v, *volume->kv(), *raw, seq_mib, vo.block_size, dir + "/vol/LOG", rng);
    volume->Close();
    raw.reset();
    if (own_dir) std::filesystem::remove_all(dir);
    return 0;
  }

  // create, one thread: each a synced batch.
  auto d = Must(v.Mkdir(root, v.Root(), "c", {}, nullptr), "mkdir");
  auto t0 = Clock::now();
  for (int i = 0; i < files; ++i) {
    Must(v.Create(root, d.ref, Key("f", i), CreateMode::kGuarded, {}, 0, nullptr), "create");
    MustBeDurable(v);
  }
  double store = files / Seconds(t0);
  const std::string inode_value(110, 'i');
  const std::string entry_value(22, 'e');
  t0 = Clock::now();
  for (int i = 0; i < files; ++i) {
    leveldb::WriteBatch b;
    b.Put(Key("i", i), inode_value);
    b.Put(Key("e", i), entry_value);
    b.Put(Key("k", i), entry_value);
    b.Put("dir", inode_value);
    b.Put("counters", "0123456789012345678901234");
    if (Status s = raw->Write(&b, true); !s.ok()) Die(s, "raw write");
  }
  Row("create (synced, 1 thread)", store, files / Seconds(t0));

  // create, T threads into T directories: group commit shares the log syncs.
  {
    std::vector<InodeRef> dirs;
    for (int t = 0; t < threads; ++t) {
      dirs.push_back(Must(v.Mkdir(root, v.Root(), Key("t", t), {}, nullptr), "mkdir").ref);
    }
    const int per = files / threads;
    t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        for (int i = 0; i < per; ++i) {
          Must(v.Create(root, dirs[t], Key("f", i), CreateMode::kGuarded, {}, 0, nullptr),
               "create");
          MustBeDurable(v);
        }
      });
    }
    for (auto& th : ts) th.join();
    store = per * threads / Seconds(t0);
    t0 = Clock::now();
    ts.clear();
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        for (int i = 0; i < per; ++i) {
          leveldb::WriteBatch b;
          b.Put(Key("ti", t * per + i), inode_value);
          b.Put(Key("te", t * per + i), entry_value);
          b.Put(Key("tk", t * per + i), entry_value);
          b.Put(Key("tdir", t), inode_value);
          if (Status s = raw->Write(&b, true); !s.ok()) Die(s, "raw write");
        }
      });
    }
    for (auto& th : ts) th.join();
    char label[64];
    std::snprintf(label, sizeof label, "create (synced, %d threads)", threads);
    Row(label, store, per * threads / Seconds(t0));
  }

  // lookup
  const int lookups = files * 4;
  t0 = Clock::now();
  for (int i = 0; i < lookups; ++i) {
    Must(v.Lookup(root, d.ref, Key("f", rng() % files), nullptr), "lookup");
  }
  store = lookups / Seconds(t0);
  t0 = Clock::now();
  for (int i = 0; i < lookups; ++i) {
    const uint64_t n = rng() % files;
    Must(raw->Get(Key("e", n)), "get");
    Must(raw->Get(Key("i", n)), "get");
  }
  Row("lookup", store, lookups / Seconds(t0));

  // 4 KiB random writes into a 64 MiB file (written once first).
  const uint64_t file_bytes = uint64_t{64} << 20;
  auto big = Must(v.Create(root, v.Root(), "big", CreateMode::kGuarded, {}, 0, nullptr), "create");
  const std::string mib(1 << 20, 'x');
  for (uint64_t off = 0; off < file_bytes; off += mib.size()) {
    Must(v.Write(root, big.ref, off, mib, Stability::kUnstable, nullptr), "fill");
  }
  const std::string four_k(4096, 'r');
  for (Stability st : {Stability::kUnstable, Stability::kFileSync}) {
    const int n = st == Stability::kUnstable ? 20000 : 2000;
    t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      const uint64_t off = (rng() % (file_bytes / 4096)) * 4096;
      Must(v.Write(root, big.ref, off, four_k, st, nullptr), "write");
      if (st != Stability::kUnstable) MustBeDurable(v);
    }
    store = n / Seconds(t0);
    t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      leveldb::WriteBatch b;
      b.Put(Key("w", rng() % (file_bytes / 4096)), four_k);
      if (Status s = raw->Write(&b, st != Stability::kUnstable); !s.ok()) Die(s, "raw write");
    }
    Row(st == Stability::kUnstable ? "4 KiB random write (unstable)" : "4 KiB random write (sync)",
        store, n / Seconds(t0));
  }

  SequentialWrite(v, *volume->kv(), *raw, seq_mib, vo.block_size, "", rng);

  // readdir of 10,000 entries
  {
    auto big_dir = Must(v.Mkdir(root, v.Root(), "ten-k", {}, nullptr), "mkdir");
    leveldb::WriteBatch b;
    for (int i = 0; i < 10000; ++i) {
      Must(v.Create(root, big_dir.ref, Key("entry-", i), CreateMode::kGuarded, {}, 0, nullptr),
           "create");
      b.Put(Key("rd", 1000000 + i), "..........................name-xxxx");
    }
    if (Status s = raw->Write(&b, true); !s.ok()) Die(s, "raw write");
    const int reps = 20;
    size_t seen = 0;
    t0 = Clock::now();
    for (int r = 0; r < reps; ++r) {
      Must(v.ReadDir(
               root, big_dir.ref, 0, [&](const DirEntry&) { return ++seen, true; }, nullptr),
           "readdir");
    }
    store = reps / Seconds(t0);
    t0 = Clock::now();
    for (int r = 0; r < reps; ++r) {
      if (Status s = raw->Scan("rd", "re",
                               [&](std::string_view, std::string_view) { return ++seen, true; });
          !s.ok()) {
        Die(s, "raw scan");
      }
    }
    Row("readdir of 10,000 entries", store, reps / Seconds(t0), "listings/s");
  }

  // 4 KiB random reads of the 64 MiB file after reopening both databases through a new
  // Env and factory: the first pass finds LevelDB's block cache and the RADOS Env's
  // extent cache empty (ext4's page cache stays warm: dropping it would disturb the
  // machine), the second pass reads the same offsets again with every cache warm.
  {
    const InodeRef big_ref = big.ref;
    volume->Close();
    volume.reset();
    raw.reset();
    std::unique_ptr<rados::RadosEnv> cold_env;
    if (rados_env) cold_env = Must(rados::RadosEnv::Connect(ceph), "connect to Ceph");
    KvFactory cold(cold_env.get(), tuning, size_t{64} << 20);
    volume =
        Must(VolumeImpl::Open(Must(cold.Open(dir + "/vol"), "reopen volume"), vo), "reopen volume");
    raw = Must(cold.Open(dir + "/raw"), "reopen raw");
    const int n = 2000;
    std::vector<uint64_t> blocks(n);
    for (auto& b : blocks) b = rng() % (file_bytes / 4096);
    for (const char* pass : {"first touch", "again"}) {
      t0 = Clock::now();
      for (uint64_t b : blocks) Must(volume->Read(root, big_ref, b * 4096, 4096), "read");
      store = n / Seconds(t0);
      t0 = Clock::now();
      for (uint64_t b : blocks) Must(raw->Get(Key("w", b)), "get");
      char label[64];
      std::snprintf(label, sizeof label, "4 KiB random read (%s)", pass);
      Row(label, store, n / Seconds(t0));
    }
    volume->Close();
    volume.reset();
    raw.reset();
    // The cold Env owns the locks now; the removal below takes them over (same gateway).
  }
  if (rados_env) {
    for (const char* db : {"/vol", "/raw"}) {
      if (Status s = factory.Destroy(dir + db); !s.ok()) Die(s, "remove from RADOS");
    }
  }
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
