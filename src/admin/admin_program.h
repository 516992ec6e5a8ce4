// The admin program's procedure table (VOLUMED_ADMIN_PROG, version 1), as data: the
// engine decodes each call's arguments, and the table's handlers hand them to an
// AdminService. Offered on TCP (and the engine's Unix listener); never on UDP.
//
// Thread-safety: the table is immutable; see AdminService for the handlers.
#pragma once

#include "admin/admin_service.h"
#include "rpc/program.h"

namespace volumed::admin {

// The version descriptor to register with the engine; `service` must outlive it.
rpc::ProgramVersion AdminProgramVersion(AdminService* service);

}  // namespace volumed::admin
