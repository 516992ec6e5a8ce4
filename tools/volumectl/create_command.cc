#include "lifecycle_commands.h"

#include <fmt/format.h>

#include "admin_command.h"

namespace volumectl {

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

}  // namespace volumectl
