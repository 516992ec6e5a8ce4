// volumectl: create, inspect and delete volumed's volumes (admin program), and move files
// in and out of them (NFS, through libnfs). `volumectl --help` lists the commands and the
// exit codes. Each command registers itself (cli_context.h); this file holds only the
// global flags and the order of the commands in --help.
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "admin/admin_defaults.h"
#include "cli_context.h"
#include "file_commands.h"
#include "fsck_command.h"
#include "lifecycle_commands.h"
#include "owner_locator.h"
#include "run_command.h"
#include "top_command.h"
#include "transfer.h"

namespace volumectl {
namespace {

constexpr const char* kFooter = R"(
Environment:
  VOLUMED_ADMIN_SOCKET   admin socket (default /run/volumed/admin.sock)
  VOLUMED_ADMIN_TCP      HOST:PORT of a server's admin TCP port (remote administration)
  VOLUMED_ADMIN_SECRET   the shared secret for VOLUMED_ADMIN_TCP
  VOLUMED_SERVER         NFS server for the file commands (default 127.0.0.1)
  VOLUMED_HTTP           HOST:PORT of the server's --http listener, for `top` (default 127.0.0.1:9049)
  VOLUMED_NFS_PORT, VOLUMED_MOUNT_PORT   pin the ports instead of asking rpcbind

Exit codes: 0 ok, 1 failed, 2 bad arguments, 3 no such volume or path,
  4 already exists, 5 permission denied, 6 no server answers; `run` exits with CMD's status.)";

int Main(int argc, char** argv) {
  CLI::App app{"volumectl — manage volumed volumes and the files in them"};
  app.footer(kFooter);
  app.require_subcommand(1);

  CliContext ctx;
  ctx.admin_flags.socket_path = volumed::admin::kDefaultAdminSocket;
  app.add_option("--admin-socket", ctx.admin_flags.socket_path, "the server's admin socket")
      ->envname(volumed::admin::kAdminSocketEnv);
  app.add_option("--admin-tcp", ctx.admin_flags.tcp,
                 "administer a remote server over TCP (HOST:PORT)")
      ->envname(volumed::admin::kAdminTcpEnv);
  app.add_option("--admin-secret-file", ctx.admin_secret_file,
                 "file holding the shared secret for --admin-tcp (or VOLUMED_ADMIN_SECRET)");
  app.add_option("--server", ctx.nfs.host, "NFS server for file commands and `run`")
      ->envname("VOLUMED_SERVER");
  app.add_option("--nfs-port", ctx.nfs.nfs_port, "NFS port (default: ask rpcbind)")
      ->envname("VOLUMED_NFS_PORT");
  app.add_option("--mount-port", ctx.nfs.mount_port, "MOUNT port (default: ask rpcbind)")
      ->envname("VOLUMED_MOUNT_PORT");

  // The file commands follow a volume to the gateway serving it, as the admin program
  // places it, when the server given does not serve it.
  ctx.nfs.locate = OwnerLocator([&ctx] { return ctx.Admin(); });

  // Lifecycle, over the admin program.
  AddCreateCommand(app, ctx);
  AddListCommand(app, ctx);
  AddInfoCommand(app, ctx);
  AddDeleteCommand(app, ctx);
  AddRenewCommand(app, ctx);
  AddRunCommand(app, ctx);
  AddPolicyCommand(app, ctx);
  AddFsckCommand(app, ctx);
  AddLocksCommand(app, ctx);
  AddSnapshotCommands(app, ctx);
  AddForkCommand(app, ctx);
  AddGatewaysCommand(app, ctx);
  AddMoveCommand(app, ctx);
  AddTopCommand(app, ctx);
  // Files, over NFS.
  AddLsCommand(app, ctx);
  AddPutCommand(app, ctx);
  AddGetCommand(app, ctx);
  AddRmCommand(app, ctx);
  AddDuCommand(app, ctx);

  try {
    app.parse(argc, argv);  // the chosen command runs in its callback
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "volumectl: {}\nRun with --help for usage.\n", e.what());
    return static_cast<int>(Exit::kUsage);
  }
  return ctx.exit_code();
}

}  // namespace
}  // namespace volumectl

int main(int argc, char** argv) { return volumectl::Main(argc, argv); }
