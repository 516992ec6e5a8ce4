// Progress: a one-line transfer progress display on stderr, shown only when stderr is a
// terminal (scripts and logs get nothing). Counters are atomics the workers bump; a
// thread redraws the line a few times a second.
//
// Thread-safety: Add* are thread-safe; Start/Finish from the owning thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/periodic_thread.h"

namespace volumectl {

class Progress {
 public:
  Progress(std::string verb, uint64_t total_files, uint64_t total_bytes);
  ~Progress();

  void AddBytes(uint64_t n) { bytes_ += n; }
  void AddFile() { ++files_; }
  void Start();
  void Finish();

 private:
  void Draw(bool final_line);

  const std::string verb_;
  const uint64_t total_files_, total_bytes_;
  const bool enabled_;
  std::atomic<uint64_t> bytes_{0}, files_{0};
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<volumed::PeriodicThread> drawer_;  // from Start to Finish, on a terminal
};

// "1.5 MiB"
std::string HumanBytes(uint64_t n);

}  // namespace volumectl
