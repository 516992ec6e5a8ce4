#include "fsck_command.h"

#include <fmt/format.h>

#include "admin_command.h"
#include "json_output.h"
#include "storage/catalog.h"
#include "storage/fsck.h"

namespace volumectl {
namespace {

// Prints a fsck report (as text or JSON); fails when problems are left unrepaired.
CliStatus ReportFsck(const std::string& name, const FsckView& r, bool repair, bool json) {
  if (json) {
    PrintJson({{"volume", name},
               {"inodes_checked", r.inodes_checked},
               {"problems_found", r.problems_found},
               {"problems_repaired", r.problems_repaired},
               {"findings", r.findings}});
  } else {
    for (const std::string& f : r.findings) fmt::print("{}\n", f);
    fmt::print("{}: {} inodes checked, {} problems found, {} repaired\n", name, r.inodes_checked,
               r.problems_found, r.problems_repaired);
  }
  if (r.problems_found > r.problems_repaired) {
    return Fail(Exit::kFailure, "volume '" + name + "' has problems" + (repair ? " left" : ""));
  }
  return CliStatus::Ok();
}

}  // namespace

CliStatus FsckCommand(const AdminTarget& target, const std::string& name, bool repair, bool json) {
  if (CliStatus s = CheckExportName(name); !s.ok()) return s;
  CliResult<FsckView> r =
      Following(target, name, [&](AdminClient& c) { return c.Fsck(name, repair); });
  if (!r.ok()) return r.status();
  return ReportFsck(name, *r, repair, json);
}

CliStatus OfflineFsckCommand(const std::string& data_dir, const std::string& name, bool json) {
  if (CliStatus s = CheckExportName(name); !s.ok()) return s;
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
