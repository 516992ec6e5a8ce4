// diskbench: how fast this machine reads a file that is not in its page cache, the ceiling
// of any server's cold sequential read (compare.sh's machine limits):
//
//   diskbench --dir DIR [--mib 256] [--io-kib 1024] [--threads 8] [--direct]
//
// Writes a file of --mib MiB (incompressible bytes) in DIR, syncs it and drops its pages
// from the page cache (posix_fadvise DONTNEED: this file only, nothing else on the
// machine), then reads it once in --io-kib pieces, --threads readers taking the next piece
// in file order (as a client with that many READs in flight). Buffered by default, so the
// kernel's read-ahead and page-cache fill are in the figure as they are in a server's;
// --direct reads with O_DIRECT, the device alone. The file is removed at the end.
//
// Prints one line in loadgen's format (workload=disk_read or disk_read_direct … rate=…
// unit=MB/s p50_us=… p99_us=…: latency of one piece). A figure, not a test.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "percentile.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kAlign = 4096;  // O_DIRECT's buffer, offset and size alignment

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "diskbench: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

// A buffer O_DIRECT accepts.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t n) {
    if (posix_memalign(&p, kAlign, n) != 0) Die("posix_memalign");
  }
  ~AlignedBuffer() { std::free(p); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  char* data() { return static_cast<char*>(p); }
  void* p = nullptr;
};

void Fill(const std::string& path, uint64_t bytes, size_t piece) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) Die("open " + path);
  std::vector<char> chunk(piece);
  std::mt19937_64 rng(42);
  for (uint64_t off = 0; off < bytes; off += piece) {
    for (size_t i = 0; i + 8 <= chunk.size(); i += 8) {
      const uint64_t r = rng();
      std::memcpy(chunk.data() + i, &r, 8);
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(piece, bytes - off));
    if (pwrite(fd, chunk.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
      Die("pwrite");
    }
  }
  if (fsync(fd) != 0) Die("fsync");
  // Clean pages only leave the cache on DONTNEED, hence the fsync first.
  if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) Die("posix_fadvise");
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = ".";
  uint64_t mib = 256;
  size_t io_kib = 1024;
  unsigned threads = 8;
  bool direct = false;
  CLI::App app{"diskbench: sequential read of a file not in the page cache"};
  app.add_option("--dir", dir, "Directory on the file system to measure")->capture_default_str();
  app.add_option("--mib", mib, "File size (MiB)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 16));
  app.add_option("--io-kib", io_kib, "Size of one read (KiB, a multiple of 4)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{4}, size_t{65536}));
  app.add_option("--threads", threads, "Readers at once (reads in flight)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  app.add_flag("--direct", direct, "O_DIRECT: the device without the page cache");
  CLI11_PARSE(app, argc, argv);
  if (io_kib % 4 != 0) {
    std::fprintf(stderr, "diskbench: --io-kib must be a multiple of 4\n");
    return 2;
  }

  const std::string path = dir + "/diskbench-" + std::to_string(getpid());
  const uint64_t bytes = mib << 20;
  const size_t piece = io_kib << 10;
  Fill(path, bytes, piece);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
  if (fd < 0) Die("open " + path);
  std::atomic<uint64_t> next{0};
  std::vector<std::vector<uint32_t>> lats(threads);
  const auto start = Clock::now();
  std::vector<std::thread> readers;
  for (unsigned t = 0; t < threads; ++t) {
    readers.emplace_back([&, t] {
      AlignedBuffer buffer(piece);
      for (uint64_t off; (off = next.fetch_add(piece)) < bytes;) {
        const auto t0 = Clock::now();
        const size_t n = static_cast<size_t>(std::min<uint64_t>(piece, bytes - off));
        if (pread(fd, buffer.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
          Die("pread");
        }
        lats[t].push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
      }
    });
  }
  for (auto& r : readers) r.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  close(fd);
  unlink(path.c_str());
  std::vector<uint32_t> lat = volumed::bench::Merged(lats);
  const uint32_t p50 = volumed::bench::Percentile(lat, 50);
  const uint32_t p99 = volumed::bench::Percentile(lat, 99);
  std::printf(
      "workload=%s clients=1 inflight=%u units=%zu items=%llu seconds=%.3f rate=%.1f "
      "unit=MB/s p50_us=%u p99_us=%u\n",
      direct ? "disk_read_direct" : "disk_read", threads, lat.size(),
      static_cast<unsigned long long>(bytes), elapsed, static_cast<double>(bytes) / 1e6 / elapsed,
      p50, p99);
  return 0;
}
