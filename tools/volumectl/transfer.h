// put and get: copying files, symbolic links and whole trees into and out of a volume
// through NFS (libnfs), several files at once (one NFS session per worker), with a
// progress line on a terminal (nothing when stderr is not one). Modes and times are
// carried as NFS carries them (mode bits, atime/mtime; libnfs sets times with microsecond
// resolution). Symlinks are copied as links, their targets verbatim (relative, absolute
// or dangling alike), never followed. On success both print nothing, or with --json one
// summary object (transfer_parts.h). put is in put_command.cc, get in get_command.cc.
//
//   put LOCAL... NAME:PATH   PATH an existing directory (or several sources, or a
//                            trailing '/') → each source goes inside it; else PATH is
//                            the new name. Existing files are overwritten.
//   put --atomic LOCAL NAME:PATH   publishes LOCAL (a tree or a file) in one step: it is
//                            uploaded into a hidden staging entry beside PATH
//                            (.BASE.staging-XXXXXX), then renamed onto PATH when PATH does
//                            not exist; when PATH is a symlink (current -> v41), the
//                            staging entry becomes BASE.<UTC time>-XXXXXX and a new link
//                            to it is renamed over PATH. Readers see the old tree or the
//                            new one, never a mix. A failed put removes what it made (or
//                            names what it could not remove, for `volumectl rm -r`).
//   get NAME:PATH... LOCAL   PATH may hold globs (* ? [..]) in any component; LOCAL an
//                            existing directory (or several sources) → inside it; '-'
//                            → file contents to stdout. Never overwrites a local file
//                            unless --force.
//
// Thread-safety: each command runs on the calling thread and its own workers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli_context.h"
#include "cli_result.h"
#include "nfs_session.h"

namespace volumectl {

struct TransferOptions {
  NfsTarget target;
  int jobs = 4;
  bool force = false;
  bool json = false;    // print a summary object on success
  bool atomic = false;  // put --atomic
};

CliStatus PutCommand(const TransferOptions& options, const std::vector<std::string>& sources,
                     const std::string& dest);
CliStatus GetCommand(const TransferOptions& options, const std::vector<std::string>& sources,
                     const std::string& dest);

void AddPutCommand(CLI::App& app, CliContext& ctx);  // put_command.cc
void AddGetCommand(CLI::App& app, CliContext& ctx);  // get_command.cc

// What put and get bind their flags to: options and every positional argument, the last
// being the destination.
struct TransferFlags {
  TransferOptions transfer;
  std::vector<std::string> args;
};
using TransferFn = CliStatus (*)(const TransferOptions&, const std::vector<std::string>&,
                                 const std::string&);
// The callback of put and get: `command` on the arguments split into sources and
// destination, to the servers the global flags name.
std::function<void()> TransferCallback(CliContext& ctx, std::shared_ptr<TransferFlags> flags,
                                       TransferFn command);

}  // namespace volumectl
