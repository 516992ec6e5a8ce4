// The rule for volume names, in one place: 1–64 characters of [A-Za-z0-9._-], not
// starting with '.' or '-' (so a name is a safe path component and export path /NAME).
// The catalog enforces it on Create; the admin program and volumectl check it first so
// that the user gets this message before any connection or lookup.
//
// Thread-safety: a pure function (header-only, so the admin program and volumectl use it
// without linking the store).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace volumed::storage {

inline constexpr size_t kMaxVolumeNameLength = 64;

inline Status ValidateVolumeName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("'" + std::string(name.substr(0, 80)) +
                           "' is not a valid volume name (" + std::string(why) +
                           "): use 1-64 of A-Z a-z 0-9 . _ -, not starting with '.' or '-'");
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxVolumeNameLength) return bad("longer than 64 characters");
  if (name.front() == '.' || name.front() == '-') return bad("starts with '.' or '-'");
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return bad("contains a character other than A-Z a-z 0-9 . _ -");
  }
  return Status::Ok();
}

}  // namespace volumed::storage
