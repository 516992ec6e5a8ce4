// `gateways` and `move`, over the admin program (README "Scaling out"): the gateways sharing
// the store with their addresses, liveness and load, and the hand-over of a volume to one.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "admin_command.h"
#include "lifecycle_commands.h"

namespace volumectl {

CliStatus GatewaysCommand(const AdminTarget& target, bool json) {
  CliResult<std::vector<GatewayView>> all =
      Connected(target, [](AdminClient& c) { return c.Gateways(); });
  if (!all.ok()) return all.status();
  if (json) {
    Json list = Json::array();
    for (const GatewayView& g : *all) {
      list.push_back({{"id", g.id},
                      {"address", g.address},
                      {"held", g.held},
                      {"live", g.live},
                      {"self", g.self},
                      {"volumes", g.volumes},
                      {"seen_ns", g.seen_ns}});
    }
    PrintJson(list);
    return CliStatus::Ok();
  }
  if (all->empty()) {
    fmt::print("single server: this server is alone on its store (no gateways)\n");
    return CliStatus::Ok();
  }
  constexpr const char* kRow = "{:<16} {:<20} {:<5} {:>7}  {:<19}  {}\n";
  fmt::print(kRow, "ID", "ADDRESS", "LIVE", "VOLUMES", "LAST SEEN", "HELD");
  for (const GatewayView& g : *all) {
    fmt::print(kRow, g.self ? g.id + " *" : g.id, g.address, g.live ? "yes" : "no", g.volumes,
               g.seen_ns == 0 ? std::string("-") : LocalTime(g.seen_ns),
               g.held.empty() ? std::string("-") : fmt::format("{}", fmt::join(g.held, ", ")));
  }
  fmt::print("(* the gateway answering)\n");
  return CliStatus::Ok();
}

CliStatus MoveCommand(const AdminTarget& target, const std::string& name,
                      const std::string& gateway, bool force, bool json) {
  CliResult<VolumeView> v =
      ForVolume(target, name, [&](AdminClient& c) { return c.Move(name, gateway, force); });
  if (!v.ok()) return v.status();
  if (json) {
    PrintVolume(*v, true);
  } else {
    fmt::print("volume '{}' is served by gateway '{}': mount {}:/{}\n", name, v->owner,
               v->address.empty() ? "(address unknown)" : v->address, name);
  }
  return CliStatus::Ok();
}

void AddGatewaysCommand(CLI::App& app, CliContext& ctx) {
  auto json = std::make_shared<bool>(false);
  CLI::App* c = app.add_subcommand(
      "gateways",
      "list the gateways sharing the store: address, liveness, volumes, addresses held");
  AddJsonFlag(c, *json);
  c->callback([&ctx, json] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return GatewaysCommand(t, *json); });
  });
}

void AddMoveCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* c = app.add_subcommand(
      "move", "hand a volume over to another gateway (calls in flight finish, its log is synced)");
  auto f = AddNameArgument(c);
  auto to = std::make_shared<std::string>();
  c->add_option("--to", *to, "the gateway that serves it from now on")->required();
  auto force = std::make_shared<bool>(false);
  c->add_flag("--force", *force,
              "move even while NLM locks are held in the volume (they stay behind: the new "
              "owner starts with none)");
  AddJsonFlag(c, f->json);
  c->callback([&ctx, f, to, force] {
    ctx.FinishWithAdmin(
        [&](const AdminTarget& t) { return MoveCommand(t, f->name, *to, *force, f->json); });
  });
}

}  // namespace volumectl
