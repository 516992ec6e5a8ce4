// The writing client of move_test.py and failover_test.py (a libnfs client in the hub):
//
//   move_client SERVER VOLUME NAME INPUT CHUNK_KIB COMMIT_EVERY PAUSE_MS
//     Writes the file INPUT to /NAME in VOLUME mounted from SERVER, CHUNK_KIB at a time:
//     UNSTABLE writes, a COMMIT (fsync) after every COMMIT_EVERY chunks and at the end,
//     every fourth commit group in FILE_SYNC writes instead, PAUSE_MS between chunks (so
//     that a test has time to act while it writes). Prints "progress BYTES" after
//     each commit and, at the end, "calls N max_ms M" (the slowest single call). Any call
//     that fails ends it with status 1 and the error: a client of a volume that moves
//     away from the gateway it mounted must never see one. COMMIT_EVERY 0: every write
//     FILE_SYNC, no COMMIT, "progress" after each (for a failover: libnfs does not check
//     COMMIT's verifier, so it would not resend UNSTABLE writes the old owner lost).
//
// Thread-safety: a single-threaded program.
#include <fcntl.h>
#include <nfsc/libnfs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTimeoutMs = 120'000;  // a hung call ends the test instead of hanging it

nfs_context* Mount(const std::string& server, const std::string& volume) {
  nfs_context* nfs = nfs_init_context();
  if (nfs == nullptr) return nullptr;
  nfs_set_timeout(nfs, kTimeoutMs);
  nfs_set_autoreconnect(nfs, -1);  // as a kernel client: reconnect and resend, forever
  if (nfs_mount(nfs, server.c_str(), ("/" + volume).c_str()) != 0) {
    std::fprintf(stderr, "mount %s:/%s: %s\n", server.c_str(), volume.c_str(), nfs_get_error(nfs));
    nfs_destroy_context(nfs);
    return nullptr;
  }
  return nfs;
}

int Write(const std::string& server, const std::string& volume, const std::string& name,
          const std::string& input, size_t chunk, int commit_every, int pause_ms) {
  std::ifstream in(input, std::ios::binary);
  const std::vector<char> data((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
  nfs_context* nfs = Mount(server, volume);
  if (nfs == nullptr) return 1;
  long calls = 0;
  double max_ms = 0;
  auto timed = [&](const char* what, auto&& call) {
    const Clock::time_point t0 = Clock::now();
    const int rc = call();
    max_ms = std::max(max_ms, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++calls;
    if (rc < 0) std::fprintf(stderr, "%s: %s\n", what, nfs_get_error(nfs));
    return rc >= 0;
  };
  nfsfh* unstable = nullptr;
  nfsfh* synced = nullptr;
  const std::string path = "/" + name;
  bool ok =
      timed("create", [&] { return nfs_creat(nfs, path.c_str(), 0644, &unstable); }) &&
      timed("open O_SYNC", [&] { return nfs_open(nfs, path.c_str(), O_RDWR | O_SYNC, &synced); });
  size_t done = 0;
  int group = 0;
  const bool all_sync = commit_every == 0;
  while (ok && done < data.size()) {
    nfsfh* fh = all_sync || group % 4 == 3 ? synced : unstable;  // every fourth group FILE_SYNC
    for (int i = 0; ok && i < std::max(commit_every, 1) && done < data.size(); ++i) {
      const size_t n = std::min(chunk, data.size() - done);
      ok = timed("write", [&] {
        const int rc = nfs_pwrite(nfs, fh, done, n, const_cast<char*>(data.data() + done));
        return rc == static_cast<int>(n) ? rc : (rc < 0 ? rc : -EIO);
      });
      done += n;
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
    ok = ok && (all_sync || timed("commit", [&] { return nfs_fsync(nfs, fh); }));
    ++group;
    if (ok) std::printf("progress %zu\n", done);
    std::fflush(stdout);
  }
  if (unstable != nullptr) nfs_close(nfs, unstable);
  if (synced != nullptr) nfs_close(nfs, synced);
  nfs_destroy_context(nfs);
  std::printf("calls %ld max_ms %.1f\n", calls, max_ms);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 7) {
    return Write(a[0], a[1], a[2], a[3], std::stoul(a[4]) * 1024, std::stoi(a[5]), std::stoi(a[6]));
  }
  std::fprintf(stderr,
               "usage: move_client SERVER VOLUME NAME INPUT CHUNK_KIB COMMIT_EVERY PAUSE_MS\n");
  return 2;
}
