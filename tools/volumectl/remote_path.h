// RemotePath: "NAME[:PATH]" as the file commands take it — a volume name and an
// absolute path inside it ("/" when absent; "dir/x" means "/dir/x").
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "cli_result.h"

namespace volumectl {

struct RemotePath {
  std::string volume;
  std::string path;  // absolute, no trailing '/' except for the root
  bool trailing_slash = false;
  std::string Display() const { return volume + ":" + path; }
};

CliResult<RemotePath> ParseRemotePath(std::string_view text);

// Joins a directory path and a name: ("/", "a") → "/a", ("/x", "a") → "/x/a".
std::string JoinPath(std::string_view dir, std::string_view name);

// The last component of a path ("/" for the root).
std::string BaseName(std::string_view path);

}  // namespace volumectl
