#include "lifecycle_commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "admin/cidr.h"
#include "admin/volume_name.h"
#include "duration.h"
#include "json_writer.h"
#include "progress.h"

namespace volumectl {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
    if (volumed::Status s = volumed::admin::ValidateCidr(c); !s.ok()) {
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

// --quota-bytes: empty when not given.
CliResult<std::optional<uint64_t>> ParseQuotaBytes(const std::string& text) {
  if (text.empty()) return std::optional<uint64_t>();
  const std::optional<uint64_t> bytes = ParseSize(text);
  if (!bytes) return Fail(Exit::kUsage, "'" + text + "' is not a size (try 1048576, 512M, 10G)");
  return bytes;
}

void WriteVolumeJson(JsonWriter& j, const VolumeView& v) {
  j.BeginObject()
      .Key("name")
      .String(v.name)
      .Key("id")
      .Uint(v.id)
      .Key("epoch")
      .Uint(v.epoch)
      .Key("kind")
      .String(v.ephemeral ? "ephemeral" : "persisted")
      .Key("created_ns")
      .Int(v.created_ns);
  j.Key("lease_expiry_ns");
  if (v.ephemeral) {
    j.Int(v.lease_expiry_ns);
  } else {
    j.Null();
  }
  j.Key("policy").BeginObject().Key("allowed").BeginArray();
  for (const std::string& c : v.allowed) j.String(c);
  j.EndArray()
      .Key("read_only")
      .Bool(v.read_only)
      .Key("squash")
      .String(v.squash)
      .Key("anon_uid")
      .Uint(v.anon_uid)
      .Key("anon_gid")
      .Uint(v.anon_gid)
      .EndObject();
  j.Key("quota")
      .BeginObject()
      .Key("bytes")
      .Uint(v.quota_bytes)
      .Key("files")
      .Uint(v.quota_files)
      .EndObject();
  j.Key("used_bytes");
  v.used_bytes ? j.Uint(*v.used_bytes) : j.Null();
  j.Key("used_files");
  v.used_files ? j.Uint(*v.used_files) : j.Null();
  j.Key("mounts");
  if (v.mounts) {
    j.BeginArray();
    for (const std::string& m : *v.mounts) j.String(m);
    j.EndArray();
  } else {
    j.Null();
  }
  j.Key("lock_count");
  v.lock_count ? j.Uint(*v.lock_count) : j.Null();
  j.Key("damage");
  v.damage.empty() ? j.Null() : j.String(v.damage);
  j.Key("store");
  v.store.empty() ? j.Null() : j.String(v.store);
  j.Key("store_location");
  v.store.empty() ? j.Null() : j.String(v.store_location);
  j.EndObject();
}

void PrintInfo(const VolumeView& v) {
  std::printf("name:     %s\n", v.name.c_str());
  std::printf("id:       %llu (epoch %llu)\n", static_cast<unsigned long long>(v.id),
              static_cast<unsigned long long>(v.epoch));
  if (v.ephemeral) {
    std::printf("kind:     ephemeral (lease %s)\n", DescribeExpiry(v.lease_expiry_ns).c_str());
  } else {
    std::printf("kind:     persisted\n");
  }
  std::printf("created:  %s\n", LocalTime(v.created_ns).c_str());
  if (!v.store.empty()) {
    std::printf("store:    %s (%s)\n", v.store.c_str(), v.store_location.c_str());
  }
  if (!v.damage.empty()) {
    std::printf("DAMAGED:  %s\n", v.damage.c_str());
    std::printf(
        "          isolated: its clients get I/O errors, other volumes keep serving;\n"
        "          `volumectl fsck %s` for details, `volumectl delete %s` removes it\n",
        v.name.c_str(), v.name.c_str());
  }
  if (v.used_bytes) {
    std::printf("used:     %s in %llu files\n", HumanBytes(*v.used_bytes).c_str(),
                static_cast<unsigned long long>(*v.used_files));
  } else {
    std::printf("used:     unknown\n");
  }
  std::printf(
      "quota:    %s, %s\n", v.quota_bytes ? HumanBytes(v.quota_bytes).c_str() : "unlimited bytes",
      v.quota_files ? (std::to_string(v.quota_files) + " files").c_str() : "unlimited files");
  std::printf("access:   %s, squash %s (anonymous %u:%u)\n",
              v.read_only ? "read-only" : "read-write", v.squash.c_str(), v.anon_uid, v.anon_gid);
  std::string clients;
  for (const std::string& c : v.allowed) clients += (clients.empty() ? "" : ", ") + c;
  std::printf("clients:  %s\n", clients.empty() ? "any" : clients.c_str());
  if (v.mounts) {
    std::string m;
    for (const std::string& h : *v.mounts) m += (m.empty() ? "" : ", ") + h;
    std::printf("mounts:   %s\n", m.empty() ? "none" : m.c_str());
  } else {
    std::printf("mounts:   unknown\n");
  }
  if (v.lock_count) {
    std::printf("locks:    %u\n", *v.lock_count);
  } else {
    std::printf("locks:    unknown\n");
  }
}

bool Confirm(const std::string& question) {
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

// A volume as JSON (--json) or as `info` prints it.
void PrintVolume(const VolumeView& v, bool json) {
  if (!json) return PrintInfo(v);
  JsonWriter j;
  WriteVolumeJson(j, v);
  j.Print();
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
  const int64_t left_ms = (expiry_ns - NowNs()) / 1'000'000;
  if (left_ms <= 0) return "lapsed at " + LocalTime(expiry_ns);
  return "expires in " + FormatDuration(std::chrono::milliseconds(left_ms)) + ", at " +
         LocalTime(expiry_ns);
}

std::optional<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return std::nullopt;
  uint64_t n = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string unit = text.substr(i);
  if (unit.size() == 3 && (unit.substr(1) == "iB")) unit = unit.substr(0, 1);
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "k") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else {
    return std::nullopt;
  }
  if (shift > 0 && n > (UINT64_MAX >> shift)) return std::nullopt;
  return n << shift;
}

CliStatus CheckName(const std::string& name) {
  if (volumed::Status s = volumed::admin::ValidateVolumeName(name); !s.ok()) {
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
  CliResult<std::optional<uint64_t>> quota_bytes = ParseQuotaBytes(f.quota_bytes);
  if (!quota_bytes.ok()) return quota_bytes.status();
  spec.quota_bytes = quota_bytes->value_or(0);
  spec.quota_files = f.quota_files;
  CliResult<VolumeView> v = Connected(target, [&](AdminClient& c) { return c.Create(spec); });
  if (!v.ok()) return v.status();
  if (f.json) {
    PrintVolume(*v, true);
  } else if (v->ephemeral) {
    std::printf("created ephemeral volume '%s' (lease %s)\n", v->name.c_str(),
                DescribeExpiry(v->lease_expiry_ns).c_str());
  } else {
    std::printf("created volume '%s'\n", v->name.c_str());
  }
  return CliStatus::Ok();
}

CliStatus ListCommand(const AdminTarget& target, bool json) {
  CliResult<std::vector<VolumeView>> all =
      Connected(target, [](AdminClient& c) { return c.List(); });
  if (!all.ok()) return all.status();
  if (json) {
    JsonWriter j;
    j.BeginArray();
    for (const VolumeView& v : *all) WriteVolumeJson(j, v);
    j.EndArray();
    j.Print();
    return CliStatus::Ok();
  }
  if (all->empty()) {
    std::printf("no volumes\n");
    return CliStatus::Ok();
  }
  std::printf("%-24s %-10s %-5s %-19s %s\n", "NAME", "KIND", "MODE", "CREATED", "LEASE");
  for (const VolumeView& v : *all) {
    std::printf("%-24s %-10s %-5s %-19s %s\n", v.name.c_str(),
                v.ephemeral ? "ephemeral" : "persisted", v.read_only ? "ro" : "rw",
                LocalTime(v.created_ns).c_str(),
                v.ephemeral ? DescribeExpiry(v.lease_expiry_ns).c_str() : "-");
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
    std::printf("deleted volume '%s'\n", name.c_str());
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
    JsonWriter j;
    j.BeginObject().Key("name").String(name).Key("lease_expiry_ns").Int(*expiry).EndObject();
    j.Print();
    return CliStatus::Ok();
  }
  std::printf("renewed the lease of '%s': %s\n", name.c_str(), DescribeExpiry(*expiry).c_str());
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
  CliResult<std::optional<uint64_t>> quota_bytes = ParseQuotaBytes(f.quota_bytes);
  if (!quota_bytes.ok()) return quota_bytes.status();
  change.quota_bytes = *quota_bytes;
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
    JsonWriter j;
    j.BeginObject()
        .Key("volume")
        .String(name)
        .Key("inodes_checked")
        .Uint(r.inodes_checked)
        .Key("problems_found")
        .Uint(r.problems_found)
        .Key("problems_repaired")
        .Uint(r.problems_repaired)
        .Key("findings")
        .BeginArray();
    for (const std::string& f : r.findings) j.String(f);
    j.EndArray().EndObject();
    j.Print();
  } else {
    for (const std::string& f : r.findings) std::printf("%s\n", f.c_str());
    std::printf("%s: %llu inodes checked, %llu problems found, %llu repaired\n", name.c_str(),
                static_cast<unsigned long long>(r.inodes_checked),
                static_cast<unsigned long long>(r.problems_found),
                static_cast<unsigned long long>(r.problems_repaired));
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
    JsonWriter j;
    j.BeginObject().Key("total").Uint(r->total).Key("locks").BeginArray();
    for (const LockView& l : r->locks) {
      j.BeginObject()
          .Key("holder")
          .String(l.holder)
          .Key("svid")
          .Uint(l.svid)
          .Key("fileid")
          .Uint(l.fileid)
          .Key("offset")
          .Uint(l.offset)
          .Key("length")
          .Uint(l.length)
          .Key("exclusive")
          .Bool(l.exclusive)
          .EndObject();
    }
    j.EndArray().EndObject();
    j.Print();
    return CliStatus::Ok();
  }
  if (r->locks.empty()) {
    std::printf("no locks in '%s'\n", name.c_str());
    return CliStatus::Ok();
  }
  std::printf("%-24s %8s %12s %14s %14s %s\n", "HOLDER", "PID", "FILEID", "OFFSET", "LENGTH",
              "TYPE");
  for (const LockView& l : r->locks) {
    std::printf("%-24s %8u %12llu %14llu %14s %s\n", l.holder.c_str(), l.svid,
                static_cast<unsigned long long>(l.fileid),
                static_cast<unsigned long long>(l.offset),
                l.length == 0 ? "to-EOF" : std::to_string(l.length).c_str(),
                l.exclusive ? "write" : "read");
  }
  if (r->total > r->locks.size()) {
    std::printf("(%llu more not listed)\n",
                static_cast<unsigned long long>(r->total - r->locks.size()));
  }
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
  std::printf("broke %u lock(s) in '%s'\n", *n, name.c_str());
  return CliStatus::Ok();
}

}  // namespace volumectl
