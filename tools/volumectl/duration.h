// Parsing and printing of durations as volumectl's flags take them: "90" (seconds),
// "500ms", "30s", "5m", "2h", "7d", or a sum such as "1h30m".
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace volumectl {

// nullopt when `text` is not a duration or exceeds 10 years.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// "1h30m", "45s", "500ms".
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace volumectl
