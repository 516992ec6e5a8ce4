// RadosStore: the RADOS store as the catalog sees it (a StoreEnv, storage/catalog.h):
// connects a RadosEnv (rados_env.h) to the cluster and pool, and names each database's
// namespace for people. This header does not include librados, so the catalog and every
// other storage source compile without it (the fuzzers' clang cannot compile librados.hpp
// as C++20); only the code that connects a store includes it.
//
// Thread-safety: thread-safe (the Env is).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "storage/catalog.h"

namespace volumed::storage::rados {

// How to reach the Ceph cluster.
struct RadosStoreOptions {
  std::string conf_path;  // ceph.conf: monitors and keyring
  std::string user = "admin";
  std::string pool;
  // Prefix of every RADOS namespace of the store ("" = none): "P" puts the catalog in
  // "P/catalog", so that several independent stores share one pool.
  std::string namespace_prefix;
  // The local path prefix the RADOS namespaces are named relative to (the data dir).
  std::string root;
  // This server's identity for volume ownership (default: host name + root): a restart
  // under the same identity takes over what its crashed predecessor held at once.
  std::string gateway_id;
  int lease_seconds = 30;
  // What the process does the moment it finds that it lost a volume it owned: it was
  // fenced (blocklisted), or its lease lapsed (paused or cut off). Runs in the thread that
  // found it, before the error reaches any caller, so a server can stop before it answers
  // a client with it (rados_errors.h). Process-wide: the last store connected sets it.
  std::function<void(const std::string& why)> ownership_lost;
};

Result<std::unique_ptr<StoreEnv>> ConnectRadosStore(const RadosStoreOptions& options);

}  // namespace volumed::storage::rados
