// The rule for volume names, checked by the admin program before the catalog sees a
// name so that the user gets one clear message: 1–64 characters of [A-Za-z0-9._-], not
// starting with '.' or '-' (the same rule storage/catalog.h states).
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/status.h"

namespace volumed::admin {

Status ValidateVolumeName(std::string_view name);

}  // namespace volumed::admin
