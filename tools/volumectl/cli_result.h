// CliStatus / CliResult<T>: how volumectl's parts report failure — an exit code from a
// small documented set plus the one-line message the user reads on stderr.
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace volumectl {

// Exit codes, as documented in `volumectl --help`.
enum class Exit : int {
  kOk = 0,
  kFailure = 1,   // the operation failed (server or I/O error)
  kUsage = 2,     // bad arguments: bad name, CIDR, duration, ...
  kNotFound = 3,  // no such volume or path
  kExists = 4,    // the volume or file already exists
  kDenied = 5,    // permission denied
  kNoServer = 6,  // no server answers
};

struct CliStatus {
  Exit exit = Exit::kOk;
  std::string message;
  bool ok() const { return exit == Exit::kOk; }
  static CliStatus Ok() { return {}; }
};

inline CliStatus Fail(Exit exit, std::string message) { return {exit, std::move(message)}; }

template <typename T>
class CliResult {
 public:
  CliResult(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  CliResult(CliStatus status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Fail(Exit::kFailure, "internal error: empty result");
  }
  bool ok() const { return value_.has_value(); }
  const CliStatus& status() const { return status_; }
  T& value() { return *value_; }
  T* operator->() { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  CliStatus status_;
  std::optional<T> value_;
};

}  // namespace volumectl
