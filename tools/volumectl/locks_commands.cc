#include "lifecycle_commands.h"

#include <unistd.h>

#include <fmt/format.h>

#include "admin_command.h"

namespace volumectl {

CliStatus LocksListCommand(const AdminTarget& target, const std::string& name, bool json) {
  CliResult<LocksView> r = ForVolume(target, name, [&](AdminClient& c) { return c.Locks(name); });
  if (!r.ok()) return r.status();
  if (json) {
    Json locks = Json::array();
    for (const LockView& l : r->locks) {
      locks.push_back({{"holder", l.holder},
                       {"svid", l.svid},
                       {"fileid", l.fileid},
                       {"offset", l.offset},
                       {"length", l.length},
                       {"exclusive", l.exclusive}});
    }
    PrintJson({{"total", r->total}, {"locks", std::move(locks)}});
    return CliStatus::Ok();
  }
  if (r->locks.empty()) {
    fmt::print("no locks in '{}'\n", name);
    return CliStatus::Ok();
  }
  constexpr const char* kRow = "{:<24} {:>8} {:>12} {:>14} {:>14} {}\n";
  fmt::print(kRow, "HOLDER", "PID", "FILEID", "OFFSET", "LENGTH", "TYPE");
  for (const LockView& l : r->locks) {
    fmt::print(kRow, l.holder, l.svid, l.fileid, l.offset,
               l.length == 0 ? std::string("to-EOF") : std::to_string(l.length),
               l.exclusive ? "write" : "read");
  }
  if (r->total > r->locks.size()) fmt::print("({} more not listed)\n", r->total - r->locks.size());
  return CliStatus::Ok();
}

CliStatus LocksBreakCommand(const AdminTarget& target, const std::string& name,
                            const std::string& holder, bool yes) {
  bool confirmed = yes;
  CliResult<uint32_t> n = ForVolume(target, name, [&](AdminClient& c) -> CliResult<uint32_t> {
    if (!confirmed) {
      if (isatty(STDIN_FILENO) != 1) {
        return Fail(Exit::kUsage, "refusing to break locks without confirmation: pass --yes");
      }
      if (!Confirm("Break " +
                   (holder.empty() ? std::string("every lock") : "the locks of " + holder) +
                   " in volume '" + name + "'?")) {
        return Fail(Exit::kFailure, "no locks broken");
      }
      confirmed = true;  // asked once, also when the call goes on to the owner
    }
    return c.BreakLocks(name, holder);
  });
  if (!n.ok()) return n.status();
  fmt::print("broke {} lock(s) in '{}'\n", *n, name);
  return CliStatus::Ok();
}

void AddLocksCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* locks = app.add_subcommand("locks", "list or break a volume's NLM locks");
  locks->require_subcommand(1);
  CLI::App* list = locks->add_subcommand("list", "list the locks held in a volume");
  auto lf = AddNameArgument(list);
  AddJsonFlag(list, lf->json);
  list->callback([&ctx, lf] {
    ctx.FinishWithAdmin(
        [&](const AdminTarget& t) { return LocksListCommand(t, lf->name, lf->json); });
  });
  CLI::App* brk = locks->add_subcommand("break", "release locks held in a volume");
  auto bf = AddNameArgument(brk);
  auto holder = std::make_shared<std::string>();
  brk->add_option("--holder", *holder, "only this client's locks (default every lock)");
  brk->add_flag("--yes,-y", bf->yes, "do not ask for confirmation");
  brk->callback([&ctx, bf, holder] {
    ctx.FinishWithAdmin(
        [&](const AdminTarget& t) { return LocksBreakCommand(t, bf->name, *holder, bf->yes); });
  });
}

}  // namespace volumectl
