// The rule for volume names, in one place: 1–64 characters of [A-Za-z0-9._-], not
// starting with '.' or '-' (so a name is a safe path component and export path /NAME).
// A snapshot's name follows the same rule; the snapshot SNAP of volume NAME is exported
// (and named to the catalog) as "NAME@SNAP", which no volume name can be.
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

inline constexpr char kSnapshotSeparator = '@';

// The rule, for a volume (`what` "volume") or a snapshot name.
inline Status ValidateName(std::string_view name, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("'" + std::string(name.substr(0, 80)) + "' is not a valid " +
                           std::string(what) + " name (" + std::string(why) +
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

inline Status ValidateVolumeName(std::string_view name) { return ValidateName(name, "volume"); }
inline Status ValidateSnapshotName(std::string_view name) { return ValidateName(name, "snapshot"); }

inline std::string SnapshotExportName(std::string_view volume, std::string_view snapshot) {
  return std::string(volume) + kSnapshotSeparator + std::string(snapshot);
}

// A name MOUNT and the file commands accept: a volume's, or "NAME@SNAP".
inline Status ValidateExportName(std::string_view name) {
  const size_t at = name.find(kSnapshotSeparator);
  if (at == std::string_view::npos) return ValidateVolumeName(name);
  VOLUMED_RETURN_IF_ERROR(ValidateVolumeName(name.substr(0, at)));
  return ValidateSnapshotName(name.substr(at + 1));
}

}  // namespace volumed::storage
