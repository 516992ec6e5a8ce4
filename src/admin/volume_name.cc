#include "admin/volume_name.h"

#include <string>

namespace volumed::admin {

Status ValidateVolumeName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("'" + std::string(name.substr(0, 80)) +
                           "' is not a valid volume name (" + std::string(why) +
                           "): use 1-64 of A-Z a-z 0-9 . _ -, not starting with '.' or '-'");
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 64) return bad("longer than 64 characters");
  if (name.front() == '.' || name.front() == '-') return bad("starts with '.' or '-'");
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return bad("contains a character other than A-Z a-z 0-9 . _ -");
  }
  return Status::Ok();
}

}  // namespace volumed::admin
