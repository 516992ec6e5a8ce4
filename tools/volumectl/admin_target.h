// AdminTarget: where volumectl finds the server's admin program — its Unix socket, or
// HOST:PORT over TCP with the shared secret. Apart from admin_client.h so that files that
// use libnfs (which cannot meet libtirpc's rpc.h in one translation unit) can name it.
//
// Thread-safety: a plain value.
#pragma once

#include <string>

namespace volumectl {

struct AdminTarget {
  std::string socket_path;       // used unless tcp is set
  std::string tcp;               // "HOST:PORT"
  std::string secret;            // for tcp
  std::string Describe() const;  // defined in admin_client.cc
};

}  // namespace volumectl
