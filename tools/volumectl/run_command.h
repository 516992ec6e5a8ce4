// `volumectl run [--volume NAME] [--ttl D] -- CMD ARGS...`: a volume that lives as long
// as a command. Creates an ephemeral volume, runs CMD with VOLUMED_VOLUME=NAME and
// VOLUMED_MOUNT_SOURCE=HOST:/NAME in its environment, renews the lease every third of the
// TTL while CMD runs, deletes the volume when CMD exits (also when CMD is killed, and when
// volumectl gets SIGINT/SIGTERM/SIGHUP, which it passes on to CMD first), and exits with
// CMD's status (128+N when CMD died of signal N). Should volumectl itself die, the lease
// lapses within the TTL and the server deletes the volume.
//
// Thread-safety: runs on the calling thread plus one renewal thread it owns.
#pragma once

#include <string>
#include <vector>

#include "admin_client.h"
#include "cli_context.h"
#include "cli_result.h"

namespace volumectl {

struct RunFlags {
  std::string volume;  // empty = "run-HOST-PID-XXXX"
  std::string ttl = "30s";
  std::string server_host;  // for VOLUMED_MOUNT_SOURCE
  std::vector<std::string> command;
};

// On success `exit_code` is CMD's; the CliStatus fails only when CMD never ran.
CliStatus RunCommand(const AdminTarget& target, const RunFlags& flags, int* exit_code);

void AddRunCommand(CLI::App& app, CliContext& ctx);

}  // namespace volumectl
