// CliContext: what volumectl's commands share — the global flags (where the admin
// program and the NFS server are) and the outcome main() returns.
//
// How a command joins the tool: its file has an Add<Name>Command(CLI::App&, CliContext&)
// that declares the subcommand with add_subcommand, binds its flags to a struct the
// callback owns, and sets a callback that runs the command and passes its CliStatus to
// Finish. main.cc only declares the global flags and calls each Add function; nothing
// else is shared between commands.
//
// Thread-safety: used on the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "admin_target.h"
#include "cli_result.h"
#include "nfs_session.h"

namespace volumectl {

class CliContext {
 public:
  // The global flags, bound by main.cc.
  AdminTarget admin_flags;
  std::string admin_secret_file;
  NfsTarget nfs;

  // The admin target with its secret resolved (--admin-secret-file, else
  // VOLUMED_ADMIN_SECRET) when --admin-tcp is used.
  CliResult<AdminTarget> Admin() const;

  // Records a command's outcome: prints a failure's message on stderr; the exit code is
  // the status's (Exit::kOk for success).
  void Finish(const CliStatus& status);
  // Finish(command(target)) for a command over the admin program.
  template <typename Command>
  void FinishWithAdmin(Command command) {
    CliResult<AdminTarget> target = Admin();
    Finish(target.ok() ? command(*target) : target.status());
  }
  // For `run`, whose exit code is its command's.
  void FinishWithCode(int code) { exit_code_ = code; }
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_ = 0;
};

// A byte-size flag: "1048576", "512K", "10M", "2GiB", "1T" (binary units, through
// CLI::AsSizeValue); anything else is a usage error before the command runs.
CLI::Option* AddSizeOption(CLI::App* command, const std::string& name, uint64_t& value,
                           const std::string& description);
CLI::Option* AddSizeOption(CLI::App* command, const std::string& name,
                           std::optional<uint64_t>& value, const std::string& description);

}  // namespace volumectl
