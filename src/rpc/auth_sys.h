// AUTH_SYS credential parsing (RFC 5531 appendix A).
//
// Wire grammar of the credential body (the opaque<400> of opaque_auth):
//   struct authsys_parms {
//     unsigned int stamp;
//     string       machinename<255>;
//     unsigned int uid;
//     unsigned int gid;
//     unsigned int gids<16>;
//   };
// Every length is checked against these bounds and against the bytes present before
// anything is copied; trailing bytes after the gids are malformed too.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "rpc/program.h"

namespace volumed::rpc {

inline constexpr size_t kMaxMachineNameLength = 255;
inline constexpr size_t kMaxAuthSysGids = 16;

// Fills `out` (flavor AUTH_SYS) from the credential body; InvalidArgument when the body
// is truncated, over-long or any bound is exceeded.
Status ParseAuthSys(std::span<const uint8_t> body, Credentials* out);

// Encodes an authsys_parms body (used by tests and the outbound client).
std::vector<uint8_t> EncodeAuthSys(uint32_t stamp, std::string_view machine, uint32_t uid,
                                   uint32_t gid, std::span<const uint32_t> gids);

}  // namespace volumed::rpc
