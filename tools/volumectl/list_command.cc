#include "lifecycle_commands.h"

#include <fmt/format.h>

#include "admin_command.h"

namespace volumectl {

CliStatus ListCommand(const AdminTarget& target, bool json) {
  CliResult<std::vector<VolumeView>> all =
      Connected(target, [](AdminClient& c) { return c.List(); });
  if (!all.ok()) return all.status();
  if (json) {
    Json list = Json::array();
    for (const VolumeView& v : *all) list.push_back(VolumeJson(v));
    PrintJson(list);
    return CliStatus::Ok();
  }
  if (all->empty()) {
    fmt::print("no volumes\n");
    return CliStatus::Ok();
  }
  constexpr const char* kRow = "{:<24} {:<10} {:<5} {:<19} {}\n";
  fmt::print(kRow, "NAME", "KIND", "MODE", "CREATED", "LEASE");
  for (const VolumeView& v : *all) {
    fmt::print(kRow, v.name, v.ephemeral ? "ephemeral" : "persisted", v.read_only ? "ro" : "rw",
               LocalTime(v.created_ns),
               v.ephemeral ? DescribeExpiry(v.lease_expiry_ns) : std::string("-"));
  }
  return CliStatus::Ok();
}

void AddListCommand(CLI::App& app, CliContext& ctx) {
  auto json = std::make_shared<bool>(false);
  CLI::App* c = app.add_subcommand("list", "list volumes");
  AddJsonFlag(c, *json);
  c->callback([&ctx, json] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return ListCommand(t, *json); });
  });
}

}  // namespace volumectl
