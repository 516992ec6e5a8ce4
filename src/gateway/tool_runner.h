// RunTool: runs a system tool (iproute2's `ip`, iputils' `arping`) to completion and
// returns its exit status and what it printed — the one place the gateway code starts a
// process. The tool is found on PATH (posix_spawnp), gets /dev/null as stdin and one pipe
// for stdout and stderr, and inherits no other descriptor we opened (they are all
// O_CLOEXEC). Output beyond kMaxToolOutput is read and dropped, so a chatty tool can
// neither block on a full pipe nor make us allocate without bound. A tool still running
// at the deadline is killed (SIGKILL) and reaped.
//
// Thread-safety: RunTool may be called from any thread; each call owns its child.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"

namespace volumed::gateway {

inline constexpr size_t kMaxToolOutput = 64 * 1024;

struct ToolOutput {
  int exit_code = 0;   // the tool's exit status
  std::string output;  // stdout and stderr interleaved, at most kMaxToolOutput bytes
};

// IoError when the tool cannot be started (its name in the message), is killed by a
// signal, or runs past `timeout` (it is then killed). A non-zero exit is not an error
// here: the caller reads exit_code.
Result<ToolOutput> RunTool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// "ip -4 addr add …" — argv joined with spaces, for messages.
std::string CommandLine(const std::vector<std::string>& argv);

}  // namespace volumed::gateway
