// The file commands that read or remove what a volume holds, through NFS (libnfs), each in
// its own file with its registration: `ls NAME[:PATH] [-l] [--json]` (ls_command.cc),
// `rm NAME:PATH [-r]` (rm_command.cc), `du NAME[:PATH] [--json]` (du_command.cc; for a whole volume
// or snapshot it also asks the admin program for its store space). What
// they share with put/get (transfer.h) is remote_entry.h.
//
// Thread-safety: each command runs on the calling thread with its own session.
#pragma once

#include <string>

#include "admin_target.h"
#include "cli_context.h"
#include "cli_result.h"
#include "nfs_session.h"

namespace volumectl {

CliStatus LsCommand(const NfsTarget& target, const std::string& spec, bool long_format, bool json);
CliStatus RmCommand(const NfsTarget& target, const std::string& spec, bool recursive);
CliStatus DuCommand(const NfsTarget& target, const CliResult<AdminTarget>& admin,
                    const std::string& spec, bool json);

void AddLsCommand(CLI::App& app, CliContext& ctx);
void AddRmCommand(CLI::App& app, CliContext& ctx);
void AddDuCommand(CLI::App& app, CliContext& ctx);

}  // namespace volumectl
