#include "lifecycle_commands.h"

#include "admin_command.h"

namespace volumectl {

CliStatus InfoCommand(const AdminTarget& target, const std::string& name, bool json) {
  auto info = [&](AdminClient& c) { return c.Info(name); };
  CliResult<VolumeView> v = ForVolume(target, name, info);
  if (!v.ok()) return v.status();
  // Any gateway answers from the shared catalog; the one serving the volume also knows its
  // use, mounts and locks: asked when it can be reached from here (else they show unknown).
  if (!v->here) {
    if (std::optional<AdminTarget> owner = AdminTargetAt(target, v->address)) {
      if (CliResult<VolumeView> full = Connected(*owner, info); full.ok()) v = std::move(full);
    }
  }
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
