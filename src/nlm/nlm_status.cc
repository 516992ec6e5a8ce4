#include "nlm/nlm_status.h"

namespace volumed::nlm {

nlm4_stats Nlm4StatusOf(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return NLM4_GRANTED;
    case Status::Code::kNotFound:
    case Status::Code::kStale:
    case Status::Code::kBadHandle:
      return NLM4_STALE_FH;
    case Status::Code::kReadOnly:
      return NLM4_ROFS;
    case Status::Code::kTooLarge:
      return NLM4_FBIG;
    // Resources and transient faults: the client may try again ("No locks available").
    case Status::Code::kNoSpace:
    case Status::Code::kQuotaExceeded:
    case Status::Code::kBusy:
    case Status::Code::kIoError:
      return NLM4_DENIED_NOLOCKS;
    case Status::Code::kElsewhere:
      return NLM4_DENIED_GRACE_PERIOD;  // the client retries; the volume is moving here
    case Status::Code::kExists:
    case Status::Code::kNotDir:
    case Status::Code::kIsDir:
    case Status::Code::kNotEmpty:
    case Status::Code::kNameTooLong:
    case Status::Code::kInvalidArgument:
    case Status::Code::kAccessDenied:
    case Status::Code::kNotPermitted:
    case Status::Code::kNotSupported:
    case Status::Code::kNotSync:
    case Status::Code::kCrossDevice:
    case Status::Code::kTooManyLinks:
    case Status::Code::kBadType:
    case Status::Code::kCorruption:
    case Status::Code::kInternal:
      return NLM4_FAILED;
  }
  return NLM4_FAILED;
}

nlm_stats Nlm1StatusOf(nlm4_stats status) {
  switch (status) {
    case NLM4_GRANTED:
      return LCK_GRANTED;
    case NLM4_DENIED:
    case NLM4_DEADLCK:
      return LCK_DENIED;
    case NLM4_BLOCKED:
      return LCK_BLOCKED;
    case NLM4_DENIED_GRACE_PERIOD:
      return LCK_DENIED_GRACE_PERIOD;
    case NLM4_DENIED_NOLOCKS:
    case NLM4_ROFS:
    case NLM4_STALE_FH:
    case NLM4_FBIG:
    case NLM4_FAILED:
      return LCK_DENIED_NOLOCKS;
  }
  return LCK_DENIED_NOLOCKS;
}

}  // namespace volumed::nlm
