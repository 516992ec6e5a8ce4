#include "metrics/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace volumed::metrics {
namespace {

uint64_t CountDirEntries(const char* path) {
  DIR* dir = opendir(path);
  if (dir == nullptr) return 0;
  uint64_t n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // the descriptor opendir itself holds
}

// The boot time (seconds since the epoch) from /proc/stat's btime line.
uint64_t BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats s;
  s.open_fds = CountDirEntries("/proc/self/fd");
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = limit.rlim_cur;

  // /proc/self/stat: "pid (comm) state ..." — comm may hold spaces and parentheses, so
  // the fields are counted from the last ')'.
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // Field numbers as in proc(5): state is 3, utime 14, stime 15, num_threads 20,
  // starttime 22, vsize 23, rss 24.
  for (int n = 3; fields >> field; ++n) {
    switch (n) {
      case 14:
      case 15:
        s.cpu_seconds += std::stod(field) / ticks;
        break;
      case 20:
        s.threads = std::stoull(field);
        break;
      case 22:
        s.start_time_seconds = static_cast<double>(BootTimeSeconds()) + std::stod(field) / ticks;
        break;
      case 23:
        s.virtual_bytes = std::stoull(field);
        break;
      case 24:
        s.resident_bytes = static_cast<uint64_t>(std::stod(field) * page);
        break;
      default:
        break;
    }
    if (n == 24) break;
  }
  return s;
}

}  // namespace volumed::metrics
