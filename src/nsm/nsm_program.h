// The NSM program (100024 version 1) as the RPC engine sees it; the whole procedure table
// is in nsm_program.cc:
//   0 SM_NULL void→void · 1 SM_STAT sm_name→sm_stat_res · 2 SM_MON sm_mon→sm_stat_res ·
//   3 SM_UNMON sm_mon_id→sm_stat · 4 SM_UNMON_ALL sm_my_id→sm_stat ·
//   5 SM_SIMU_CRASH void→void · 6 SM_NOTIFY sm_stat_chge→void
//
// Thread-safety: the table is immutable; the service is thread-safe.
#pragma once

#include "nsm/nsm_service.h"
#include "rpc/program.h"

namespace volumed::nsm {

// Offered on TCP and UDP (statds notify over UDP).
rpc::ProgramVersion NsmProgramVersion(NsmService* service);

}  // namespace volumed::nsm
