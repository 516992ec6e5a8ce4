#include "lifecycle_commands.h"

#include "admin_command.h"

namespace volumectl {

CliStatus InfoCommand(const AdminTarget& target, const std::string& name, bool json) {
  CliResult<VolumeView> v = ForVolume(target, name, [&](AdminClient& c) { return c.Info(name); });
  if (!v.ok()) return v.status();
  PrintVolume(*v, json);
  return CliStatus::Ok();
}

void AddInfoCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* c =
      app.add_subcommand("info", "show a volume: kind, lease, use, quota, policy, mounts, locks");
  auto f = AddNameArgument(c);
  AddJsonFlag(c, f->json);
  c->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return InfoCommand(t, f->name, f->json); });
  });
}

}  // namespace volumectl
