#include "file_commands.h"

#include <fmt/format.h>

#include "json_output.h"
#include "progress.h"
#include "remote_entry.h"
#include "remote_path.h"

namespace volumectl {
namespace {

// What du counts: a symlink is counted apart, its target's length is not file bytes.
struct DuTotals {
  uint64_t bytes = 0, used = 0, files = 0, dirs = 0, links = 0;
};

void CountLeaf(const RemoteEntry& e, DuTotals* t) {
  if (e.type == 'l') {
    ++t->links;
    return;
  }
  ++t->files;
  t->bytes += e.size;
  t->used += e.used;
}

CliStatus Walk(NfsSession& s, const std::string& path, DuTotals* t) {
  CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, path);
  if (!entries.ok()) return entries.status();
  for (const RemoteEntry& e : *entries) {
    if (e.type == 'd') {
      ++t->dirs;
      if (CliStatus st = Walk(s, JoinPath(path, e.name), t); !st.ok()) return st;
    } else {
      CountLeaf(e, t);
    }
  }
  return CliStatus::Ok();
}

}  // namespace

CliStatus DuCommand(const NfsTarget& target, const std::string& spec, bool json) {
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  const RemotePath& rp = o->where;
  DuTotals t;
  if (o->self.type == 'd') {
    if (CliStatus st = Walk(*o->session, rp.path, &t); !st.ok()) return st;
  } else {
    CountLeaf(o->self, &t);
  }
  if (json) {
    PrintJson({{"path", rp.Display()},
               {"bytes", t.bytes},
               {"used_bytes", t.used},
               {"files", t.files},
               {"directories", t.dirs},
               {"symlinks", t.links}});
  } else {
    const std::string links = t.links == 0 ? "" : ", " + std::to_string(t.links) + " symlinks";
    fmt::print("{}\t{} bytes in {} files, {} directories{}\t{}\n", HumanBytes(t.bytes), t.bytes,
               t.files, t.dirs, links, rp.Display());
  }
  return CliStatus::Ok();
}

void AddDuCommand(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string spec;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("du", "bytes and files used under NAME[:PATH]");
  c->add_option("path", f->spec, "NAME[:PATH]")->required();
  c->add_flag("--json", f->json, "print JSON");
  c->callback([&ctx, f] { ctx.Finish(DuCommand(ctx.nfs, f->spec, f->json)); });
}

}  // namespace volumectl
