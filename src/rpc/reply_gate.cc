#include "rpc/reply_gate.h"

namespace volumed::rpc {
namespace {

using Conditions = std::vector<ReplyGate::Condition>;

void RunFrom(const std::shared_ptr<Conditions>& conditions, size_t next, ReplyGate::Done done) {
  if (next == conditions->size()) {
    done(true);
    return;
  }
  (*conditions)[next]([conditions, next, done = std::move(done)](bool ok) mutable {
    if (!ok) {
      done(false);
      return;
    }
    RunFrom(conditions, next + 1, std::move(done));
  });
}

}  // namespace

void ReplyGate::Open(Done done) && {
  RunFrom(std::make_shared<Conditions>(std::move(conditions_)), 0, std::move(done));
}

}  // namespace volumed::rpc
