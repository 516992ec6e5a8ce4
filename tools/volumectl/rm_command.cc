#include <nfsc/libnfs.h>

#include "file_commands.h"

#include "remote_entry.h"
#include "remote_path.h"

namespace volumectl {

CliStatus RmCommand(const NfsTarget& target, const std::string& spec, bool recursive) {
  if (spec.find(':') == std::string::npos) {
    if (CliResult<RemotePath> rp = ParseRemotePath(spec); !rp.ok()) return rp.status();
    return Fail(Exit::kUsage, "rm wants NAME:PATH (to delete a whole volume, use `delete`)");
  }
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  NfsSession& session = *o->session;
  const RemotePath& rp = o->where;
  // A symlink is removed itself, never what it points to.
  if (o->self.type != 'd') return RemoveRemote(session, rp.path, o->self.type);
  if (!recursive) {
    return Fail(Exit::kFailure,
                rp.Display() + " is a directory (use -r to remove it and all it holds)");
  }
  if (rp.path == "/") return RemoveRemoteContents(session, rp.path);
  return RemoveRemote(session, rp.path, 'd');
}

void AddRmCommand(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string spec;
    bool recursive = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("rm", "remove a file (or, with -r, a tree) from a volume");
  c->add_option("path", f->spec, "NAME:PATH")->required();
  c->add_flag("-r,--recursive", f->recursive, "remove directories and their contents");
  c->callback([&ctx, f] { ctx.Finish(RmCommand(ctx.nfs, f->spec, f->recursive)); });
}

}  // namespace volumectl
