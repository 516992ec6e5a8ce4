// syncbench: what one fdatasync of a 4 KiB write costs on a file system, in the three
// shapes a log can take (LevelDB's write-ahead log is the first):
//
//   syncbench append     --dir DIR   4 KiB appended to a growing file, fdatasync each
//   syncbench overwrite  --dir DIR   4 KiB overwrites, in order, of a file written in full
//                                    and synced beforehand (a pre-sized, recycled log)
//   syncbench fallocated --dir DIR   4 KiB writes, in order, into a file fallocate()d
//                                    beforehand (allocated but unwritten extents)
//   [--seconds 3] [--mib 64]         (--mib: size of the pre-sized files; wraps around)
//   [--threads 1]                    threads writing and syncing the one file at once, each
//                                    its own 4 KiB at the next offset: do concurrent syncs
//                                    of one file overlap on this disk (storage/TUNING.md)?
//
// Prints one line in loadgen's format (workload=fdatasync_<mode> … rate=… unit=syncs/s
// p50_us=… p99_us=…). The file is created in DIR (use the servers' data file system) and
// removed at the end. A figure, not a test.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "percentile.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBlock = 4096;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "syncbench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void WriteAt(int fd, const char* p, size_t n, off_t off) {
  while (n > 0) {
    const ssize_t put = pwrite(fd, p, n, off);
    if (put <= 0) Die("pwrite");
    p += put;
    n -= static_cast<size_t>(put);
    off += put;
  }
}

// Brings the file to its starting shape (untimed).
void Prepare(int fd, const std::string& mode, uint64_t bytes) {
  if (mode == "append") return;
  if (mode == "fallocated") {
    if (fallocate(fd, 0, 0, static_cast<off_t>(bytes)) != 0) Die("fallocate");
  } else {
    std::vector<char> chunk(size_t{1} << 20, 'p');
    for (uint64_t off = 0; off < bytes; off += chunk.size()) {
      WriteAt(fd, chunk.data(), std::min<uint64_t>(chunk.size(), bytes - off),
              static_cast<off_t>(off));
    }
  }
  if (fsync(fd) != 0) Die("fsync");
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, dir = ".";
  double seconds = 3;
  uint64_t mib = 64;
  unsigned threads = 1;
  CLI::App app{"syncbench: fdatasync cost of a 4 KiB write, growing vs pre-sized file"};
  app.add_option("mode", mode, "append, overwrite or fallocated")
      ->required()
      ->check(CLI::IsMember({"append", "overwrite", "fallocated"}));
  app.add_option("--dir", dir, "Directory on the file system to measure")->capture_default_str();
  app.add_option("--seconds", seconds, "Duration")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--mib", mib, "Size of the pre-sized file (MiB)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 16));
  app.add_option("--threads", threads, "Threads writing and syncing at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  CLI11_PARSE(app, argc, argv);

  const std::string path = dir + "/syncbench-" + std::to_string(getpid());
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) Die("open " + path);
  const uint64_t bytes = mib << 20;
  Prepare(fd, mode, bytes);
  const bool grows = mode == "append";
  std::atomic<uint64_t> next{0};
  std::vector<std::vector<uint32_t>> lats(threads);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<char> block(kBlock, 'w');
      for (auto now = Clock::now(); now < end;) {
        const auto t0 = now;
        uint64_t off = next.fetch_add(kBlock);
        if (!grows) off %= bytes;
        WriteAt(fd, block.data(), kBlock, static_cast<off_t>(off));
        if (fdatasync(fd) != 0) Die("fdatasync");
        now = Clock::now();
        lats[t].push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count()));
      }
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  close(fd);
  unlink(path.c_str());
  std::vector<uint32_t> lat = volumed::bench::Merged(lats);
  const size_t n = lat.size();
  const uint32_t p50 = volumed::bench::Percentile(lat, 50);
  const uint32_t p99 = volumed::bench::Percentile(lat, 99);
  std::printf(
      "workload=fdatasync_%s clients=1 inflight=%u units=%zu items=%zu seconds=%.3f rate=%.1f "
      "unit=syncs/s p50_us=%u p99_us=%u\n",
      mode.c_str(), threads, n, n, elapsed, n / elapsed, p50, p99);
  return 0;
}
