// Symbolic links in a volume, for the file commands: reading one's target (READLINK) and
// making one (SYMLINK), through libnfs. Targets are stored and read verbatim: relative,
// absolute or dangling alike; nothing here follows a link.
//
// Thread-safety: as NfsSession (one thread per session).
#pragma once

#include <string>

#include "cli_result.h"
#include "nfs_session.h"

namespace volumectl {

// The target of the symlink at `path`.
CliResult<std::string> ReadRemoteLink(NfsSession& s, const std::string& path);

// Makes `path` a symlink to `target`. An existing non-directory at `path` is replaced, as
// put replaces files.
CliStatus MakeRemoteLink(NfsSession& s, const std::string& path, const std::string& target);

}  // namespace volumectl
