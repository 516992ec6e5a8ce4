// Validation of the client-address entries of an export policy as the admin program
// accepts them: "A.B.C.D/N" (N ≤ 32), "IPv6/N" (N ≤ 128), or a bare address (a single
// host). The host bits need not be zero; the export layer masks them.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/status.h"

namespace volumed::admin {

// kInvalidArgument with a message that names the entry when it is not a CIDR.
Status ValidateCidr(std::string_view text);

}  // namespace volumed::admin
