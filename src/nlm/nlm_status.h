// The NLM boundary's status mappings: Status → nlm4_stats (the one mapping of internal
// errors), and nlm4_stats → nlm_stats for versions 1 and 3, which have fewer codes.
//
// Thread-safety: pure functions.
#pragma once

#include "base/status.h"
#include "nlm4_prot.h"

namespace volumed::nlm {

nlm4_stats Nlm4StatusOf(const Status& status);
nlm_stats Nlm1StatusOf(nlm4_stats status);

}  // namespace volumed::nlm
