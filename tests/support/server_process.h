// ServerProcess: a live `volumed` for protocol tests. Starts the binary named by the
// VOLUMED_BIN environment variable (the meson test sets it) with a private temporary
// data directory and admin socket, waits until it answers NULL on its NFS port, and can
// Stop (SIGTERM), Kill (SIGKILL) and Restart it on the same data directory.
//
// With VOLUMED_TEST_STORE=rados in the environment the server keeps its catalog and
// volumes in the Ceph pool CEPH_POOL of the cluster CEPH_CONF as cephx user CEPH_USER
// (default admin; tests/support/with_ceph.sh sets all three), each server in namespaces of its own
// named after its data directory
// (--ceph-namespace), so a restart on the same data directory finds its volumes again
// and every test still starts with an empty store.
//
// Ports default to the fixed ones; run the test under tests/support/netns_run.sh so
// they are private to the test (and an rpcbind is there). Pass rpcbind=false to run
// without one (--no-rpcbind).
//
// Thread-safety: not thread-safe; one test thread drives it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "support/temp_dir.h"

namespace volumed::testing {

struct ServerProcessOptions {
  std::vector<std::string> extra_args;  // more volumed flags, e.g. {"--volume", "data"}
  uint16_t nfs_port = 2049;
  uint16_t mount_port = 20048;
  uint16_t nlm_port = 32803;
  uint16_t nsm_port = 32765;
  bool rpcbind = true;
  std::string data_dir;  // empty: a fresh temporary directory, removed by the destructor
  std::chrono::milliseconds start_timeout{15000};
};

class ServerProcess {
 public:
  static Result<std::unique_ptr<ServerProcess>> Start(ServerProcessOptions options = {});
  ~ServerProcess();  // kills a running server; removes a temporary data directory
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // SIGTERM and wait (SIGKILL after 10 s); returns the exit status (or 128+signal).
  Result<int> Stop();
  // SIGKILL and reap (a crash, as far as the data is concerned).
  void Kill();
  // Stops (if running) and starts again with the same flags and data directory.
  Status Restart();
  // Waits up to `timeout` for the server to exit by itself; its exit status (or
  // 128+signal), kBusy when it still runs.
  Result<int> WaitExit(std::chrono::milliseconds timeout) { return Reap(timeout); }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& admin_socket() const { return admin_socket_; }
  uint16_t nfs_port() const { return options_.nfs_port; }
  uint16_t mount_port() const { return options_.mount_port; }
  uint16_t nlm_port() const { return options_.nlm_port; }
  uint16_t nsm_port() const { return options_.nsm_port; }
  // The argv volumed was started with (for messages).
  const std::vector<std::string>& argv() const { return argv_; }

 private:
  explicit ServerProcess(ServerProcessOptions options) : options_(std::move(options)) {}
  Status Launch();
  Result<int> Reap(std::chrono::milliseconds timeout);

  ServerProcessOptions options_;
  std::unique_ptr<TempDir> temp_root_;  // set when we created the data directory
  std::string data_dir_;
  std::string admin_socket_;
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
};

// The store flags VOLUMED_TEST_STORE asks for (empty for the embedded store), for a server
// on `data_dir`; an error when it names RADOS without CEPH_CONF and CEPH_POOL.
Result<std::vector<std::string>> TestStoreFlags(const std::string& data_dir);
// The --ceph-user of a RADOS test server (CEPH_USER, default admin).
std::string TestStoreUser();
// The --ceph-namespace of a RADOS test server on `data_dir`.
std::string TestStoreNamespace(const std::string& data_dir);
// True when VOLUMED_TEST_STORE=rados: tests that look into the data directory's files
// (the embedded store) skip themselves; tests that prepare a store in-process open
// it the same way (CEPH_CONF, CEPH_POOL, TestStoreUser, TestStoreNamespace).
bool TestStoreIsRados();

// Calls NULL of prog/vers at 127.0.0.1:port over TCP until it answers or `timeout`.
Status WaitForNull(uint16_t port, uint32_t prog, uint32_t vers, std::chrono::milliseconds timeout);

}  // namespace volumed::testing
