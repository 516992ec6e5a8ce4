// Logging: a thin layer over spdlog so every module logs the same way and the level is
// set once from --log-level.
//
// Thread-safety: all functions are thread-safe (spdlog's default logger is).
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#include "base/status.h"

namespace volumed {

// Sets the global level from "trace|debug|info|warn|error|off".
Status SetLogLevel(std::string_view level);

}  // namespace volumed

#define LOG_TRACE(...) SPDLOG_TRACE(__VA_ARGS__)
#define LOG_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
#define LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
