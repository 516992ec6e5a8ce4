// OwnerLocator: where the file commands find the gateway serving a volume when the NFS
// server they were given does not serve it (README "Scaling out"): the address to mount
// that the admin program's INFO places it at. Each volume is looked up once per command,
// so parallel transfer workers share the answer. Apart from admin_client.h, so that the
// libnfs side (nfs_session.h, NfsTarget::locate) can hold one without rpc.h.
//
// Thread-safety: thread-safe (one mutex around the answers; each lookup opens its own
// admin connection).
#pragma once

#include <functional>
#include <string>

#include "admin_target.h"
#include "cli_result.h"

namespace volumectl {

// The NfsTarget::locate of a command: asks the admin program `admin()` names (when it can
// be reached) where each volume is served. "" when it is not known there or the store
// is not shared.
std::function<std::string(const std::string& volume)> OwnerLocator(
    std::function<CliResult<AdminTarget>()> admin);

}  // namespace volumectl
