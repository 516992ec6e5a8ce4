#include "file_commands.h"

#include <fmt/format.h>

#include "admin_command.h"
#include "json_output.h"
#include "progress.h"
#include "remote_entry.h"
#include "remote_path.h"
#include "storage/volume_name.h"

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

// The store bytes of a whole volume or snapshot: its own, and those it shares with its
// snapshots or forks, as `info` and `snapshot list` show them (the admin program's);
// unknown (with why) when the admin program cannot say.
struct StoreSpace {
  std::optional<uint64_t> own_bytes, shared_bytes;
  std::string unknown_why;
};

StoreSpace SpaceOf(const CliResult<AdminTarget>& admin, const std::string& name) {
  StoreSpace out;
  if (!admin.ok()) {
    out.unknown_why = admin.status().message;
    return out;
  }
  const size_t at = name.find(volumed::storage::kSnapshotSeparator);
  const std::string volume = name.substr(0, at);
  CliStatus st = Connected(*admin, [&](AdminClient& c) -> CliStatus {
    if (at == std::string::npos) {
      CliResult<VolumeView> v = c.Info(volume);
      if (!v.ok()) return v.status();
      out.own_bytes = v->own_bytes;
      out.shared_bytes = v->shared_bytes;
      return CliStatus::Ok();
    }
    CliResult<std::vector<SnapshotView>> snaps = c.SnapshotList(volume);
    if (!snaps.ok()) return snaps.status();
    for (const SnapshotView& s : *snaps) {
      if (s.snapshot != name.substr(at + 1)) continue;
      out.own_bytes = s.own_bytes;
      out.shared_bytes = s.shared_bytes;
    }
    return CliStatus::Ok();
  });
  if (!st.ok()) out.unknown_why = st.message;
  if (st.ok() && !out.own_bytes) out.unknown_why = "the store does not report it";
  return out;
}

Json OptionalJson(const std::optional<uint64_t>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

CliStatus DuCommand(const NfsTarget& target, const CliResult<AdminTarget>& admin,
                    const std::string& spec, bool json) {
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  const RemotePath& rp = o->where;
  DuTotals t;
  if (o->self.type == 'd') {
    if (CliStatus st = Walk(*o->session, rp.path, &t); !st.ok()) return st;
  } else {
    CountLeaf(o->self, &t);
  }
  // Store space belongs to a whole volume or snapshot, not to a directory in it.
  const bool whole = rp.path == "/";
  const StoreSpace space = whole ? SpaceOf(admin, rp.volume) : StoreSpace{};
  if (json) {
    PrintJson({{"path", rp.Display()},
               {"bytes", t.bytes},
               {"used_bytes", t.used},
               {"files", t.files},
               {"directories", t.dirs},
               {"symlinks", t.links},
               {"own_bytes", OptionalJson(space.own_bytes)},
               {"shared_bytes", OptionalJson(space.shared_bytes)}});
  } else {
    const std::string links = t.links == 0 ? "" : ", " + std::to_string(t.links) + " symlinks";
    fmt::print("{}\t{} bytes in {} files, {} directories{}\t{}\n", HumanBytes(t.bytes), t.bytes,
               t.files, t.dirs, links, rp.Display());
    if (space.own_bytes) {
      fmt::print("{}\tits own, {} shared with snapshots or forks\t{}\n",
                 HumanBytes(*space.own_bytes), HumanBytes(space.shared_bytes.value_or(0)),
                 rp.volume);
    } else if (whole) {
      fmt::print("space unknown ({})\t{}\n", space.unknown_why, rp.volume);
    }
  }
  return CliStatus::Ok();
}

void AddDuCommand(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string spec;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand(
      "du",
      "bytes and files used under NAME[:PATH]; for a whole volume also its store space, its "
      "own and shared with snapshots or forks");
  c->add_option("path", f->spec, "NAME[:PATH]")->required();
  c->add_flag("--json", f->json, "print JSON");
  c->callback([&ctx, f] { ctx.Finish(DuCommand(ctx.nfs, ctx.Admin(), f->spec, f->json)); });
}

}  // namespace volumectl
