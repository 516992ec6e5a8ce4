// The lifecycle commands, over the admin program, each in its own file with its
// registration: create_command.cc, list_command.cc, info_command.cc, delete_command.cc,
// renew_command.cc, policy_command.cc, locks_commands.cc (locks list|break),
// snapshot_commands.cc (snapshot create|list|delete|restore, fork), gateway_commands.cc
// (gateways, move: README "Scaling out"); fsck is
// fsck_command.h, run run_command.h, what they share admin_command.h. Each prints its
// result (human-readable, or JSON with --json) and returns a CliStatus whose exit code
// main() passes on; each Add*Command registers one with the CLI (cli_context.h).
//
// Thread-safety: each command runs on the calling thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admin_client.h"
#include "cli_context.h"
#include "cli_result.h"

namespace volumectl {

struct CreateFlags {
  std::string name;
  bool ephemeral = false;
  std::string ttl;           // empty = server default
  uint64_t quota_bytes = 0;  // 0 = unlimited
  uint64_t quota_files = 0;
  std::vector<std::string> allow;
  bool read_only = false;
  std::string squash = "root";
  std::optional<uint32_t> anon_uid, anon_gid;
  bool json = false;
};

struct PolicyFlags {
  std::string name;
  std::vector<std::string> allow;
  bool allow_any = false;
  bool read_only = false, read_write = false;
  std::string squash;
  std::optional<uint32_t> anon_uid, anon_gid;
  std::optional<uint64_t> quota_bytes, quota_files;
  bool json = false;
};

CliStatus CreateCommand(const AdminTarget& target, const CreateFlags& flags);
CliStatus ListCommand(const AdminTarget& target, bool json);
CliStatus InfoCommand(const AdminTarget& target, const std::string& name, bool json);
CliStatus DeleteCommand(const AdminTarget& target, const std::string& name, bool yes);
CliStatus RenewCommand(const AdminTarget& target, const std::string& name, const std::string& ttl,
                       bool json);
CliStatus PolicyCommand(const AdminTarget& target, const PolicyFlags& flags);
CliStatus LocksListCommand(const AdminTarget& target, const std::string& name, bool json);
CliStatus LocksBreakCommand(const AdminTarget& target, const std::string& name,
                            const std::string& holder, bool yes);

CliStatus SnapshotCreateCommand(const AdminTarget& target, const std::string& name,
                                const std::string& snapshot, bool json);
CliStatus SnapshotListCommand(const AdminTarget& target, const std::string& name, bool json);
CliStatus SnapshotDeleteCommand(const AdminTarget& target, const std::string& name,
                                const std::string& snapshot, bool yes);
CliStatus SnapshotRestoreCommand(const AdminTarget& target, const std::string& name,
                                 const std::string& snapshot, bool yes, bool json);
// `source` is NAME or NAME@SNAP.
CliStatus ForkCommand(const AdminTarget& target, const std::string& source, const std::string& name,
                      bool persisted, bool json);
CliStatus GatewaysCommand(const AdminTarget& target, bool json);
CliStatus MoveCommand(const AdminTarget& target, const std::string& name,
                      const std::string& gateway, bool json);

void AddCreateCommand(CLI::App& app, CliContext& ctx);
void AddListCommand(CLI::App& app, CliContext& ctx);
void AddInfoCommand(CLI::App& app, CliContext& ctx);
void AddDeleteCommand(CLI::App& app, CliContext& ctx);
void AddRenewCommand(CLI::App& app, CliContext& ctx);
void AddPolicyCommand(CLI::App& app, CliContext& ctx);
void AddLocksCommand(CLI::App& app, CliContext& ctx);
void AddSnapshotCommands(CLI::App& app, CliContext& ctx);
void AddForkCommand(CLI::App& app, CliContext& ctx);
void AddGatewaysCommand(CLI::App& app, CliContext& ctx);
void AddMoveCommand(CLI::App& app, CliContext& ctx);

}  // namespace volumectl
