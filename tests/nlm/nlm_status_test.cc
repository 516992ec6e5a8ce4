// The NLM boundary's status mappings: Status → nlm4_stats, nlm4_stats → v1/v3 nlm_stats.
#include "nlm/nlm_status.h"

#include <gtest/gtest.h>

namespace volumed::nlm {
namespace {

TEST(NlmStatusTest, StatusToNlm4) {
  using C = Status::Code;
  struct Case {
    C code;
    nlm4_stats want;
  } cases[] = {
      {C::kOk, NLM4_GRANTED},
      {C::kStale, NLM4_STALE_FH},
      {C::kBadHandle, NLM4_STALE_FH},
      {C::kNotFound, NLM4_STALE_FH},
      {C::kReadOnly, NLM4_ROFS},
      {C::kTooLarge, NLM4_FBIG},
      {C::kBusy, NLM4_DENIED_NOLOCKS},
      {C::kIoError, NLM4_DENIED_NOLOCKS},
      {C::kNoSpace, NLM4_DENIED_NOLOCKS},
      {C::kAccessDenied, NLM4_FAILED},
      {C::kInvalidArgument, NLM4_FAILED},
      {C::kInternal, NLM4_FAILED},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Nlm4StatusOf(Status(c.code)), c.want) << CodeName(c.code);
  }
}

TEST(NlmStatusTest, Nlm4ToVersion1) {
  struct Case {
    nlm4_stats in;
    nlm_stats want;
  } cases[] = {
      {NLM4_GRANTED, LCK_GRANTED},
      {NLM4_DENIED, LCK_DENIED},
      {NLM4_DENIED_NOLOCKS, LCK_DENIED_NOLOCKS},
      {NLM4_BLOCKED, LCK_BLOCKED},
      {NLM4_DENIED_GRACE_PERIOD, LCK_DENIED_GRACE_PERIOD},
      {NLM4_DEADLCK, LCK_DENIED},
      {NLM4_ROFS, LCK_DENIED_NOLOCKS},
      {NLM4_STALE_FH, LCK_DENIED_NOLOCKS},
      {NLM4_FBIG, LCK_DENIED_NOLOCKS},
      {NLM4_FAILED, LCK_DENIED_NOLOCKS},
  };
  for (const Case& c : cases) EXPECT_EQ(Nlm1StatusOf(c.in), c.want) << c.in;
}

}  // namespace
}  // namespace volumed::nlm
