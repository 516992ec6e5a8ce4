#include "lifecycle_commands.h"

#include <unistd.h>

#include <fmt/format.h>

#include "admin_command.h"

namespace volumectl {

CliStatus DeleteCommand(const AdminTarget& target, const std::string& name, bool yes) {
  bool confirmed = yes;
  return ForVolume(target, name, [&](AdminClient& c) -> CliStatus {
    if (!confirmed) {
      // Ask only about a volume that exists, so a typo is reported as such.
      CliResult<VolumeView> v = c.Info(name);
      if (!v.ok()) return v.status();
      if (isatty(STDIN_FILENO) != 1) {
        return Fail(Exit::kUsage,
                    "refusing to delete volume '" + name + "' without confirmation: pass --yes");
      }
      if (!Confirm("Delete volume '" + name + "' and every byte in it?")) {
        return Fail(Exit::kFailure, "not deleted");
      }
      confirmed = true;  // asked once, also when the call goes on to the owner
    }
    if (CliStatus s = c.Delete(name); !s.ok()) return s;
    fmt::print("deleted volume '{}'\n", name);
    return CliStatus::Ok();
  });
}

void AddDeleteCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* c = app.add_subcommand("delete", "delete a volume and every byte in it");
  auto f = AddNameArgument(c);
  c->add_flag("--yes,-y", f->yes, "do not ask for confirmation");
  c->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return DeleteCommand(t, f->name, f->yes); });
  });
}

}  // namespace volumectl
