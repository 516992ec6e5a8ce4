#include "admin/status_map.h"

namespace volumed::admin {

adm_status ToAdmStatus(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk:
      return ADM_OK;
    case C::kNotFound:
    case C::kStale:  // the volume vanished between lookup and use
      return ADM_ERR_NOENT;
    case C::kExists:
      return ADM_ERR_EXIST;
    case C::kNotDir:
    case C::kIsDir:
    case C::kNotEmpty:
    case C::kNameTooLong:
    case C::kInvalidArgument:
    case C::kBadHandle:
    case C::kTooLarge:
    case C::kNotSync:
    case C::kCrossDevice:
    case C::kTooManyLinks:
    case C::kBadType:
      return ADM_ERR_INVAL;
    case C::kAccessDenied:
    case C::kNotPermitted:
    case C::kReadOnly:
      return ADM_ERR_PERM;
    case C::kNoSpace:
    case C::kQuotaExceeded:
      return ADM_ERR_NOSPC;
    case C::kNotSupported:
      return ADM_ERR_NOTSUPP;
    case C::kBusy:
      return ADM_ERR_BUSY;
    case C::kElsewhere:
      return ADM_ERR_ELSEWHERE;
    case C::kIoError:
      return ADM_ERR_IO;
    case C::kCorruption:
      return ADM_ERR_CORRUPT;
    case C::kInternal:
      return ADM_ERR_SERVERFAULT;
  }
  return ADM_ERR_SERVERFAULT;  // unreachable: the switch covers every code
}

}  // namespace volumed::admin
