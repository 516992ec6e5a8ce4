// The file commands that read or remove what a volume holds, through NFS (libnfs):
// `ls NAME[:PATH] [-l] [--json]`, `rm NAME:PATH [-r]`, `du NAME[:PATH] [--json]`.
// put/get live in transfer.h.
//
// Thread-safety: each command runs on the calling thread with its own session.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli_context.h"
#include "cli_result.h"
#include "json_output.h"
#include "nfs_session.h"

namespace volumectl {

// One directory entry as the file commands see it.
struct RemoteEntry {
  std::string name;
  char type = '-';    // ls -l letter: '-', 'd', 'l', 'b', 'c', 's', 'p'
  uint32_t mode = 0;  // permission bits
  uint32_t nlink = 0, uid = 0, gid = 0;
  uint64_t size = 0, used = 0;
  int64_t mtime_sec = 0;
  uint32_t mtime_nsec = 0;
  int64_t atime_sec = 0;
  uint32_t atime_nsec = 0;
  std::string target;  // a symlink's target, where the command read it (ls)
};

// Lists a directory (sorted by name), skipping "." and "..".
CliResult<std::vector<RemoteEntry>> ReadRemoteDir(NfsSession& s, const std::string& path);
// Stats a path (following symlinks when `follow`).
CliResult<RemoteEntry> StatRemote(NfsSession& s, const std::string& path, bool follow = false);

// One entry of `ls --json` (names that are not UTF-8: json_output.h's policy).
Json EntryJson(const RemoteEntry& e);

CliStatus LsCommand(const NfsTarget& target, const std::string& spec, bool long_format, bool json);
CliStatus RmCommand(const NfsTarget& target, const std::string& spec, bool recursive);
CliStatus DuCommand(const NfsTarget& target, const std::string& spec, bool json);

void AddLsCommand(CLI::App& app, CliContext& ctx);
void AddRmCommand(CLI::App& app, CliContext& ctx);
void AddDuCommand(CLI::App& app, CliContext& ctx);

}  // namespace volumectl
