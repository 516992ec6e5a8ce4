// AdminRuntime: the admin program and the lease reaper as volumed runs them — what
// main.cc needs in one object. It reads the operator's choices (socket path, optional TCP
// port and shared-secret file, extra uids), serves the program on the Unix socket (mode
// 0600, or 0666 when other uids are allowed: the server checks SO_PEERCRED either way)
// and, when asked, on TCP; and it runs the reaper, whose first pass collects leases that
// lapsed while the server was down.
//
// Thread-safety: Create/Register/Start/Stop from main's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "admin/admin_service.h"
#include "admin/lease_reaper.h"
#include "base/result.h"
#include "rpc/server.h"
#include "storage/catalog.h"

namespace volumed::admin {

struct AdminRuntimeOptions {
  std::string socket_path;
  uint16_t tcp_port = 0;             // 0 = no TCP administration
  std::string secret_file;           // required with tcp_port: the shared secret's first line
  std::vector<uint32_t> allow_uids;  // besides root, on the Unix socket
  std::chrono::milliseconds reap_period{1000};
};

class AdminRuntime {
 public:
  static Result<std::unique_ptr<AdminRuntime>> Create(const AdminRuntimeOptions& options,
                                                      storage::VolumeCatalog* catalog,
                                                      AdminHooks hooks);
  ~AdminRuntime();

  // Registers the program with the engine (before server.Start()).
  Status Register(rpc::Server& server);
  // Collects lapsed leases once, synchronously, then starts the periodic reaper.
  void StartReaper();
  void Stop();

  AdminService& service() { return *service_; }

 private:
  AdminRuntime() = default;
  AdminRuntimeOptions options_;
  std::unique_ptr<AdminService> service_;
  std::unique_ptr<LeaseReaper> reaper_;
};

}  // namespace volumed::admin
