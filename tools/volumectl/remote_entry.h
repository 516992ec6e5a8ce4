// What the file commands (ls, rm, du, put, get) share about a volume's files over NFS
// (libnfs): one directory entry as they see it, how to stat a path and list a directory,
// an entry as JSON, and the session-plus-stat that ls, rm and du start from.
//
// Thread-safety: free functions on the caller's session; values are not synchronised.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli_result.h"
#include "json_output.h"
#include "nfs_session.h"
#include "remote_path.h"

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

// Removes everything in directory `path` (rm -r, a failed put --atomic's staging).
CliStatus RemoveRemoteContents(NfsSession& s, const std::string& path);
// Removes `path`, an entry of type `type` (RemoteEntry::type): a directory with all it
// holds; a symlink itself, never what it points to.
CliStatus RemoveRemote(NfsSession& s, const std::string& path, char type);

// One entry of `ls --json` (names that are not UTF-8: json_output.h's policy).
Json EntryJson(const RemoteEntry& e);

// What ls, du and rm start from: a session on NAME[:PATH] and PATH's own entry.
struct Opened {
  RemotePath where;
  std::unique_ptr<NfsSession> session;
  RemoteEntry self;
};

CliResult<Opened> OpenAndStat(const NfsTarget& target, const std::string& spec);

}  // namespace volumectl
