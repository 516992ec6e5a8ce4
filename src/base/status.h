// Status: the outcome of an internal operation — a code from a closed set plus an
// optional human-readable message. Every internal API returns Status or Result<T>;
// each program boundary maps Code to its wire status in exactly one switch.
//
// Thread-safety: a Status is an immutable value; copies may be used from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace volumed {

class Status {
 public:
  // A closed set of outcomes. Adding a code breaks every boundary mapping (their
  // switches have no default), which is the point: each program must decide.
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,         // no such file, directory or volume
    kExists,           // name already taken
    kNotDir,           // a directory was required
    kIsDir,            // a non-directory was required
    kNotEmpty,         // directory not empty
    kNameTooLong,      // a name component is too long
    kInvalidArgument,  // malformed or out-of-range argument
    kAccessDenied,     // mode bits forbid it (EACCES)
    kNotPermitted,     // only the owner or root may (EPERM)
    kStale,            // handle refers to something that no longer exists
    kBadHandle,        // handle is not one of ours (wrong length or version)
    kNoSpace,          // the store is out of space
    kQuotaExceeded,    // the volume's byte or file quota is used up
    kReadOnly,         // read-only volume or export
    kTooLarge,         // file would exceed the maximum size
    kNotSupported,     // operation not supported on this object
    kNotSync,          // SETATTR guard mismatch
    kCrossDevice,      // operation across volumes
    kTooManyLinks,     // link count limit reached
    kBadType,          // object type not supported (MKNOD)
    kBusy,             // transient: try again later (never reported as STALE)
    kElsewhere,        // the volume is served by another gateway (the message names it)
    kIoError,          // the store failed to read or write
    kCorruption,       // stored data failed a consistency check
    kInternal,         // a bug: an invariant did not hold
  };

  Status() = default;
  static Status Ok() { return Status(); }
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  explicit Status(Code code) : code_(code) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotFound: volume 'x' does not exist" — for logs and admin replies.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// Shorthands for the common constructors: NotFound("volume x"), etc.
inline Status NotFound(std::string m = {}) { return {Status::Code::kNotFound, std::move(m)}; }
inline Status Exists(std::string m = {}) { return {Status::Code::kExists, std::move(m)}; }
inline Status InvalidArgument(std::string m = {}) {
  return {Status::Code::kInvalidArgument, std::move(m)};
}
inline Status IoError(std::string m = {}) { return {Status::Code::kIoError, std::move(m)}; }
inline Status Corruption(std::string m = {}) { return {Status::Code::kCorruption, std::move(m)}; }
inline Status Internal(std::string m = {}) { return {Status::Code::kInternal, std::move(m)}; }

}  // namespace volumed

// Propagates a non-ok Status from the enclosing function.
#define VOLUMED_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::volumed::Status volumed_status_ = (expr);        \
    if (!volumed_status_.ok()) return volumed_status_; \
  } while (0)
