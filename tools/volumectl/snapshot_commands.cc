// `snapshot create|list|delete` and `fork`, over the admin program (DESIGN.md §8): a
// snapshot is a read-only copy of a volume mounted as NAME@SNAP; a fork is a new writable
// volume with a volume's (or a snapshot's) content.
#include <unistd.h>

#include <fmt/format.h>

#include "admin_command.h"
#include "lifecycle_commands.h"
#include "progress.h"
#include "storage/volume_name.h"

namespace volumectl {
namespace {

CliStatus CheckSnapshotName(const std::string& snapshot) {
  if (volumed::Status s = volumed::storage::ValidateSnapshotName(snapshot); !s.ok()) {
    return Fail(Exit::kUsage, s.message());
  }
  return CliStatus::Ok();
}

std::string Milliseconds(uint64_t ns) { return fmt::format("{:.1f} ms", ns / 1e6); }

Json SnapshotJson(const SnapshotView& s) {
  Json out = {{"volume", s.volume},
              {"snapshot", s.snapshot},
              {"export", volumed::storage::SnapshotExportName(s.volume, s.snapshot)},
              {"id", s.id},
              {"created_ns", s.created_ns}};
  out["own_bytes"] = s.own_bytes ? Json(*s.own_bytes) : Json(nullptr);
  out["shared_bytes"] = s.shared_bytes ? Json(*s.shared_bytes) : Json(nullptr);
  return out;
}

std::string SpaceText(const std::optional<uint64_t>& bytes) {
  return bytes ? HumanBytes(*bytes) : std::string("?");
}

}  // namespace

CliStatus SnapshotCreateCommand(const AdminTarget& target, const std::string& name,
                                const std::string& snapshot, bool json) {
  if (CliStatus s = CheckSnapshotName(snapshot); !s.ok()) return s;
  CliResult<SnapshotView> made =
      ForVolume(target, name, [&](AdminClient& c) { return c.SnapshotCreate(name, snapshot); });
  if (!made.ok()) return made.status();
  if (json) {
    Json out = SnapshotJson(*made);
    out["pause_ns"] = made->pause_ns;
    PrintJson(out);
  } else {
    fmt::print("created snapshot '{}' (mount it read-only as /{}; writes waited {})\n", snapshot,
               volumed::storage::SnapshotExportName(name, snapshot), Milliseconds(made->pause_ns));
  }
  return CliStatus::Ok();
}

CliStatus SnapshotListCommand(const AdminTarget& target, const std::string& name, bool json) {
  CliResult<std::vector<SnapshotView>> all =
      ForVolume(target, name, [&](AdminClient& c) { return c.SnapshotList(name); });
  if (!all.ok()) return all.status();
  if (json) {
    Json list = Json::array();
    for (const SnapshotView& s : *all) list.push_back(SnapshotJson(s));
    PrintJson(list);
    return CliStatus::Ok();
  }
  if (all->empty()) {
    fmt::print("volume '{}' has no snapshots\n", name);
    return CliStatus::Ok();
  }
  constexpr const char* kRow = "{:<24} {:<19} {:>10} {:>10}\n";
  fmt::print(kRow, "SNAPSHOT", "CREATED", "OWN", "SHARED");
  for (const SnapshotView& s : *all) {
    fmt::print(kRow, s.snapshot, LocalTime(s.created_ns), SpaceText(s.own_bytes),
               SpaceText(s.shared_bytes));
  }
  return CliStatus::Ok();
}

CliStatus SnapshotDeleteCommand(const AdminTarget& target, const std::string& name,
                                const std::string& snapshot, bool yes) {
  if (CliStatus s = CheckSnapshotName(snapshot); !s.ok()) return s;
  const std::string full = volumed::storage::SnapshotExportName(name, snapshot);
  bool confirmed = yes;
  return ForVolume(target, name, [&](AdminClient& c) -> CliStatus {
    if (!confirmed) {
      if (isatty(STDIN_FILENO) != 1) {
        return Fail(Exit::kUsage,
                    "refusing to delete snapshot '" + full + "' without confirmation: pass --yes");
      }
      if (!Confirm("Delete snapshot '" + full + "'?")) return Fail(Exit::kFailure, "not deleted");
      confirmed = true;  // asked once, also when the call goes on to the owner
    }
    if (CliStatus s = c.SnapshotDelete(name, snapshot); !s.ok()) return s;
    fmt::print("deleted snapshot '{}'\n", full);
    return CliStatus::Ok();
  });
}

CliStatus SnapshotRestoreCommand(const AdminTarget& target, const std::string& name,
                                 const std::string& snapshot, bool yes, bool json) {
  if (CliStatus s = CheckSnapshotName(snapshot); !s.ok()) return s;
  const std::string full = volumed::storage::SnapshotExportName(name, snapshot);
  bool confirmed = yes;
  CliResult<VolumeView> v = ForVolume(target, name, [&](AdminClient& c) -> CliResult<VolumeView> {
    if (!confirmed) {
      if (isatty(STDIN_FILENO) != 1) {
        return Fail(Exit::kUsage, "refusing to roll volume '" + name + "' back to '" + full +
                                      "' without confirmation: pass --yes");
      }
      if (!Confirm("Roll volume '" + name + "' back to snapshot '" + full +
                   "'? Every change since is lost; open files the snapshot lacks go STALE.")) {
        return Fail(Exit::kFailure, "not restored");
      }
      confirmed = true;  // asked once, also when the call goes on to the owner
    }
    return c.SnapshotRestore(name, snapshot);
  });
  if (!v.ok()) return v.status();
  if (json) {
    PrintVolume(*v, true);
  } else {
    fmt::print("restored volume '{}' to snapshot '{}'\n", name, snapshot);
  }
  return CliStatus::Ok();
}

CliStatus ForkCommand(const AdminTarget& target, const std::string& source, const std::string& name,
                      bool persisted, bool json) {
  ForkSpec spec;
  spec.name = name;
  spec.persisted = persisted;
  const size_t at = source.find(volumed::storage::kSnapshotSeparator);
  spec.source = source.substr(0, at);
  if (at != std::string::npos) {
    spec.snapshot = source.substr(at + 1);
    if (CliStatus s = CheckSnapshotName(spec.snapshot); !s.ok()) return s;
  }
  if (CliStatus s = CheckName(name); !s.ok()) return s;
  CliResult<std::pair<VolumeView, uint64_t>> made =
      ForVolume(target, spec.source, [&](AdminClient& c) { return c.Fork(spec); });
  if (!made.ok()) return made.status();
  if (json) {
    Json out = VolumeJson(made->first);
    out["pause_ns"] = made->second;
    PrintJson(out);
  } else {
    fmt::print("forked '{}' as {} volume '{}' (writes waited {})\n", source,
               made->first.ephemeral ? "ephemeral" : "persisted", name, Milliseconds(made->second));
  }
  return CliStatus::Ok();
}

namespace {

void AddRestoreCommand(CLI::App* group, CliContext& ctx) {
  struct Flags {
    std::string name, snapshot;
    bool yes = false, json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* r = group->add_subcommand(
      "restore", "roll volume NAME back to its snapshot SNAP (every change since is lost)");
  r->add_option("name", f->name, "volume name")->required();
  r->add_option("snapshot", f->snapshot, "snapshot name")->required();
  r->add_flag("--yes,-y", f->yes, "do not ask for confirmation");
  AddJsonFlag(r, f->json, "print the restored volume as JSON");
  r->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) {
      return SnapshotRestoreCommand(t, f->name, f->snapshot, f->yes, f->json);
    });
  });
}

}  // namespace

void AddSnapshotCommands(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string name, snapshot;
    bool json = false, yes = false;
  };
  CLI::App* group = app.add_subcommand(
      "snapshot",
      "read-only copies of a volume, mounted as NAME@SNAP (create, list, delete, restore)");
  group->require_subcommand(1);

  auto create = std::make_shared<Flags>();
  CLI::App* c = group->add_subcommand("create", "take a snapshot of volume NAME, called SNAP");
  c->add_option("name", create->name, "volume name")->required();
  c->add_option("snapshot", create->snapshot, "snapshot name: 1-64 of A-Z a-z 0-9 . _ -")
      ->required();
  AddJsonFlag(c, create->json);
  c->callback([&ctx, create] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) {
      return SnapshotCreateCommand(t, create->name, create->snapshot, create->json);
    });
  });

  auto list = std::make_shared<Flags>();
  CLI::App* l = group->add_subcommand("list", "list the snapshots of volume NAME");
  l->add_option("name", list->name, "volume name")->required();
  AddJsonFlag(l, list->json);
  l->callback([&ctx, list] {
    ctx.FinishWithAdmin(
        [&](const AdminTarget& t) { return SnapshotListCommand(t, list->name, list->json); });
  });

  auto del = std::make_shared<Flags>();
  CLI::App* d = group->add_subcommand("delete", "delete snapshot SNAP of volume NAME");
  d->add_option("name", del->name, "volume name")->required();
  d->add_option("snapshot", del->snapshot, "snapshot name")->required();
  d->add_flag("--yes,-y", del->yes, "do not ask for confirmation");
  d->callback([&ctx, del] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) {
      return SnapshotDeleteCommand(t, del->name, del->snapshot, del->yes);
    });
  });
  AddRestoreCommand(group, ctx);
}

void AddForkCommand(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string source, name;
    bool persisted = false, json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand(
      "fork", "make NEW, a writable copy of volume NAME (or of snapshot NAME@SNAP)");
  c->add_option("name", f->source, "the volume (or NAME@SNAP) to copy")->required();
  c->add_option("new", f->name, "the new volume's name")->required();
  c->add_flag("--persisted", f->persisted,
              "make NEW persisted (a fork of an ephemeral volume is ephemeral otherwise)");
  AddJsonFlag(c, f->json, "print the new volume as JSON");
  c->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) {
      return ForkCommand(t, f->source, f->name, f->persisted, f->json);
    });
  });
}

}  // namespace volumectl
