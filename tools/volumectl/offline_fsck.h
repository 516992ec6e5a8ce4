// `volumectl fsck NAME --data DIR`: checks a volume straight from a stopped server's data
// directory (storage/fsck.h), for when the server cannot be started. LevelDB's lock file
// refuses while a server has the directory open; use plain `fsck NAME` then.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <string>

#include "cli_result.h"

namespace volumectl {

CliStatus OfflineFsckCommand(const std::string& data_dir, const std::string& name, bool json);

}  // namespace volumectl
