#include "lifecycle_commands.h"

#include "admin_command.h"

namespace volumectl {

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

}  // namespace volumectl
