#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace volumectl {

std::string HumanBytes(uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  }
  return buf;
}

Progress::Progress(std::string verb, uint64_t total_files, uint64_t total_bytes)
    : verb_(std::move(verb)),
      total_files_(total_files),
      total_bytes_(total_bytes),
      enabled_(isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { Finish(); }

void Progress::Start() {
  start_ = std::chrono::steady_clock::now();
  if (!enabled_) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      Draw(false);
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
  });
}

void Progress::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    Draw(true);
  }
}

void Progress::Draw(bool final_line) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const uint64_t bytes = bytes_.load();
  const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  const int pct =
      total_bytes_ > 0
          ? static_cast<int>(100.0 * static_cast<double>(bytes) / static_cast<double>(total_bytes_))
          : 100;
  std::fprintf(stderr, "\r%s %llu/%llu files, %s/%s (%d%%), %s/s   %s", verb_.c_str(),
               static_cast<unsigned long long>(files_.load()),
               static_cast<unsigned long long>(total_files_), HumanBytes(bytes).c_str(),
               HumanBytes(total_bytes_).c_str(), pct,
               HumanBytes(static_cast<uint64_t>(rate)).c_str(), final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace volumectl
