// slow_sync: an LD_PRELOAD library that makes every fsync/fdatasync of the process it is
// loaded into take at least VOLUMED_SYNC_DELAY_US microseconds longer, as on a disk whose
// cache flush is slow (a busy virtio host, a network block device, RADOS). For measuring
// the sync-bound rows (storage/TUNING.md, "Overlapping syncs") on a machine whose own
// disk flushes in 0.1-0.2 ms. The delay is a sleep before the real call, so a delayed
// sync costs no CPU, like waiting for a device.
//
// VOLUMED_SYNC_SERIAL=1: one delay at a time in the whole process, as a device that
// cannot overlap flushes; otherwise concurrent syncs wait out their delays side by side,
// as one that overlaps them. Unset or 0 delay: syncs pass through untouched.
//
// A benchmark aid, never loaded by a test or a server in production.
//
// Thread-safety: every entry point is thread-safe.
#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace {

using SyncFn = int (*)(int);

struct Settings {
  std::chrono::microseconds delay{0};
  bool serial = false;
  SyncFn fsync = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fsync"));
  SyncFn fdatasync = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fdatasync"));

  Settings() {
    if (const char* d = std::getenv("VOLUMED_SYNC_DELAY_US")) {
      delay = std::chrono::microseconds(std::strtoll(d, nullptr, 10));
    }
    const char* s = std::getenv("VOLUMED_SYNC_SERIAL");
    serial = s != nullptr && s[0] == '1';
  }
};

const Settings& settings() {
  static const Settings s;
  return s;
}

std::mutex g_device;  // VOLUMED_SYNC_SERIAL: the one flush the device runs at a time

int Delayed(SyncFn real, int fd) {
  const Settings& s = settings();
  if (s.delay.count() > 0) {
    if (s.serial) {
      std::lock_guard<std::mutex> l(g_device);
      std::this_thread::sleep_for(s.delay);
    } else {
      std::this_thread::sleep_for(s.delay);
    }
  }
  return real(fd);
}

}  // namespace

extern "C" {
int fsync(int fd) { return Delayed(settings().fsync, fd); }
int fdatasync(int fd) { return Delayed(settings().fdatasync, fd); }
}
