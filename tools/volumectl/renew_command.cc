#include "lifecycle_commands.h"

#include <fmt/format.h>

#include "admin_command.h"

namespace volumectl {

CliStatus RenewCommand(const AdminTarget& target, const std::string& name,
                       const std::string& ttl_text, bool json) {
  CliResult<std::chrono::milliseconds> ttl = ParseTtl(ttl_text);
  if (!ttl.ok()) return ttl.status();
  CliResult<int64_t> expiry =
      ForVolume(target, name, [&](AdminClient& c) { return c.Renew(name, *ttl); });
  if (!expiry.ok()) return expiry.status();
  if (json) {
    PrintJson({{"name", name}, {"lease_expiry_ns", *expiry}});
    return CliStatus::Ok();
  }
  fmt::print("renewed the lease of '{}': {}\n", name, DescribeExpiry(*expiry));
  return CliStatus::Ok();
}

void AddRenewCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* c = app.add_subcommand("renew", "extend an ephemeral volume's lease");
  auto f = AddNameArgument(c);
  auto ttl = std::make_shared<std::string>();
  c->add_option("--ttl", *ttl, "new lease length from now (default 60s)");
  AddJsonFlag(c, f->json, "print the new expiry as JSON");
  c->callback([&ctx, f, ttl] {
    ctx.FinishWithAdmin(
        [&](const AdminTarget& t) { return RenewCommand(t, f->name, *ttl, f->json); });
  });
}

}  // namespace volumectl
