// Takes and releases an NLM v4 lock on a volume's root directory, over TCP to the fixed
// NLM port, as `host` (the caller_name the status page shows). Apart from the tests that
// use libnfs because libnfs's NLM type names collide with our rpcgen headers.
//
// Thread-safety: each call opens its own client.
#pragma once

#include <cstdint>
#include <string>

namespace volumed::testing {

// True when the lock was granted.
bool TakeRootLock(const std::string& volume, const std::string& host, int32_t svid);
bool ReleaseRootLock(const std::string& volume, const std::string& host, int32_t svid);

}  // namespace volumed::testing
