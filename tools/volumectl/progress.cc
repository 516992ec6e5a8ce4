#include "progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace volumectl {

std::string HumanBytes(uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{} B", n);
  return fmt::format("{:.1f} {}", v, kUnits[u]);
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
  drawer_ = std::make_unique<volumed::PeriodicThread>(std::chrono::milliseconds(200),
                                                      volumed::PeriodicThread::First::kAtOnce,
                                                      [this] { Draw(false); });
}

void Progress::Finish() {
  if (!drawer_) return;
  drawer_.reset();
  Draw(true);
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
  fmt::print(stderr, "\r{} {}/{} files, {}/{} ({}%), {}/s   {}", verb_, files_.load(), total_files_,
             HumanBytes(bytes), HumanBytes(total_bytes_), pct,
             HumanBytes(static_cast<uint64_t>(rate)), final_line ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace volumectl
