#include "fsck_command.h"

#include "lifecycle_commands.h"
#include "storage/catalog.h"
#include "storage/fsck.h"

namespace volumectl {

CliStatus OfflineFsckCommand(const std::string& data_dir, const std::string& name, bool json) {
  if (CliStatus s = CheckName(name); !s.ok()) return s;
  volumed::storage::StoreOptions store;
  store.data_dir = data_dir;
  auto catalog = volumed::storage::VolumeCatalog::Open(store);
  if (!catalog.ok()) {
    return Fail(Exit::kFailure, "cannot open the data directory " + data_dir + " (" +
                                    catalog.status().ToString() +
                                    "); if volumed is running, use `volumectl fsck " + name + "`");
  }
  auto volume = (*catalog)->OpenByName(name);
  if (!volume.ok()) {
    if (volume.status().code() == volumed::Status::Code::kNotFound) {
      return Fail(Exit::kNotFound, "no volume named '" + name + "' in " + data_dir);
    }
    return Fail(Exit::kFailure, "cannot open volume '" + name + "': " + volume.status().ToString());
  }
  volumed::storage::FsckReport report;
  if (volumed::Status s = volumed::storage::Fsck(**volume, &report); !s.ok()) {
    return Fail(Exit::kFailure, "fsck of '" + name + "' could not run: " + s.ToString());
  }
  const FsckView view{report.inodes, report.problems.size(), 0, report.problems};
  return ReportFsck(name, view, /*repair=*/false, json);
}

void AddFsckCommand(CLI::App& app, CliContext& ctx) {
  struct Flags {
    std::string name;
    std::string offline_data;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand(
      "fsck", "check a volume's store through the server (reports, does not repair)");
  c->add_option("name", f->name, "volume name")->required();
  c->add_option("--data", f->offline_data,
                "check offline, in a stopped server's data directory, without the server");
  c->add_flag("--json", f->json, "print JSON");
  c->callback([&ctx, f] {
    if (!f->offline_data.empty()) {
      return ctx.Finish(OfflineFsckCommand(f->offline_data, f->name, f->json));
    }
    ctx.FinishWithAdmin(
        [&](const AdminTarget& t) { return FsckCommand(t, f->name, /*repair=*/false, f->json); });
  });
}

}  // namespace volumectl
