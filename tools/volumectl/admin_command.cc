#include "admin_command.h"

#include <cstdio>
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/cidr.h"
#include "base/clock.h"
#include "duration.h"
#include "progress.h"
#include "storage/volume_name.h"

namespace volumectl {
namespace {

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
  if (!v.owner.empty()) {
    fmt::print("gateway:  {}{}, mount {}:/{}\n", v.owner, v.here ? " (this one)" : "",
               v.address.empty() ? "(address unknown)" : v.address, v.name);
  }
  if (!v.damage.empty()) {
    fmt::print("DAMAGED:  {}\n", v.damage);
    fmt::print(
        "          isolated: its clients get I/O errors, other volumes keep serving;\n"
        "          `volumectl fsck {0}` for details, `volumectl delete {0}` removes it\n",
        v.name);
  }
  // Use, mounts and locks are known to the gateway serving the volume only.
  const std::string unknown = v.here ? "unknown" : "unknown here (gateway " + v.owner + " knows)";
  if (v.used_bytes) {
    fmt::print("used:     {} in {} files\n", HumanBytes(*v.used_bytes), v.used_files.value_or(0));
  } else {
    fmt::print("used:     {}\n", unknown);
  }
  if (v.own_bytes) {
    fmt::print("space:    {} its own, {} shared with snapshots or forks\n",
               HumanBytes(*v.own_bytes), HumanBytes(v.shared_bytes.value_or(0)));
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
    fmt::print("mounts:   {}\n", unknown);
  }
  if (v.lock_count) {
    fmt::print("locks:    {}\n", *v.lock_count);
  } else {
    fmt::print("locks:    {}\n", unknown);
  }
}

}  // namespace

CliStatus CheckName(const std::string& name) {
  if (volumed::Status s = volumed::storage::ValidateVolumeName(name); !s.ok()) {
    return Fail(Exit::kUsage, s.message());
  }
  return CliStatus::Ok();
}

CliStatus CheckExportName(const std::string& name) {
  if (volumed::Status s = volumed::storage::ValidateExportName(name); !s.ok()) {
    return Fail(Exit::kUsage, s.message());
  }
  return CliStatus::Ok();
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

std::string LocalTime(int64_t ns) {
  const time_t t = static_cast<time_t>(ns / 1'000'000'000);
  tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

std::string DescribeExpiry(int64_t expiry_ns) {
  const int64_t left_ms = (expiry_ns - volumed::WallNowNs()) / 1'000'000;
  if (left_ms <= 0) return "lapsed at " + LocalTime(expiry_ns);
  return "expires in " + FormatDuration(std::chrono::milliseconds(left_ms)) + ", at " +
         LocalTime(expiry_ns);
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
  out["own_bytes"] = v.own_bytes ? Json(*v.own_bytes) : Json(nullptr);
  out["shared_bytes"] = v.shared_bytes ? Json(*v.shared_bytes) : Json(nullptr);
  // The gateway serving it and the address to mount; null when the store is not shared.
  out["owner"] = v.owner.empty() ? Json(nullptr) : Json(v.owner);
  out["address"] = v.owner.empty() || v.address.empty() ? Json(nullptr) : Json(v.address);
  return out;
}

void PrintVolume(const VolumeView& v, bool json) {
  if (!json) return PrintInfo(v);
  PrintJson(VolumeJson(v));
}

std::optional<AdminTarget> AdminTargetAt(const AdminTarget& target, const std::string& address) {
  const size_t colon = target.tcp.rfind(':');
  if (colon == std::string::npos || address.empty()) return std::nullopt;
  const std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  AdminTarget there = target;
  there.tcp = host + target.tcp.substr(colon);
  if (there.tcp == target.tcp) return std::nullopt;
  return there;
}

CliResult<AdminTarget> OwnerOf(AdminClient& client, const AdminTarget& target,
                               const std::string& name, const CliStatus& elsewhere) {
  CliResult<VolumeView> v =
      client.Info(name.substr(0, name.find(volumed::storage::kSnapshotSeparator)));
  if (v.ok() && !v->here) {
    if (std::optional<AdminTarget> there = AdminTargetAt(target, v->address)) return *there;
  }
  if (target.tcp.empty()) {
    return Fail(elsewhere.exit, elsewhere.message +
                                    " (over --admin-tcp HOST:PORT volumectl asks it by itself; "
                                    "through the admin socket, run volumectl on that gateway)");
  }
  return elsewhere;
}

bool Confirm(const std::string& question) {
  fmt::print(stderr, "{} [y/N] ", question);
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

CLI::Option* AddJsonFlag(CLI::App* command, bool& json, const char* what) {
  return command->add_flag("--json", json, what);
}

std::shared_ptr<NameFlags> AddNameArgument(CLI::App* command) {
  auto f = std::make_shared<NameFlags>();
  command->add_option("name", f->name, "volume name")->required();
  return f;
}

}  // namespace volumectl
