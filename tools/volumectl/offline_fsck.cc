#include "offline_fsck.h"

#include <cstdio>

#include "json_writer.h"
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
  if (json) {
    JsonWriter j;
    j.BeginObject()
        .Key("volume")
        .String(name)
        .Key("inodes_checked")
        .Uint(report.inodes)
        .Key("problems_found")
        .Uint(report.problems.size())
        .Key("problems_repaired")
        .Uint(0)
        .Key("findings")
        .BeginArray();
    for (const std::string& p : report.problems) j.String(p);
    j.EndArray().EndObject();
    std::printf("%s\n", j.str().c_str());
  } else {
    for (const std::string& p : report.problems) std::printf("%s\n", p.c_str());
    std::printf("%s: %llu inodes checked, %zu problems found, 0 repaired\n", name.c_str(),
                static_cast<unsigned long long>(report.inodes), report.problems.size());
  }
  if (!report.clean()) return Fail(Exit::kFailure, "volume '" + name + "' has problems");
  return CliStatus::Ok();
}

}  // namespace volumectl
