// RpcbindRegistration: tells the system rpcbind which port serves which program version
// (rpcb_set over netids "tcp"/"udp" or "tcp6"/"udp6"), and takes it all back on a clean
// stop (rpcb_unset). Stale mappings of an earlier run are removed before setting.
//
// Thread-safety: not thread-safe (libtirpc's rpcb client keeps global state); use from
// the thread that starts and stops the server.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace volumed::rpc {

class RpcbindRegistration {
 public:
  RpcbindRegistration() = default;
  ~RpcbindRegistration() { UnsetAll(); }
  RpcbindRegistration(const RpcbindRegistration&) = delete;
  RpcbindRegistration& operator=(const RpcbindRegistration&) = delete;

  // Ok when an rpcbind answers on this host; else the IoError a user reads ("rpcbind is
  // not running: …").
  static Status CheckAvailable();

  // `netid` is "tcp", "udp", "tcp6" or "udp6"; `addr` is the bound listen address.
  Status Set(uint32_t prog, uint32_t vers, const std::string& netid, const sockaddr_storage& addr);
  // Removes every mapping this object set. Idempotent.
  void UnsetAll();

 private:
  static bool Available();

  struct Mapping {
    uint32_t prog;
    uint32_t vers;
    std::string netid;
  };
  std::vector<Mapping> mappings_;
};

}  // namespace volumed::rpc
