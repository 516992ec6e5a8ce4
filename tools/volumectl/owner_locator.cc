#include "owner_locator.h"

#include <map>
#include <memory>
#include <mutex>

#include "admin_client.h"
#include "admin_command.h"
#include "storage/volume_name.h"

namespace volumectl {

std::function<std::string(const std::string& volume)> OwnerLocator(
    std::function<CliResult<AdminTarget>()> admin) {
  struct Answers {
    std::mutex mu;
    std::map<std::string, std::string> address;  // volume -> where it is served ("": unknown)
  };
  auto answers = std::make_shared<Answers>();
  return [admin = std::move(admin), answers](const std::string& name) {
    // A snapshot NAME@SNAP is served where its volume is.
    const std::string volume = name.substr(0, name.find(volumed::storage::kSnapshotSeparator));
    std::lock_guard<std::mutex> lock(answers->mu);
    if (auto it = answers->address.find(volume); it != answers->address.end()) return it->second;
    std::string address;
    if (CliResult<AdminTarget> target = admin(); target.ok()) {
      CliResult<VolumeView> v = Connected(*target, [&](AdminClient& c) { return c.Info(volume); });
      if (v.ok()) address = v->address;
    }
    answers->address[volume] = address;
    return address;
  };
}

}  // namespace volumectl
