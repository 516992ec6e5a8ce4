// What put and get share: the plan of one transfer (directories, files and symlinks, each
// an Item), failures collected from parallel workers, the worker pool (one NFS session per
// worker and volume), the chunked copy loop, and the --json summary.
//
// Thread-safety: Errors is thread-safe; RunParallel runs `fn` on
// several threads at once, each with sessions of its own.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli_result.h"
#include "nfs_session.h"
#include "progress.h"

namespace volumectl {

struct Times {
  int64_t atime_sec = 0, mtime_sec = 0;
  uint32_t atime_nsec = 0, mtime_nsec = 0;
};

// One thing to copy: a directory, a regular file or a symlink.
struct Item {
  std::string local;
  std::string remote;  // path inside `volume`
  std::string volume;
  uint32_t mode = 0644;
  uint64_t size = 0;
  Times times;
  std::string link_target;  // symlinks only
};

// A transfer's plan, sorted by kind: directories are made first (parents before
// children), then symlinks and files in parallel.
struct Plan {
  std::vector<Item> dirs, files, links;
  uint64_t file_bytes = 0;
};

// A local errno, worded as the file commands word it ("PATH: no such file or directory").
CliStatus LocalError(int err, const std::string& path);

// Collects failures from workers; the first one decides the exit code.
class Errors {
 public:
  // The first failure is returned by Result() (and printed by main); later ones are
  // printed as they happen so that none is lost.
  void Add(CliStatus s);
  CliStatus Result();

 private:
  std::mutex mu_;
  CliStatus first_;
  int count_ = 0;
};

// Runs `fn(session, item)` over items on `jobs` workers, each with its own sessions.
template <typename Fn>
void RunParallel(const NfsTarget& target, int jobs, const std::vector<Item>& items, Errors* errors,
                 Fn fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    std::map<std::string, std::unique_ptr<NfsSession>> sessions;
    for (size_t i = next++; i < items.size(); i = next++) {
      const Item& item = items[i];
      auto& session = sessions[item.volume];
      if (!session) {
        CliResult<std::unique_ptr<NfsSession>> s = NfsSession::Open(target, item.volume);
        if (!s.ok()) {
          errors->Add(s.status());
          continue;
        }
        session = std::move(*s);
      }
      if (CliStatus st = fn(*session, item); !st.ok()) errors->Add(std::move(st));
    }
  };
  const size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(jobs, 1)), 1,
                                      std::max<size_t>(items.size(), 1));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

// Copies one file's bytes in 1 MiB chunks until `read` returns 0: read(buf, size, offset)
// returns how many bytes it read or a failure; write(buf, n, offset) writes all n or
// fails. Counts the bytes in `progress` (when not null).
using ChunkReader = std::function<CliResult<size_t>(char*, size_t, uint64_t)>;
using ChunkWriter = std::function<CliStatus(const char*, size_t, uint64_t)>;
CliStatus CopyChunks(const ChunkReader& read, const ChunkWriter& write, Progress* progress);

// read(2)/write(2) of a whole chunk, retrying on EINTR, worded for `path`.
CliResult<size_t> ReadLocal(int fd, char* buf, size_t size, const std::string& path);
CliStatus WriteLocal(int fd, const char* buf, size_t n, const std::string& path);

// The `put`/`get` --json summary: {"files":N,"directories":N,"symlinks":N,"bytes":N,
// "elapsed_ms":N}.
void PrintSummary(const Plan& plan, std::chrono::steady_clock::duration elapsed);

}  // namespace volumectl
