// RunTool: runs a binary with arguments, extra environment and optional stdin, and
// captures its exit code, stdout and stderr — how the volumectl tests see what a user
// sees.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace volumed::testing {

struct ToolResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

struct ToolOptions {
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  std::vector<std::string> unset_env;
  std::string stdin_data;
  int run_as_uid = -1;      // setuid before exec (tests running as root only)
  bool stderr_tty = false;  // stderr is a pseudo-terminal (what a user at a terminal sees)
};

ToolResult RunTool(const std::string& binary, const std::vector<std::string>& args,
                   const ToolOptions& options = {});

// The volumectl under test: $VOLUMECTL_BIN (the meson test sets it), else the one on PATH.
std::string Volumectl();

}  // namespace volumed::testing
