#include "duration.h"

#include <cstdint>

namespace volumectl {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  constexpr int64_t kMaxMs = int64_t{10} * 366 * 24 * 3600 * 1000;
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  bool bare_number = true;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxMs) return std::nullopt;
      ++i;
    }
    int64_t unit = 1000;  // a bare number is seconds
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("ms")) {
      unit = 1;
      i += 2;
    } else if (!rest.empty() &&
               (rest[0] == 's' || rest[0] == 'm' || rest[0] == 'h' || rest[0] == 'd')) {
      unit = rest[0] == 's'   ? 1000
             : rest[0] == 'm' ? 60'000
             : rest[0] == 'h' ? 3'600'000
                              : 86'400'000;
      ++i;
    } else if (!rest.empty()) {
      return std::nullopt;
    } else if (!bare_number) {
      return std::nullopt;  // "1h30" is ambiguous
    }
    bare_number = false;
    if (n > kMaxMs / unit) return std::nullopt;
    total += n * unit;
    if (total > kMaxMs) return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 0) return "-" + FormatDuration(std::chrono::milliseconds(-ms));
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  int64_t s = ms / 1000;
  const int64_t days = s / 86400, hours = s / 3600 % 24, mins = s / 60 % 60, secs = s % 60;
  if (days) out += std::to_string(days) + "d";
  if (hours) out += std::to_string(hours) + "h";
  if (mins) out += std::to_string(mins) + "m";
  if (secs || out.empty()) out += std::to_string(secs) + "s";
  return out;
}

}  // namespace volumectl
