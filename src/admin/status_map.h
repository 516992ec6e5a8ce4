// The admin program's one error boundary: internal Status codes → adm_status.
//
// Thread-safety: pure functions.
#pragma once

#include "admin_prot.h"
#include "base/status.h"

namespace volumed::admin {

adm_status ToAdmStatus(Status::Code code);

}  // namespace volumed::admin
