#include "lifecycle_commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/cidr.h"
#include "base/clock.h"
#include "duration.h"
#include "json_output.h"
#include "progress.h"
#include "storage/volume_name.h"

namespace volumectl {
namespace {

std::string LocalTime(int64_t ns) {
  const time_t t = static_cast<time_t>(ns / 1'000'000'000);
  tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

CliStatus CheckCidrs(const std::vector<std::string>& cidrs) {
  for (const std::string& c : cidrs) {
    if (volumed::Status s = volumed::Cidr::Parse(c).status(); !s.ok()) {
      return Fail(Exit::kUsage, s.message());
    }
  }
  return CliStatus::Ok();
}

CliResult<adm_squash> ParseSquash(const std::string& text) {
  if (text == "root") return ADM_SQUASH_ROOT;
  if (text == "all") return ADM_SQUASH_ALL;
  if (text == "none") return ADM_SQUASH_NONE;
  return Fail(Exit::kUsage, "--squash must be root, all or none, not '" + text + "'");
}

CliResult<std::chrono::milliseconds> ParseTtl(const std::string& text) {
  if (text.empty()) return std::chrono::milliseconds(0);
  const auto d = ParseDuration(text);
  if (!d || d->count() == 0) {
    return Fail(Exit::kUsage, "'" + text + "' is not a duration (try 30s, 5m, 2h, 1d)");
  }
  return *d;
}

Json VolumeJson(const VolumeView& v) {
  Json out = {{"name", v.name},
              {"id", v.id},
              {"epoch", v.epoch},
              {"kind", v.ephemeral ? "ephemeral" : "persisted"},
              {"created_ns", v.created_ns}};
  out["lease_expiry_ns"] = v.ephemeral ? Json(v.lease_expiry_ns) : Json(nullptr);
  out["policy"] = {{"allowed", v.allowed},
                   {"read_only", v.read_only},
                   {"squash", v.squash},
                   {"anon_uid", v.anon_uid},
                   {"anon_gid", v.anon_gid}};
  out["quota"] = {{"bytes", v.quota_bytes}, {"files", v.quota_files}};
  out["used_bytes"] = v.used_bytes ? Json(*v.used_bytes) : Json(nullptr);
  out["used_files"] = v.used_files ? Json(*v.used_files) : Json(nullptr);
  out["mounts"] = v.mounts ? Json(*v.mounts) : Json(nullptr);
  out["lock_count"] = v.lock_count ? Json(*v.lock_count) : Json(nullptr);
  out["damage"] = v.damage.empty() ? Json(nullptr) : Json(v.damage);
  out["store"] = v.store.empty() ? Json(nullptr) : Json(v.store);
  out["store_location"] = v.store.empty() ? Json(nullptr) : Json(v.store_location);
  return out;
}

void PrintInfo(const VolumeView& v) {
  fmt::print("name:     {}\n", v.name);
  fmt::print("id:       {} (epoch {})\n", v.id, v.epoch);
  if (v.ephemeral) {
    fmt::print("kind:     ephemeral (lease {})\n", DescribeExpiry(v.lease_expiry_ns));
  } else {
    fmt::print("kind:     persisted\n");
  }
  fmt::print("created:  {}\n", LocalTime(v.created_ns));
  if (!v.store.empty()) fmt::print("store:    {} ({})\n", v.store, v.store_location);
  if (!v.damage.empty()) {
    fmt::print("DAMAGED:  {}\n", v.damage);
    fmt::print(
        "          isolated: its clients get I/O errors, other volumes keep serving;\n"
        "          `volumectl fsck {0}` for details, `volumectl delete {0}` removes it\n",
        v.name);
  }
  if (v.used_bytes) {
    fmt::print("used:     {} in {} files\n", HumanBytes(*v.used_bytes), v.used_files.value_or(0));
  } else {
    fmt::print("used:     unknown\n");
  }
  fmt::print("quota:    {}, {}\n",
             v.quota_bytes ? HumanBytes(v.quota_bytes) : std::string("unlimited bytes"),
             v.quota_files ? fmt::format("{} files", v.quota_files) : "unlimited files");
  fmt::print("access:   {}, squash {} (anonymous {}:{})\n",
             v.read_only ? "read-only" : "read-write", v.squash, v.anon_uid, v.anon_gid);
  fmt::print("clients:  {}\n",
             v.allowed.empty() ? "any" : fmt::format("{}", fmt::join(v.allowed, ", ")));
  if (v.mounts) {
    fmt::print("mounts:   {}\n",
               v.mounts->empty() ? "none" : fmt::format("{}", fmt::join(*v.mounts, ", ")));
  } else {
    fmt::print("mounts:   unknown\n");
  }
  if (v.lock_count) {
    fmt::print("locks:    {}\n", *v.lock_count);
  } else {
    fmt::print("locks:    unknown\n");
  }
}

bool Confirm(const std::string& question) {
  fmt::print(stderr, "{} [y/N] ", question);
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

// A volume as JSON (--json) or as `info` prints it.
void PrintVolume(const VolumeView& v, bool json) {
  if (!json) return PrintInfo(v);
  PrintJson(VolumeJson(v));
}

// Connects to the server and runs `call` on the client: how every command starts.
template <typename Call>
auto Connected(const AdminTarget& target, Call call)
    -> decltype(call(std::declval<AdminClient&>())) {
  CliResult<std::unique_ptr<AdminClient>> client = AdminClient::Connect(target);
  if (!client.ok()) return client.status();
  return call(**client);
}

// The same for a command about one volume, whose name is checked before connecting.
template <typename Call>
auto ForVolume(const AdminTarget& target, const std::string& name, Call call)
    -> decltype(call(std::declval<AdminClient&>())) {
  if (CliStatus s = CheckName(name); !s.ok()) return s;
  return Connected(target, std::move(call));
}

}  // namespace

std::string DescribeExpiry(int64_t expiry_ns) {
  const int64_t left_ms = (expiry_ns - volumed::WallNowNs()) / 1'000'000;
  if (left_ms <= 0) return "lapsed at " + LocalTime(expiry_ns);
  return "expires in " + FormatDuration(std::chrono::milliseconds(left_ms)) + ", at " +
         LocalTime(expiry_ns);
}

CliStatus CheckName(const std::string& name) {
  if (volumed::Status s = volumed::storage::ValidateVolumeName(name); !s.ok()) {
    return Fail(Exit::kUsage, s.message());
  }
  return CliStatus::Ok();
}

CliStatus CreateCommand(const AdminTarget& target, const CreateFlags& f) {
  if (CliStatus s = CheckName(f.name); !s.ok()) return s;
  if (CliStatus s = CheckCidrs(f.allow); !s.ok()) return s;
  CreateSpec spec;
  spec.name = f.name;
  spec.ephemeral = f.ephemeral;
  CliResult<std::chrono::milliseconds> ttl = ParseTtl(f.ttl);
  if (!ttl.ok()) return ttl.status();
  spec.ttl = *ttl;
  CliResult<adm_squash> squash = ParseSquash(f.squash);
  if (!squash.ok()) return squash.status();
  spec.squash = *squash;
  spec.allowed = f.allow;
  spec.read_only = f.read_only;
  if (f.anon_uid) spec.anon_uid = *f.anon_uid;
  if (f.anon_gid) spec.anon_gid = *f.anon_gid;
  spec.quota_bytes = f.quota_bytes;
  spec.quota_files = f.quota_files;
  CliResult<VolumeView> v = Connected(target, [&](AdminClient& c) { return c.Create(spec); });
  if (!v.ok()) return v.status();
  if (f.json) {
    PrintVolume(*v, true);
  } else if (v->ephemeral) {
    fmt::print("created ephemeral volume '{}' (lease {})\n", v->name,
               DescribeExpiry(v->lease_expiry_ns));
  } else {
    fmt::print("created volume '{}'\n", v->name);
  }
  return CliStatus::Ok();
}

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

CliStatus InfoCommand(const AdminTarget& target, const std::string& name, bool json) {
  CliResult<VolumeView> v = ForVolume(target, name, [&](AdminClient& c) { return c.Info(name); });
  if (!v.ok()) return v.status();
  PrintVolume(*v, json);
  return CliStatus::Ok();
}

CliStatus DeleteCommand(const AdminTarget& target, const std::string& name, bool yes) {
  return ForVolume(target, name, [&](AdminClient& c) -> CliStatus {
    if (!yes) {
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
    }
    if (CliStatus s = c.Delete(name); !s.ok()) return s;
    fmt::print("deleted volume '{}'\n", name);
    return CliStatus::Ok();
  });
}

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

CliStatus PolicyCommand(const AdminTarget& target, const PolicyFlags& f) {
  if (CliStatus s = CheckCidrs(f.allow); !s.ok()) return s;
  PolicyChange change;
  if (f.allow_any && !f.allow.empty())
    return Fail(Exit::kUsage, "--allow and --allow-any exclude each other");
  if (f.allow_any) change.allowed = std::vector<std::string>{};
  if (!f.allow.empty()) change.allowed = f.allow;
  if (f.read_only && f.read_write)
    return Fail(Exit::kUsage, "--read-only and --read-write exclude each other");
  if (f.read_only) change.read_only = true;
  if (f.read_write) change.read_only = false;
  if (!f.squash.empty()) {
    CliResult<adm_squash> squash = ParseSquash(f.squash);
    if (!squash.ok()) return squash.status();
    change.squash = *squash;
  }
  change.anon_uid = f.anon_uid;
  change.anon_gid = f.anon_gid;
  change.quota_bytes = f.quota_bytes;
  change.quota_files = f.quota_files;
  const bool no_change = !change.allowed && !change.read_only && !change.squash &&
                         !change.anon_uid && !change.anon_gid && !change.quota_bytes &&
                         !change.quota_files;
  CliResult<VolumeView> v = ForVolume(target, f.name, [&](AdminClient& c) {
    return no_change ? c.Info(f.name)  // no change asked: show the policy
                     : c.Policy(f.name, change);
  });
  if (!v.ok()) return v.status();
  PrintVolume(*v, f.json);
  return CliStatus::Ok();
}

CliStatus ReportFsck(const std::string& name, const FsckView& r, bool repair, bool json) {
  if (json) {
    PrintJson({{"volume", name},
               {"inodes_checked", r.inodes_checked},
               {"problems_found", r.problems_found},
               {"problems_repaired", r.problems_repaired},
               {"findings", r.findings}});
  } else {
    for (const std::string& f : r.findings) fmt::print("{}\n", f);
    fmt::print("{}: {} inodes checked, {} problems found, {} repaired\n", name, r.inodes_checked,
               r.problems_found, r.problems_repaired);
  }
  if (r.problems_found > r.problems_repaired) {
    return Fail(Exit::kFailure, "volume '" + name + "' has problems" + (repair ? " left" : ""));
  }
  return CliStatus::Ok();
}

CliStatus FsckCommand(const AdminTarget& target, const std::string& name, bool repair, bool json) {
  CliResult<FsckView> r =
      ForVolume(target, name, [&](AdminClient& c) { return c.Fsck(name, repair); });
  if (!r.ok()) return r.status();
  return ReportFsck(name, *r, repair, json);
}

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
  CliResult<uint32_t> n = ForVolume(target, name, [&](AdminClient& c) -> CliResult<uint32_t> {
    if (!yes) {
      if (isatty(STDIN_FILENO) != 1) {
        return Fail(Exit::kUsage, "refusing to break locks without confirmation: pass --yes");
      }
      if (!Confirm("Break " +
                   (holder.empty() ? std::string("every lock") : "the locks of " + holder) +
                   " in volume '" + name + "'?")) {
        return Fail(Exit::kFailure, "no locks broken");
      }
    }
    return c.BreakLocks(name, holder);
  });
  if (!n.ok()) return n.status();
  fmt::print("broke {} lock(s) in '{}'\n", *n, name);
  return CliStatus::Ok();
}

// ---- registration ----

namespace {

CLI::Option* AddJsonFlag(CLI::App* command, bool& json, const char* what = "print JSON") {
  return command->add_flag("--json", json, what);
}

}  // namespace

void AddCreateCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<CreateFlags>();
  CLI::App* c = app.add_subcommand("create", "create a volume");
  c->add_option("name", f->name, "volume name: 1-64 of A-Z a-z 0-9 . _ -")->required();
  CLI::Option* eph = c->add_flag("--ephemeral", f->ephemeral,
                                 "delete the volume when its lease lapses (see renew, run)");
  c->add_option("--ttl", f->ttl, "lease length for --ephemeral, e.g. 30s, 10m (default 60s)")
      ->needs(eph);
  AddSizeOption(c, "--quota-bytes", f->quota_bytes, "byte quota, e.g. 10G (default unlimited)");
  c->add_option("--quota-files", f->quota_files, "file quota (default unlimited)");
  c->add_option("--allow", f->allow, "client CIDR allowed to mount (repeatable; default any)");
  c->add_flag("--read-only", f->read_only, "export read-only");
  c->add_option("--squash", f->squash, "root (default), all or none");
  c->add_option("--anon-uid", f->anon_uid, "uid squashed callers get (default 65534)");
  c->add_option("--anon-gid", f->anon_gid, "gid squashed callers get (default 65534)");
  AddJsonFlag(c, f->json, "print the new volume as JSON");
  c->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return CreateCommand(t, *f); });
  });
}

void AddListCommand(CLI::App& app, CliContext& ctx) {
  auto json = std::make_shared<bool>(false);
  CLI::App* c = app.add_subcommand("list", "list volumes");
  AddJsonFlag(c, *json);
  c->callback([&ctx, json] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return ListCommand(t, *json); });
  });
}

namespace {

// The flags of a command about one volume: its name, and maybe --json and --yes.
struct NameFlags {
  std::string name;
  bool json = false;
  bool yes = false;
};

std::shared_ptr<NameFlags> AddNameArgument(CLI::App* command) {
  auto f = std::make_shared<NameFlags>();
  command->add_option("name", f->name, "volume name")->required();
  return f;
}

}  // namespace

void AddInfoCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* c =
      app.add_subcommand("info", "show a volume: kind, lease, use, quota, policy, mounts, locks");
  auto f = AddNameArgument(c);
  AddJsonFlag(c, f->json);
  c->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return InfoCommand(t, f->name, f->json); });
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

void AddPolicyCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<PolicyFlags>();
  CLI::App* c = app.add_subcommand("policy", "show or change a volume's export policy and quota");
  c->add_option("name", f->name, "volume name")->required();
  c->add_option("--allow", f->allow, "replace the allowed client CIDRs (repeatable)");
  c->add_flag("--allow-any", f->allow_any, "let any client mount it");
  c->add_flag("--read-only", f->read_only, "export read-only");
  c->add_flag("--read-write", f->read_write, "export read-write");
  c->add_option("--squash", f->squash, "root, all or none");
  c->add_option("--anon-uid", f->anon_uid, "uid squashed callers get");
  c->add_option("--anon-gid", f->anon_gid, "gid squashed callers get");
  AddSizeOption(c, "--quota-bytes", f->quota_bytes, "byte quota, e.g. 10G (0 = unlimited)");
  c->add_option("--quota-files", f->quota_files, "file quota (0 = unlimited)");
  AddJsonFlag(c, f->json);
  c->callback([&ctx, f] {
    ctx.FinishWithAdmin([&](const AdminTarget& t) { return PolicyCommand(t, *f); });
  });
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
