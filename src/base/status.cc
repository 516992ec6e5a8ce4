#include "base/status.h"

namespace volumed {

std::string_view CodeName(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk:
      return "OK";
    case C::kNotFound:
      return "NotFound";
    case C::kExists:
      return "Exists";
    case C::kNotDir:
      return "NotDir";
    case C::kIsDir:
      return "IsDir";
    case C::kNotEmpty:
      return "NotEmpty";
    case C::kNameTooLong:
      return "NameTooLong";
    case C::kInvalidArgument:
      return "InvalidArgument";
    case C::kAccessDenied:
      return "AccessDenied";
    case C::kNotPermitted:
      return "NotPermitted";
    case C::kStale:
      return "Stale";
    case C::kBadHandle:
      return "BadHandle";
    case C::kNoSpace:
      return "NoSpace";
    case C::kQuotaExceeded:
      return "QuotaExceeded";
    case C::kReadOnly:
      return "ReadOnly";
    case C::kTooLarge:
      return "TooLarge";
    case C::kNotSupported:
      return "NotSupported";
    case C::kNotSync:
      return "NotSync";
    case C::kCrossDevice:
      return "CrossDevice";
    case C::kTooManyLinks:
      return "TooManyLinks";
    case C::kBadType:
      return "BadType";
    case C::kBusy:
      return "Busy";
    case C::kElsewhere:
      return "Elsewhere";
    case C::kIoError:
      return "IoError";
    case C::kCorruption:
      return "Corruption";
    case C::kInternal:
      return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  std::string out(CodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace volumed
