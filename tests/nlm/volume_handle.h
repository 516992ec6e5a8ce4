// VolumeHandle: the root file handle of the exported volume `name`, from MOUNT on the
// loopback address or on `server` (an IPv4 or IPv6 literal), empty if the server refuses. Declared
// apart so that tests compiled against libnfs's headers (whose NLM type names collide
// with ours) can use it.
#pragma once

#include <string>

namespace volumed::nlmtest {

std::string VolumeHandle(const std::string& name, const std::string& server = "127.0.0.1");

}  // namespace volumed::nlmtest
