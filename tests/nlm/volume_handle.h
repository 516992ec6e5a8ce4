// VolumeHandle: the root file handle of the exported volume `name`, from MOUNT (empty if
// the server refuses). Declared
// apart so that tests compiled against libnfs's headers (whose NLM type names collide
// with ours) can use it.
#pragma once

#include <string>

namespace volumed::nlmtest {

std::string VolumeHandle(const std::string& name);

}  // namespace volumed::nlmtest
