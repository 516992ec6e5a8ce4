// soak: N concurrent NFS clients (libnfs, one connection pair each, uid 1000) run a mixed
// workload against a volumed this program starts, for a bounded time, while the server's
// RSS, heap, caches and open file descriptors are sampled once a second (/proc, and its
// /metrics over --http).
//
// Each client, in its own directory, loops: CREATE a file, WRITE it (UNSTABLE then COMMIT,
// or FILE_SYNC; 1 B to 256 KiB), READ it back and compare, GETATTR, READDIR its directory,
// RENAME it, truncate it, and REMOVE some of its files. Any NFS error, short
// read or wrong byte is an error.
//
// Passes (exit 0) when: no client saw an error; after the clients close, the server's fd
// count is back to its idle level (+2 slack); memory leaks nowhere: the heap the server
// holds outside its bounded caches (jemalloc's allocated bytes less LevelDB's block cache,
// the volumes' memtables and the listing cache, each capped by configuration) peaks in
// the last third of the run no more than --heap-slack-mib above its peak in the middle
// third (warm-up happens in the first); and RSS stays under --rss-max-mib all along.
// RSS growth itself is no leak test: the caches fill at whatever rate the machine allows,
// and jemalloc keeps freed pages for its decay time (storage/TUNING.md, "One arena").
// Without jemalloc's figures (another allocator) RSS stands in for the heap.
//
//   soak --clients 32 --seconds 20 [--volumed PATH] [--port 23049] [--csv samples.csv]
#include <dirent.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "httplib.h"
#include "metrics/exposition_reader.h"
#include "nfs_ops.h"
#include "rpc_session.h"
#include "server.h"
#include "support/temp_dir.h"

namespace {

using namespace volumed::crashmatrix;
using Clock = std::chrono::steady_clock;

struct Sample {
  double t = 0;
  uint64_t rss_kib = 0;
  uint64_t rss_file_kib = 0;  // of it, mapped files (LevelDB reads its tables through mmap)
  uint64_t fds = 0;
  uint64_t ops = 0;
  // From /metrics; both 0 when the scrape failed.
  uint64_t heap_kib = 0;    // jemalloc's allocated bytes, else RSS
  uint64_t caches_kib = 0;  // block cache + memtables + listing cache
};

constexpr uint64_t kMiB = 1 << 20;

// The memory figures of one /metrics scrape (Sample's heap_kib and caches_kib), or
// false when the server did not answer or its text was not valid exposition.
bool ScrapeMemory(uint16_t http_port, uint64_t rss_kib, Sample* out) {
  httplib::Client client("127.0.0.1", http_port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return false;
  auto series = volumed::metrics::CheckExposition(res->body);
  if (!series.ok()) return false;
  double caches = 0;
  std::optional<double> heap;
  for (const auto& [key, value] : *series) {
    if (key == "volumed_process_heap_allocated_bytes") heap = value;
    if (key == "volumed_storage_block_cache_bytes" || key == "volumed_nfs_listing_cache_bytes" ||
        key.rfind("volumed_volume_leveldb_memtable_bytes{", 0) == 0) {
      caches += value;
    }
  }
  out->heap_kib = heap ? static_cast<uint64_t>(*heap) / 1024 : rss_kib;
  out->caches_kib = static_cast<uint64_t>(caches) / 1024;
  return true;
}

// A "NAME: N kB" field of /proc/PID/status (VmRSS, RssFile, ...), in KiB.
uint64_t StatusKib(pid_t pid, std::string_view field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string key;
  while (in >> key) {
    if (key.size() == field.size() + 1 && key.starts_with(field) && key.back() == ':') {
      uint64_t v = 0;
      in >> v;
      return v;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return 0;
}

uint64_t FdCount(pid_t pid) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", pid), ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

struct Shared {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> bytes{0};
  std::mutex mu;
  std::vector<std::string> errors;  // guarded by mu
  void Error(std::string e) {
    std::lock_guard<std::mutex> l(mu);
    if (errors.size() < 50) errors.push_back(std::move(e));
  }
};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// One client; returns when `shared.stop` is set or on its first error.
void Client(int id, uint16_t nfs_port, uint16_t mount_port, Shared& shared) {
  const auto fail = [&](const std::string& what, const volumed::Status& s) {
    shared.Error(fmt::format("client {}: {}: {}", id, what, s.ToString()));
  };
  auto mount = RpcSession::Connect(mount_port, MOUNT_PROGRAM, MOUNT_V3, 1000, 1000,
                                   std::chrono::seconds(60));
  auto nfs =
      RpcSession::Connect(nfs_port, NFS_PROGRAM, NFS_V3, 1000, 1000, std::chrono::seconds(60));
  if (!mount.ok() || !nfs.ok()) {
    fail("connect", mount.ok() ? nfs.status() : mount.status());
    return;
  }
  NfsOps ops(nfs->get(), mount->get());
  auto root = ops.Mount("/soak");
  if (!root.ok()) return fail("MNT", root.status());
  auto dir = ops.Mkdir(*root, fmt::format("client{}", id));
  if (!dir.ok()) return fail("MKDIR", dir.status());
  std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
  std::vector<std::string> names;
  for (uint64_t n = 0; !shared.stop.load(); ++n) {
    const std::string name = fmt::format("f{}", n);
    auto fh = ops.Create(*dir, name);
    if (!fh.ok()) return fail("CREATE " + name, fh.status());
    const size_t len = std::uniform_int_distribution<size_t>(1, 256 * 1024)(rng);
    const std::string data = RandomBytes(rng, len);
    const bool sync = rng() % 2 == 0;
    for (size_t off = 0; off < len; off += 64 * 1024) {
      auto ack = ops.Write(*fh, off, data.substr(off, 64 * 1024), sync);
      if (!ack.ok()) return fail("WRITE " + name, ack.status());
    }
    if (!sync) {
      auto verf = ops.Commit(*fh);
      if (!verf.ok()) return fail("COMMIT " + name, verf.status());
    }
    auto back = ops.ReadAll(*fh);
    if (!back.ok()) return fail("READ " + name, back.status());
    if (*back != data) return fail("READ " + name, volumed::Internal("content differs"));
    auto list = ops.List(*dir);
    if (!list.ok()) return fail("READDIR", list.status());
    const std::string renamed = name + ".r";
    volumed::Status s = ops.Rename(*dir, name, *dir, renamed);
    if (!s.ok()) return fail("RENAME " + name, s);
    s = ops.Truncate(*fh, len / 2);
    if (!s.ok()) return fail("SETATTR " + renamed, s);
    auto size = ops.Size(*fh);
    if (!size.ok() || *size != len / 2) {
      return fail("GETATTR " + renamed,
                  size.ok() ? volumed::Internal("size not truncated") : size.status());
    }
    names.push_back(renamed);
    if (names.size() > 8) {  // keep the directory small: remove the oldest
      s = ops.Remove(*dir, names.front());
      if (!s.ok()) return fail("REMOVE " + names.front(), s);
      names.erase(names.begin());
    }
    shared.ops.fetch_add(11, std::memory_order_relaxed);
    shared.bytes.fetch_add(2 * len, std::memory_order_relaxed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Soak: concurrent libnfs clients against volumed, RSS and fds sampled"};
  int clients = 32;
  int seconds = 20;
  uint16_t port = 23049;
  uint16_t http_port = 9049;
  uint64_t heap_slack_mib = 32;
  uint64_t rss_max_mib = 512;
  std::string volumed_bin = std::getenv("VOLUMED_BIN") ? std::getenv("VOLUMED_BIN") : "";
  std::string csv;
  app.add_option("--clients", clients, "concurrent clients")->capture_default_str();
  app.add_option("--seconds", seconds, "duration")->capture_default_str();
  app.add_option("--port", port, "NFS port; MOUNT, NLM, NSM take the next three")
      ->capture_default_str();
  app.add_option("--http-port", http_port, "the server's --http port (127.0.0.1)")
      ->capture_default_str();
  app.add_option("--heap-slack-mib", heap_slack_mib,
                 "allowed rise of the heap outside caches, last third vs middle")
      ->capture_default_str();
  app.add_option("--rss-max-mib", rss_max_mib, "the most RSS allowed at any sample")
      ->capture_default_str();
  app.add_option("--volumed", volumed_bin, "volumed binary (default: $VOLUMED_BIN)");
  app.add_option(
      "--csv", csv,
      "write the samples (t, rss_kib, rss_file_kib, fds, ops, heap_kib, caches_kib) here");
  CLI11_PARSE(app, argc, argv);
  if (volumed_bin.empty() || clients < 1 || seconds < 3) {
    fmt::print(stderr, "soak: need --volumed (or VOLUMED_BIN), --clients ≥ 1, --seconds ≥ 3\n");
    return 2;
  }
  volumed::testing::TempDir work("soak");
  ServerConfig config{
      volumed_bin, work / "data", work / "volumed.log",
      "soak",      port,          {"--http", fmt::format("127.0.0.1:{}", http_port)}};
  int rc = 0;
  {
    ServerLauncher server(config);
    volumed::Status started = server.Start();
    if (!started.ok()) {
      fmt::print("soak: {}; server log kept in {}\n", started.ToString(), work.path());
      work.Keep();
      return 2;
    }
    const pid_t pid = server.pid();
    const uint64_t idle_fds = FdCount(pid);
    const uint64_t idle_rss = StatusKib(pid, "VmRSS");
    Shared shared;
    std::vector<Sample> samples;
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back(Client, i, server.nfs_port(), server.mount_port(), std::ref(shared));
    }
    size_t failed_scrapes = 0;
    while (Clock::now() - t0 < std::chrono::seconds(seconds)) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      Sample x{std::chrono::duration<double>(Clock::now() - t0).count(), StatusKib(pid, "VmRSS"),
               StatusKib(pid, "RssFile"), FdCount(pid), shared.ops.load()};
      if (!ScrapeMemory(http_port, x.rss_kib, &x)) ++failed_scrapes;
      samples.push_back(x);
    }
    shared.stop = true;
    for (auto& t : threads) t.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the server close
    const uint64_t end_fds = FdCount(pid);
    const int stop_rc = server.Stop();

    if (!csv.empty()) {
      std::ofstream out(csv);
      out << "t,rss_kib,rss_file_kib,fds,ops,heap_kib,caches_kib\n";
      for (const auto& s : samples) {
        out << fmt::format("{:.1f},{},{},{},{},{},{}\n", s.t, s.rss_kib, s.rss_file_kib, s.fds,
                           s.ops, s.heap_kib, s.caches_kib);
      }
    }
    // The heap outside the caches; a sample whose scrape failed counts as nothing.
    auto uncached = [](const Sample& x) {
      return x.heap_kib > x.caches_kib ? x.heap_kib - x.caches_kib : 0;
    };
    const size_t third = samples.size() / 3;
    uint64_t mid_peak = 0, late_peak = 0, peak_fds = 0, peak_rss = 0;
    for (size_t i = 0; i < samples.size(); ++i) {
      peak_fds = std::max(peak_fds, samples[i].fds);
      peak_rss = std::max(peak_rss, samples[i].rss_kib);
      if (i >= third && i < 2 * third) mid_peak = std::max(mid_peak, uncached(samples[i]));
      if (i >= 2 * third) late_peak = std::max(late_peak, uncached(samples[i]));
    }
    for (const auto& e : shared.errors) fmt::print("ERROR {}\n", e);
    const bool fd_ok = end_fds <= idle_fds + 2;
    const bool heap_ok = late_peak <= mid_peak + heap_slack_mib * 1024;
    const bool rss_ok = peak_rss <= rss_max_mib * 1024;
    // A scrape may time out under load now and then; most must answer.
    const bool scrapes_ok = failed_scrapes * 4 <= samples.size();
    if (!fd_ok)
      fmt::print("FD LEAK: {} fds idle before, {} after the clients closed\n", idle_fds, end_fds);
    if (!heap_ok) {
      fmt::print(
          "HEAP GROWTH outside the caches: middle-third peak {} KiB, last-third peak {} KiB\n",
          mid_peak, late_peak);
    }
    if (!rss_ok) fmt::print("RSS {} KiB over the {} MiB bound\n", peak_rss, rss_max_mib);
    if (!scrapes_ok) {
      fmt::print("/metrics on port {} failed {} of {} scrapes\n", http_port, failed_scrapes,
                 samples.size());
    }
    if (stop_rc != 0) fmt::print("volumed exited with {} on SIGTERM\n", stop_rc);
    const double secs = samples.empty() ? 0 : samples.back().t;
    const Sample last = samples.empty() ? Sample{} : samples.back();
    fmt::print(
        "soak: {} clients, {:.0f} s: {} ops ({:.0f}/s), {:.1f} MiB moved, {} errors; RSS idle {} "
        "MiB, peak {} MiB, last {} MiB (mapped files {} MiB, heap {} MiB, of it caches {} MiB); "
        "heap outside caches: middle-third peak {} MiB, last-third peak {} MiB; fds idle {}, "
        "peak {}, after {}\n",
        clients, secs, shared.ops.load(), secs > 0 ? shared.ops.load() / secs : 0,
        static_cast<double>(shared.bytes.load()) / kMiB, shared.errors.size(), idle_rss / 1024,
        peak_rss / 1024, last.rss_kib / 1024, last.rss_file_kib / 1024, last.heap_kib / 1024,
        last.caches_kib / 1024, mid_peak / 1024, late_peak / 1024, idle_fds, peak_fds, end_fds);
    rc = shared.errors.empty() && fd_ok && heap_ok && rss_ok && scrapes_ok && stop_rc == 0 ? 0 : 1;
  }
  if (rc != 0) {
    fmt::print("soak: data and server log kept in {}\n", work.path());
    work.Keep();
  }
  return rc;
}
