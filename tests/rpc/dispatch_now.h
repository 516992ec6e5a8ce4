// DispatchNow: Dispatcher::Dispatch for tests whose handlers do not gate their reply —
// the sink then runs before Dispatch returns, and its reply is returned here.
//
// Thread-safety: as Dispatcher::Dispatch.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "rpc/dispatcher.h"

namespace volumed::rpc::testing {

inline std::optional<std::vector<uint8_t>> DispatchNow(const Dispatcher& dispatcher,
                                                       std::span<const uint8_t> record,
                                                       const CallContext& base) {
  std::optional<std::vector<uint8_t>> out;
  bool answered = false;
  dispatcher.Dispatch(record, base, [&](std::optional<Reply> reply) {
    if (reply) out = reply->Flatten();
    answered = true;
  });
  if (!answered) std::abort();  // a gated reply: not for this helper
  return out;
}

}  // namespace volumed::rpc::testing
