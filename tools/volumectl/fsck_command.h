// `volumectl fsck NAME [--json] [--data DIR]`: checks a volume's store through the server
// (reports, does not repair), or, with --data, straight from a stopped server's data
// directory (storage/fsck.h) for when the server cannot be started. LevelDB's lock file
// refuses while a server has the directory open; use plain `fsck NAME` then. Built into
// the volumectl binary itself, since the offline check links the store.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <string>

#include "admin_target.h"
#include "cli_context.h"
#include "cli_result.h"

namespace volumectl {

CliStatus FsckCommand(const AdminTarget& target, const std::string& name, bool repair, bool json);
CliStatus OfflineFsckCommand(const std::string& data_dir, const std::string& name, bool json);

void AddFsckCommand(CLI::App& app, CliContext& ctx);

}  // namespace volumectl
