#include <nfsc/libnfs.h>

#include "file_commands.h"

#include "remote_entry.h"
#include "remote_path.h"

namespace volumectl {
namespace {

CliStatus RemoveTree(NfsSession& s, const std::string& path) {
  CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, path);
  if (!entries.ok()) return entries.status();
  for (const RemoteEntry& e : *entries) {
    const std::string child = JoinPath(path, e.name);
    if (e.type == 'd') {
      if (CliStatus st = RemoveTree(s, child); !st.ok()) return st;
      if (int rc = nfs_rmdir(s.ctx(), child.c_str()); rc < 0) return s.Error(rc, child);
    } else if (int rc = nfs_unlink(s.ctx(), child.c_str()); rc < 0) {
      return s.Error(rc, child);
    }
  }
  return CliStatus::Ok();
}

}  // namespace

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
  if (o->self.type != 'd') {
    if (int rc = nfs_unlink(session.ctx(), rp.path.c_str()); rc < 0) {
      return session.Error(rc, rp.path);
    }
    return CliStatus::Ok();
  }
  if (!recursive) {
    return Fail(Exit::kFailure,
                rp.Display() + " is a directory (use -r to remove it and all it holds)");
  }
  if (CliStatus st = RemoveTree(session, rp.path); !st.ok()) return st;
  if (rp.path != "/") {
    if (int rc = nfs_rmdir(session.ctx(), rp.path.c_str()); rc < 0) {
      return session.Error(rc, rp.path);
    }
  }
  return CliStatus::Ok();
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
