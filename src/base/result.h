// Result<T>: either a value of T or a non-ok Status. The return type of every internal
// operation that produces a value.
//
// Thread-safety: as safe as T; a Result is not synchronised.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "base/status.h"

namespace volumed {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an ok Status carries no value");
    if (status_.ok()) status_ = Internal("Result built from an ok Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace volumed

// `VOLUMED_ASSIGN_OR_RETURN(auto x, Expr())` — binds the value or returns the Status.
#define VOLUMED_CONCAT_INNER_(a, b) a##b
#define VOLUMED_CONCAT_(a, b) VOLUMED_CONCAT_INNER_(a, b)
#define VOLUMED_ASSIGN_OR_RETURN(decl, expr)                    \
  auto VOLUMED_CONCAT_(volumed_result_, __LINE__) = (expr);     \
  if (!VOLUMED_CONCAT_(volumed_result_, __LINE__).ok())         \
    return VOLUMED_CONCAT_(volumed_result_, __LINE__).status(); \
  decl = std::move(VOLUMED_CONCAT_(volumed_result_, __LINE__)).value()
