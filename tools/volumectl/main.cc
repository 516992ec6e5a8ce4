// volumectl: create, inspect and delete volumed's volumes (admin program), and move files
// in and out of them (NFS, through libnfs). `volumectl --help` lists the commands and the
// exit codes.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "admin/admin_defaults.h"
#include "admin_client.h"
#include "cli_result.h"
#include "file_commands.h"
#include "lifecycle_commands.h"
#include "offline_fsck.h"
#include "run_command.h"
#include "transfer.h"

namespace volumectl {
namespace {

constexpr const char* kFooter = R"(
Environment:
  VOLUMED_ADMIN_SOCKET   admin socket (default /run/volumed/admin.sock)
  VOLUMED_ADMIN_TCP      HOST:PORT of a server's admin TCP port (remote administration)
  VOLUMED_ADMIN_SECRET   the shared secret for VOLUMED_ADMIN_TCP
  VOLUMED_SERVER         NFS server for the file commands (default 127.0.0.1)
  VOLUMED_NFS_PORT, VOLUMED_MOUNT_PORT   pin the ports instead of asking rpcbind

Exit codes: 0 ok, 1 failed, 2 bad arguments, 3 no such volume or path,
  4 already exists, 5 permission denied, 6 no server answers; `run` exits with CMD's status.)";

int Report(const CliStatus& s) {
  if (s.ok()) return 0;
  std::fprintf(stderr, "volumectl: %s\n", s.message.c_str());
  return static_cast<int>(s.exit);
}

int Main(int argc, char** argv) {
  CLI::App app{"volumectl — manage volumed volumes and the files in them"};
  app.footer(kFooter);
  app.require_subcommand(1);

  AdminTarget admin_target;
  admin_target.socket_path = volumed::admin::kDefaultAdminSocket;
  std::string secret_file;
  NfsTarget nfs;
  app.add_option("--admin-socket", admin_target.socket_path, "the server's admin socket")
      ->envname(volumed::admin::kAdminSocketEnv);
  app.add_option("--admin-tcp", admin_target.tcp, "administer a remote server over TCP (HOST:PORT)")
      ->envname(volumed::admin::kAdminTcpEnv);
  app.add_option("--admin-secret-file", secret_file,
                 "file holding the shared secret for --admin-tcp (or VOLUMED_ADMIN_SECRET)");
  app.add_option("--server", nfs.host, "NFS server for file commands and `run`")
      ->envname("VOLUMED_SERVER");
  app.add_option("--nfs-port", nfs.nfs_port, "NFS port (default: ask rpcbind)")
      ->envname("VOLUMED_NFS_PORT");
  app.add_option("--mount-port", nfs.mount_port, "MOUNT port (default: ask rpcbind)")
      ->envname("VOLUMED_MOUNT_PORT");

  // ---- lifecycle ----
  CreateFlags create;
  auto* c = app.add_subcommand("create", "create a volume");
  c->add_option("name", create.name, "volume name: 1-64 of A-Z a-z 0-9 . _ -")->required();
  auto* eph = c->add_flag("--ephemeral", create.ephemeral,
                          "delete the volume when its lease lapses (see renew, run)");
  c->add_option("--ttl", create.ttl, "lease length for --ephemeral, e.g. 30s, 10m (default 60s)")
      ->needs(eph);
  c->add_option("--quota-bytes", create.quota_bytes, "byte quota, e.g. 10G (default unlimited)");
  c->add_option("--quota-files", create.quota_files, "file quota (default unlimited)");
  c->add_option("--allow", create.allow, "client CIDR allowed to mount (repeatable; default any)");
  c->add_flag("--read-only", create.read_only, "export read-only");
  c->add_option("--squash", create.squash, "root (default), all or none");
  c->add_option("--anon-uid", create.anon_uid, "uid squashed callers get (default 65534)");
  c->add_option("--anon-gid", create.anon_gid, "gid squashed callers get (default 65534)");
  c->add_flag("--json", create.json, "print the new volume as JSON");

  bool json = false;
  auto* l = app.add_subcommand("list", "list volumes");
  l->add_flag("--json", json, "print JSON");

  std::string name;
  auto* info =
      app.add_subcommand("info", "show a volume: kind, lease, use, quota, policy, mounts, locks");
  info->add_option("name", name, "volume name")->required();
  info->add_flag("--json", json, "print JSON");

  bool yes = false;
  auto* del = app.add_subcommand("delete", "delete a volume and every byte in it");
  del->add_option("name", name, "volume name")->required();
  del->add_flag("--yes,-y", yes, "do not ask for confirmation");

  std::string ttl;
  auto* renew = app.add_subcommand("renew", "extend an ephemeral volume's lease");
  renew->add_option("name", name, "volume name")->required();
  renew->add_option("--ttl", ttl, "new lease length from now (default 60s)");
  renew->add_flag("--json", json, "print the new expiry as JSON");

  RunFlags run;
  auto* r =
      app.add_subcommand("run", "run a command with an ephemeral volume that lives as long as it");
  r->add_option("--volume", run.volume, "volume name (default run-HOST-PID-XXXX)");
  r->add_option("--ttl", run.ttl, "lease length, renewed every third of it (default 30s)");
  r->add_option("command", run.command, "the command and its arguments (after --)")->required();
  r->prefix_command();
  r->footer("CMD gets VOLUMED_VOLUME=NAME and VOLUMED_MOUNT_SOURCE=SERVER:/NAME.");

  PolicyFlags policy;
  auto* p = app.add_subcommand("policy", "show or change a volume's export policy and quota");
  p->add_option("name", policy.name, "volume name")->required();
  p->add_option("--allow", policy.allow, "replace the allowed client CIDRs (repeatable)");
  p->add_flag("--allow-any", policy.allow_any, "let any client mount it");
  p->add_flag("--read-only", policy.read_only, "export read-only");
  p->add_flag("--read-write", policy.read_write, "export read-write");
  p->add_option("--squash", policy.squash, "root, all or none");
  p->add_option("--anon-uid", policy.anon_uid, "uid squashed callers get");
  p->add_option("--anon-gid", policy.anon_gid, "gid squashed callers get");
  p->add_option("--quota-bytes", policy.quota_bytes, "byte quota (0 = unlimited)");
  p->add_option("--quota-files", policy.quota_files, "file quota (0 = unlimited)");
  p->add_flag("--json", policy.json, "print JSON");

  auto* fsck = app.add_subcommand(
      "fsck", "check a volume's store through the server (reports, does not repair)");
  fsck->add_option("name", name, "volume name")->required();
  std::string offline_data;
  fsck->add_option("--data", offline_data,
                   "check offline, in a stopped server's data directory, without the server");
  fsck->add_flag("--json", json, "print JSON");

  auto* locks = app.add_subcommand("locks", "list or break a volume's NLM locks");
  locks->require_subcommand(1);
  auto* locks_list = locks->add_subcommand("list", "list the locks held in a volume");
  locks_list->add_option("name", name, "volume name")->required();
  locks_list->add_flag("--json", json, "print JSON");
  std::string holder;
  auto* locks_break = locks->add_subcommand("break", "release locks held in a volume");
  locks_break->add_option("name", name, "volume name")->required();
  locks_break->add_option("--holder", holder, "only this client's locks (default every lock)");
  locks_break->add_flag("--yes,-y", yes, "do not ask for confirmation");

  // ---- files ----
  bool long_format = false, recursive = false;
  std::string spec;
  auto* ls = app.add_subcommand("ls", "list a directory of a volume: NAME[:PATH]");
  ls->add_option("path", spec, "NAME[:PATH]")->required();
  ls->add_flag("-l,--long", long_format, "long listing");
  ls->add_flag("--json", json, "print JSON");

  TransferOptions transfer;
  std::vector<std::string> args;
  auto* put =
      app.add_subcommand("put", "copy local files and trees into a volume: LOCAL... NAME:PATH");
  put->add_option("args", args, "LOCAL... NAME:PATH")->required()->expected(2, -1);
  put->add_option("-j,--jobs", transfer.jobs, "files copied at once (default 4)");
  put->add_flag("--json", transfer.json, "print a summary as JSON");

  auto* get = app.add_subcommand("get", "copy files out of a volume: NAME:PATH... LOCAL|-");
  get->add_option("args", args, "NAME:PATH... LOCAL (or - for stdout); PATH may hold globs")
      ->required()
      ->expected(2, -1);
  get->add_flag("-f,--force", transfer.force, "overwrite existing local files");
  get->add_option("-j,--jobs", transfer.jobs, "files copied at once (default 4)");
  get->add_flag("--json", transfer.json, "print a summary as JSON");

  auto* rm = app.add_subcommand("rm", "remove a file (or, with -r, a tree) from a volume");
  rm->add_option("path", spec, "NAME:PATH")->required();
  rm->add_flag("-r,--recursive", recursive, "remove directories and their contents");

  auto* du = app.add_subcommand("du", "bytes and files used under NAME[:PATH]");
  du->add_option("path", spec, "NAME[:PATH]")->required();
  du->add_flag("--json", json, "print JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "volumectl: %s\nRun with --help for usage.\n", e.what());
    return static_cast<int>(Exit::kUsage);
  }

  if (!admin_target.tcp.empty()) {
    if (!secret_file.empty()) {
      std::ifstream in(secret_file);
      if (!in) return Report(Fail(Exit::kUsage, "cannot read --admin-secret-file " + secret_file));
      std::getline(in, admin_target.secret);
    } else if (const char* s = std::getenv(volumed::admin::kAdminSecretEnv)) {
      admin_target.secret = s;
    }
  }
  transfer.target = nfs;

  if (c->parsed()) return Report(CreateCommand(admin_target, create));
  if (l->parsed()) return Report(ListCommand(admin_target, json));
  if (info->parsed()) return Report(InfoCommand(admin_target, name, json));
  if (del->parsed()) return Report(DeleteCommand(admin_target, name, yes));
  if (renew->parsed()) return Report(RenewCommand(admin_target, name, ttl, json));
  if (p->parsed()) return Report(PolicyCommand(admin_target, policy));
  if (fsck->parsed()) {
    if (!offline_data.empty()) return Report(OfflineFsckCommand(offline_data, name, json));
    return Report(FsckCommand(admin_target, name, /*repair=*/false, json));
  }
  if (locks_list->parsed()) return Report(LocksListCommand(admin_target, name, json));
  if (locks_break->parsed()) return Report(LocksBreakCommand(admin_target, name, holder, yes));
  if (r->parsed()) {
    for (const std::string& extra : r->remaining()) run.command.push_back(extra);
    if (!run.command.empty() && run.command.front() == "--") run.command.erase(run.command.begin());
    run.server_host = nfs.host;
    int code = 0;
    CliStatus s = RunCommand(admin_target, run, &code);
    if (!s.ok()) return Report(s);
    return code;
  }
  if (ls->parsed()) return Report(LsCommand(nfs, spec, long_format, json));
  if (put->parsed()) {
    const std::string dest = args.back();
    args.pop_back();
    return Report(PutCommand(transfer, args, dest));
  }
  if (get->parsed()) {
    const std::string dest = args.back();
    args.pop_back();
    return Report(GetCommand(transfer, args, dest));
  }
  if (rm->parsed()) return Report(RmCommand(nfs, spec, recursive));
  if (du->parsed()) return Report(DuCommand(nfs, spec, json));
  return Report(Fail(Exit::kUsage, "no command given"));
}

}  // namespace
}  // namespace volumectl

int main(int argc, char** argv) { return volumectl::Main(argc, argv); }
