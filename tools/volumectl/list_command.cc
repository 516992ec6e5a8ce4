#include "lifecycle_commands.h"

#include <algorithm>

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
  // Where each volume is served, when several gateways share the store.
  const bool shared =
      std::any_of(all->begin(), all->end(), [](const VolumeView& v) { return !v.owner.empty(); });
  constexpr const char* kRow = "{:<24} {:<10} {:<5} {:<19} {}\n";
  constexpr const char* kSharedRow = "{:<24} {:<10} {:<5} {:<19} {:<12} {:<16} {}\n";
  if (shared) {
    fmt::print(kSharedRow, "NAME", "KIND", "MODE", "CREATED", "OWNER", "ADDRESS", "LEASE");
  } else {
    fmt::print(kRow, "NAME", "KIND", "MODE", "CREATED", "LEASE");
  }
  for (const VolumeView& v : *all) {
    const char* kind = v.ephemeral ? "ephemeral" : "persisted";
    const char* mode = v.read_only ? "ro" : "rw";
    const std::string lease = v.ephemeral ? DescribeExpiry(v.lease_expiry_ns) : std::string("-");
    if (shared) {
      fmt::print(kSharedRow, v.name, kind, mode, LocalTime(v.created_ns), v.owner,
                 v.address.empty() ? "-" : v.address, lease);
    } else {
      fmt::print(kRow, v.name, kind, mode, LocalTime(v.created_ns), lease);
    }
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
