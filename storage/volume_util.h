// Small helpers shared by Volume's operation files: clock, name checks, wcc data.
//
// Thread-safety: stateless free functions.
#pragma once

#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "storage/records.h"
#include "storage/types.h"

namespace volumed::storage {

inline Timespec Now() {
  const int64_t ns = WallNowNs();
  return Timespec{ns / kNanosPerSecond, static_cast<uint32_t>(ns % kNanosPerSecond)};
}

// A time for a change to an object whose previous time was `prev`: now, but strictly
// later than `prev`, so every change is visible to a client comparing times.
inline Timespec After(const Timespec& prev, const Timespec& now) {
  if (now.sec > prev.sec || (now.sec == prev.sec && now.nsec > prev.nsec)) return now;
  Timespec t = prev;
  if (++t.nsec == 1000000000) {
    t.nsec = 0;
    ++t.sec;
  }
  return t;
}

// The pre-op attributes of weak cache consistency data.
inline WccAttr WccBefore(const InodeRecord& r) { return WccAttr{r.size, r.mtime, r.ctime}; }

// Fills `wcc` (when not null) from the records of `ino` before and after a change; before
// the change is attempted, pass the same record twice.
inline void FillWcc(Wcc* wcc, InodeId ino, const InodeRecord& before, const InodeRecord& after) {
  if (wcc == nullptr) return;
  wcc->before = WccBefore(before);
  wcc->after = ToAttributes(ino, after);
}

inline bool IsDotName(std::string_view name) { return name == "." || name == ".."; }

// A name that may be stored: 1..kMaxNameLength bytes, no '/' and no NUL.
inline Status CheckName(std::string_view name) {
  if (name.size() > kMaxNameLength) return Status(Status::Code::kNameTooLong, "name too long");
  if (name.empty() || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return InvalidArgument("invalid name");
  }
  return Status::Ok();
}

inline Status Stale() { return Status(Status::Code::kStale, "stale"); }
inline Status Denied() { return Status(Status::Code::kAccessDenied, "permission denied"); }
inline Status NotPermitted() { return Status(Status::Code::kNotPermitted, "not permitted"); }

}  // namespace volumed::storage
