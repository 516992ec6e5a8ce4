// VolumeHandle: a file handle volumed's NLM accepts: the root of the exported volume
// `name` from MOUNT when the server's MOUNT answers, else a well-formed handle of volume 1
// (accepted as long as the server resolves NLM handles without a catalog). Declared
// apart so that tests compiled against libnfs's headers (whose NLM type names collide
// with ours) can use it.
#pragma once

#include <string>

namespace volumed::nlmtest {

std::string VolumeHandle(const std::string& name);

}  // namespace volumed::nlmtest
