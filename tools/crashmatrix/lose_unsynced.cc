// lose_unsynced: an LD_PRELOAD library that makes a SIGKILL of the process it is loaded
// into lose what a power failure would lose from LevelDB's write-ahead logs: bytes that
// were written but not yet fsync'ed/fdatasync'ed.
//
// Why: a plain `kill -9` loses nothing the process handed to the kernel — LevelDB writes
// every record to its log with write(2) before Write() returns — so a crash matrix of
// kill -9 alone cannot tell a server that syncs before it replies from one that never
// syncs (DESIGN.md §5). With this library, write(2) to a file named `<digits>.log` (a
// LevelDB log) keeps the bytes in this process's memory; fsync/fdatasync of that file
// first writes them out, then syncs; close writes them out. A SIGKILL then takes every
// unsynced log byte with the process, as losing the page cache would.
//
// Not simulated: torn records (the log ends on a write(2) boundary), loss of unsynced
// table or MANIFEST bytes (LevelDB syncs those before it relies on them), and loss at
// close (a log closed without a sync is written out; volumed syncs a log before closing
// it). Never preload it into a server that serves ephemeral volumes: they never sync, by
// contract, and survive kill -9 only through the page cache this library takes away.
//
// Thread-safety: every entry point is thread-safe (one mutex, taken only for log files).

// The build's -D_FILE_OFFSET_BITS=64 renames open to open64 in <fcntl.h>; this file defines
// both symbols itself.
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

using OpenFn = int (*)(const char*, int, ...);
using WriteFn = ssize_t (*)(int, const void*, size_t);
using SyncFn = int (*)(int);
using CloseFn = int (*)(int);

struct Real {
  OpenFn open = reinterpret_cast<OpenFn>(dlsym(RTLD_NEXT, "open"));
  OpenFn open64 = reinterpret_cast<OpenFn>(dlsym(RTLD_NEXT, "open64"));
  WriteFn write = reinterpret_cast<WriteFn>(dlsym(RTLD_NEXT, "write"));
  SyncFn fsync = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fsync"));
  SyncFn fdatasync = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fdatasync"));
  CloseFn close = reinterpret_cast<CloseFn>(dlsym(RTLD_NEXT, "close"));
};

const Real& real() {
  static const Real r;
  return r;
}

constexpr int kMaxFd = 1 << 16;  // descriptors above are passed through untouched
std::atomic<bool> g_tracked[kMaxFd];
std::mutex g_mu;
std::unordered_map<int, std::string> g_unsynced;  // guarded by g_mu

bool IsLevelDbLog(const char* path) {
  const char* base = std::strrchr(path, '/');
  base = base == nullptr ? path : base + 1;
  const size_t n = std::strlen(base);
  if (n <= 4 || std::strcmp(base + n - 4, ".log") != 0) return false;
  for (size_t i = 0; i + 4 < n; ++i) {
    if (base[i] < '0' || base[i] > '9') return false;
  }
  return true;
}

bool Tracked(int fd) { return fd >= 0 && fd < kMaxFd && g_tracked[fd].load(); }

int Opened(int fd, const char* path, int flags) {
  if (fd >= 0 && fd < kMaxFd && (flags & O_ACCMODE) != O_RDONLY && IsLevelDbLog(path)) {
    std::lock_guard lock(g_mu);
    g_unsynced[fd].clear();
    g_tracked[fd].store(true);
  }
  return fd;
}

// Under g_mu: hands the file's buffered bytes to the kernel. -1 with errno on failure.
int WriteOut(int fd) {
  std::string& pending = g_unsynced[fd];
  size_t done = 0;
  while (done < pending.size()) {
    const ssize_t n = real().write(fd, pending.data() + done, pending.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      pending.erase(0, done);
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  pending.clear();
  return 0;
}

int Sync(int fd, SyncFn sync) {
  if (Tracked(fd)) {
    std::lock_guard lock(g_mu);
    if (WriteOut(fd) != 0) return -1;
  }
  return sync(fd);
}

mode_t ModeArg(int flags, va_list args) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(args, int)) : 0;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = ModeArg(flags, args);
  va_end(args);
  return Opened(real().open(path, flags, mode), path, flags);
}

int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = ModeArg(flags, args);
  va_end(args);
  return Opened(real().open64(path, flags, mode), path, flags);
}

ssize_t write(int fd, const void* data, size_t size) {
  if (!Tracked(fd)) return real().write(fd, data, size);
  std::lock_guard lock(g_mu);
  g_unsynced[fd].append(static_cast<const char*>(data), size);
  return static_cast<ssize_t>(size);
}

int fsync(int fd) { return Sync(fd, real().fsync); }

int fdatasync(int fd) { return Sync(fd, real().fdatasync); }

int close(int fd) {
  if (Tracked(fd)) {
    std::lock_guard lock(g_mu);
    WriteOut(fd);
    g_unsynced.erase(fd);
    g_tracked[fd].store(false);
  }
  return real().close(fd);
}

}  // extern "C"
