// filebench: the first file workloads against any NFSv3 server, through libnfs, so that
// volumed and another server can be measured side by side on the same machine:
//
//   filebench nfs://HOST/EXPORT [--files 1000] [--file-kib 4] [--seq-mib 256]
//             [--io-kib 1024] [--getattrs 20000]
//
// Workloads, run in this order in a fresh directory `filebench-<pid>` on the export:
//   create+write  create N files of K KiB each (open O_CREAT, pwrite, close)  → files/s
//   getattr       stat those files round-robin                               → ops/s
//   readdir       list the directory (READDIRPLUS via libnfs)                  → entries/s
//   seq write     one file of S MiB in I KiB writes, then fsync (COMMIT)       → MiB/s
//   seq read      read it back                                                → MiB/s
// The directory is removed afterwards. A figure, not a test: it never fails on slowness,
// only on errors.
#include <fcntl.h>
#include <unistd.h>

// libnfs.h first: the other libnfs headers rely on its definitions.
#include <nfsc/libnfs.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int Fail(nfs_context* nfs, const char* what) {
  std::fprintf(stderr, "filebench: %s: %s\n", what, nfs_get_error(nfs));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  size_t files = 1000;
  size_t file_kib = 4;
  size_t seq_mib = 256;
  size_t io_kib = 1024;
  size_t getattrs = 20000;
  CLI::App app{"filebench: file workloads against an NFSv3 export"};
  app.add_option("url", url, "nfs://HOST/EXPORT")->required();
  app.add_option("--files", files, "Files for create+write, getattr and readdir")
      ->capture_default_str();
  app.add_option("--file-kib", file_kib, "Size of each small file (KiB)")->capture_default_str();
  app.add_option("--seq-mib", seq_mib, "Size of the sequential file (MiB)")->capture_default_str();
  app.add_option("--io-kib", io_kib, "Sequential I/O size (KiB)")->capture_default_str();
  app.add_option("--getattrs", getattrs, "GETATTR calls")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  nfs_context* nfs = nfs_init_context();
  if (nfs == nullptr) return 1;
  nfs_url* parsed = nfs_parse_url_dir(nfs, url.c_str());
  if (parsed == nullptr) return Fail(nfs, "bad url");
  if (nfs_mount(nfs, parsed->server, parsed->path) != 0) return Fail(nfs, "mount");
  const std::string dir = "/filebench-" + std::to_string(getpid());
  if (nfs_mkdir(nfs, dir.c_str()) != 0) return Fail(nfs, "mkdir");

  std::vector<char> small(file_kib * 1024, 'f');
  auto start = Clock::now();
  for (size_t i = 0; i < files; ++i) {
    std::string path = dir + "/f" + std::to_string(i);
    nfsfh* fh = nullptr;
    if (nfs_open2(nfs, path.c_str(), O_CREAT | O_WRONLY, 0644, &fh) != 0) {
      return Fail(nfs, "create");
    }
    if (!small.empty() && nfs_pwrite(nfs, fh, 0, small.size(), small.data()) < 0) {
      return Fail(nfs, "write");
    }
    if (nfs_close(nfs, fh) != 0) return Fail(nfs, "close");
  }
  double t = Seconds(start);
  std::printf("create+write %zu x %zu KiB: %.0f files/s\n", files, file_kib, files / t);

  start = Clock::now();
  for (size_t i = 0; i < getattrs && files > 0; ++i) {
    struct nfs_stat_64 st {};
    std::string path = dir + "/f" + std::to_string(i % files);
    if (nfs_stat64(nfs, path.c_str(), &st) != 0) return Fail(nfs, "stat");
  }
  t = Seconds(start);
  std::printf("getattr: %.0f ops/s\n", getattrs / t);

  start = Clock::now();
  nfsdir* d = nullptr;
  if (nfs_opendir(nfs, dir.c_str(), &d) != 0) return Fail(nfs, "opendir");
  size_t entries = 0;
  while (nfs_readdir(nfs, d) != nullptr) ++entries;
  nfs_closedir(nfs, d);
  t = Seconds(start);
  std::printf("readdir: %zu entries, %.0f entries/s\n", entries, entries / t);

  const std::string big = dir + "/seq";
  std::vector<char> block(io_kib * 1024);
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 131);
  nfsfh* fh = nullptr;
  if (nfs_open2(nfs, big.c_str(), O_CREAT | O_RDWR, 0644, &fh) != 0) return Fail(nfs, "create");
  const uint64_t total = uint64_t{seq_mib} << 20;
  start = Clock::now();
  for (uint64_t off = 0; off < total; off += block.size()) {
    if (nfs_pwrite(nfs, fh, off, block.size(), block.data()) < 0) return Fail(nfs, "write");
  }
  if (nfs_fsync(nfs, fh) != 0) return Fail(nfs, "fsync");
  t = Seconds(start);
  std::printf("seq write %zu MiB (%zu KiB I/O) + COMMIT: %.1f MiB/s\n", seq_mib, io_kib,
              seq_mib / t);
  start = Clock::now();
  for (uint64_t off = 0; off < total; off += block.size()) {
    if (nfs_pread(nfs, fh, off, block.size(), block.data()) < 0) return Fail(nfs, "read");
  }
  t = Seconds(start);
  std::printf("seq read %zu MiB: %.1f MiB/s\n", seq_mib, seq_mib / t);
  nfs_close(nfs, fh);

  nfs_unlink(nfs, big.c_str());
  for (size_t i = 0; i < files; ++i) nfs_unlink(nfs, (dir + "/f" + std::to_string(i)).c_str());
  nfs_rmdir(nfs, dir.c_str());
  nfs_destroy_url(parsed);
  nfs_destroy_context(nfs);
  return 0;
}
