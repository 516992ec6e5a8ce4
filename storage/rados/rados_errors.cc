#include "storage/rados/rados_errors.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace volumed::storage::rados {
namespace {

// Set before the first RADOS call, read by any thread after: never replaced under them.
std::function<void(const std::string&)>& OwnershipLostHandler() {
  static auto* handler = new std::function<void(const std::string&)>();
  return *handler;
}

// Runs the handler, then returns the error it was told about.
leveldb::Status OwnershipLost(const std::string& what, const std::string& why) {
  if (const auto& handler = OwnershipLostHandler()) handler(what + ": " + why);
  return leveldb::Status::IOError(what, why);
}

}  // namespace

void SetOwnershipLostHandler(std::function<void(const std::string& why)> handler) {
  OwnershipLostHandler() = std::move(handler);
}

leveldb::Status LeaseLapsed(std::string_view what) {
  return OwnershipLost(std::string(what), "this gateway's lease lapsed; not changing the volume");
}

RadosOutcome Classify(int r) {
  // librados returns -errno; errno values are ints, so this switch needs its default.
  switch (-r) {
    case 0:
      return RadosOutcome::kOk;
    case ENOENT:
    case ENODATA:  // no such xattr
      return RadosOutcome::kNotFound;
    case EEXIST:
      return RadosOutcome::kExists;
    case EBUSY:
      return RadosOutcome::kBusy;
    case ECANCELED:
      return RadosOutcome::kCanceled;
    case ESHUTDOWN:
      return RadosOutcome::kFenced;
    case ENOSPC:
    case EDQUOT:
      return RadosOutcome::kNoSpace;
    case EFBIG:
    case E2BIG:
      return RadosOutcome::kTooLarge;
    case EPERM:
    case EACCES:
      return RadosOutcome::kPermission;
    default:
      return RadosOutcome::kOther;
  }
}

leveldb::Status RadosError(int r, std::string_view op, std::string_view object) {
  const std::string what = fmt::format("rados {} {}", op, object);
  const std::string why = std::strerror(-r);
  switch (Classify(r)) {
    case RadosOutcome::kOk:
      return leveldb::Status::OK();
    case RadosOutcome::kNotFound:
      return leveldb::Status::NotFound(what, why);
    case RadosOutcome::kExists:
    case RadosOutcome::kBusy:
    case RadosOutcome::kCanceled:
    case RadosOutcome::kPermission:
    case RadosOutcome::kOther:
      return leveldb::Status::IOError(what, why);
    case RadosOutcome::kFenced:
      return OwnershipLost(
          what, "this gateway was fenced (blocklisted): another gateway took the volume over");
    case RadosOutcome::kNoSpace:
      // Kv recognises "No space left" and reports kNoSpace.
      return leveldb::Status::IOError(what, "No space left in the RADOS pool (" + why + ")");
    case RadosOutcome::kTooLarge:
      return leveldb::Status::IOError(what,
                                      "over the RADOS object or write size limit (" + why + ")");
  }
  return leveldb::Status::IOError(what, why);
}

}  // namespace volumed::storage::rados
