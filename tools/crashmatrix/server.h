// ServerLauncher: starts the `volumed` binary on a data directory with private ports and no
// rpcbind registration, waits until NFS answers NULL, and kills it with SIGKILL (a crash,
// as far as the data is concerned) or stops it with SIGTERM. Its output goes to a log
// file in the data directory's parent so a failing round can be inspected.
//
// Thread-safety: Start/Stop/Reap from one thread; Kill() may be called from another
// thread while the first one is blocked in client calls (it only sends a signal).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace volumed::crashmatrix {

struct ServerConfig {
  std::string binary;     // path of volumed
  std::string data_dir;   // --data
  std::string log_path;   // stdout and stderr of every run, appended
  std::string volume;     // created at start (--volume)
  uint16_t nfs_port = 0;  // MOUNT, NLM and NSM use the next three ports
  std::vector<std::string> extra_args;
  std::vector<std::string> extra_env = {};  // NAME=VALUE, added to the server's environment
};

class ServerLauncher {
 public:
  explicit ServerLauncher(ServerConfig config) : config_(std::move(config)) {}
  ~ServerLauncher();
  ServerLauncher(const ServerLauncher&) = delete;
  ServerLauncher& operator=(const ServerLauncher&) = delete;

  Status Start();
  // Sends SIGKILL (no wait); Reap() collects it.
  void Kill();
  // Waits for the process to exit; returns its exit code or 128+signal.
  int Reap();
  // SIGTERM, then waits; returns the exit code or 128+signal.
  int Stop();

  uint16_t nfs_port() const { return config_.nfs_port; }
  uint16_t mount_port() const { return static_cast<uint16_t>(config_.nfs_port + 1); }
  pid_t pid() const { return pid_.load(); }

 private:
  ServerConfig config_;
  std::atomic<pid_t> pid_{-1};
};

}  // namespace volumed::crashmatrix
