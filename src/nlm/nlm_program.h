// The NLM program (100021) as the RPC engine sees it: versions 1, 3 and 4, each with its
// whole procedure table as data (nlm_program.cc), served by one NlmService.
//
//   proc  name         args            result         notes
//   0     NULL         void            void
//   1     TEST         testargs        testres        DENIED carries the holder
//   2     LOCK         lockargs        res            BLOCKED, then a GRANTED_MSG callback
//   3     CANCEL       cancargs        res
//   4     UNLOCK       unlockargs      res
//   5     GRANTED      testargs        res            we hold no client requests: DENIED
//   6-10  *_MSG        as 1-5          (none)         answered by a call to *_RES (11-15)
//   11-14 *_RES        result          (none)         we make no requests: ignored
//   15    GRANTED_RES  res             (none)         settles a GRANTED_MSG we sent
//   20    SHARE        shareargs       shareres       v3, v4
//   21    UNSHARE      shareargs       shareres       v3, v4
//   22    NM_LOCK      lockargs        res            v3, v4: unmonitored, never blocks
//   23    FREE_ALL     notify          void           v3, v4: drop a host's locks
// Versions 1 and 3 carry 32-bit offsets; they are widened to v4's and narrowed back.
// Version 3 is version 1 plus procedures 20-23.
//
// Thread-safety: the tables are immutable; the service is thread-safe.
#pragma once

#include <vector>

#include "nlm/nlm_service.h"
#include "rpc/program.h"

namespace volumed::nlm {

// The three versions, in the order 1, 3, 4, with `service` as their state. Offered on
// TCP and UDP.
std::vector<rpc::ProgramVersion> NlmProgramVersions(NlmService* service);

}  // namespace volumed::nlm
