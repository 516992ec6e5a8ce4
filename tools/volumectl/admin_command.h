// What the commands over the admin program share: client-side checks that give the same
// words as the server, before any connection; the parsing of their common flags; how a
// volume is printed (text or JSON); the confirmation prompt; and how a command connects,
// following a volume to the gateway that serves it when several share the store.
//
// Thread-safety: used on the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin_client.h"
#include "cli_context.h"
#include "cli_result.h"
#include "json_output.h"

namespace volumectl {

// The volume-name rule (storage/volume_name.h).
CliStatus CheckName(const std::string& name);
// A volume's name or a snapshot's NAME@SNAP.
CliStatus CheckExportName(const std::string& name);
// Each entry a CIDR (base/cidr.h).
CliStatus CheckCidrs(const std::vector<std::string>& cidrs);
// --squash: root, all or none.
CliResult<adm_squash> ParseSquash(const std::string& text);
// --ttl: a duration; empty = 0 (the server's default).
CliResult<std::chrono::milliseconds> ParseTtl(const std::string& text);

// "2026-11-26 07:01:02", in local time.
std::string LocalTime(int64_t ns);
// "expires in 45s, at 2026-11-26 07:01:02" or "lapsed at ...".
std::string DescribeExpiry(int64_t expiry_ns);

// A volume as `--json` prints it.
Json VolumeJson(const VolumeView& v);
// A volume as JSON (--json) or as `info` prints it.
void PrintVolume(const VolumeView& v, bool json);

// Asks `question` on stderr; true only when the answer read from stdin is yes.
bool Confirm(const std::string& question);

// Connects to the server and runs `call` on the client: how every command starts.
template <typename Call>
auto Connected(const AdminTarget& target, Call call)
    -> decltype(call(std::declval<AdminClient&>())) {
  CliResult<std::unique_ptr<AdminClient>> client = AdminClient::Connect(target);
  if (!client.ok()) return client.status();
  return call(**client);
}

// ---- following the gateway that serves a volume (README "Scaling out") ----

// The admin program of the gateway at service address `address`: over TCP, on the port
// and with the secret of `target`. nullopt when `target` is a Unix socket (another
// gateway's is on its own machine), `address` is "" or `target` already points there.
std::optional<AdminTarget> AdminTargetAt(const AdminTarget& target, const std::string& address);

// After `client` (connected to `target`) answered ELSEWHERE about `name` (a volume or
// "NAME@SNAP"): the admin program of the gateway serving it, as INFO places it; when it
// cannot be reached from here, `elsewhere` (the server's words, naming that gateway),
// with what to do.
CliResult<AdminTarget> OwnerOf(AdminClient& client, const AdminTarget& target,
                               const std::string& name, const CliStatus& elsewhere);

inline const CliStatus& StatusOf(const CliStatus& s) { return s; }
template <typename T>
const CliStatus& StatusOf(const CliResult<T>& r) {
  return r.status();
}

// Connected(target, call) for a call about volume (or snapshot) `name`: when the server
// answers that another gateway serves it, `call` runs once more on that gateway.
template <typename Call>
auto Following(const AdminTarget& target, const std::string& name, Call call)
    -> decltype(call(std::declval<AdminClient&>())) {
  using Out = decltype(call(std::declval<AdminClient&>()));
  CliResult<std::unique_ptr<AdminClient>> client = AdminClient::Connect(target);
  if (!client.ok()) return client.status();
  Out out = call(**client);
  if (out.ok() || (*client)->last_status() != ADM_ERR_ELSEWHERE) return out;
  CliResult<AdminTarget> owner = OwnerOf(**client, target, name, StatusOf(out));
  if (!owner.ok()) return owner.status();
  return Connected(*owner, std::move(call));
}

// The same for a command about one volume, whose name is checked before connecting.
template <typename Call>
auto ForVolume(const AdminTarget& target, const std::string& name, Call call)
    -> decltype(call(std::declval<AdminClient&>())) {
  if (CliStatus s = CheckName(name); !s.ok()) return s;
  return Following(target, name, std::move(call));
}

// ---- registration ----

CLI::Option* AddJsonFlag(CLI::App* command, bool& json, const char* what = "print JSON");

// The flags of a command about one volume: its name, and maybe --json and --yes.
struct NameFlags {
  std::string name;
  bool json = false;
  bool yes = false;
};

// Declares the required `name` argument; the callback keeps the returned flags.
std::shared_ptr<NameFlags> AddNameArgument(CLI::App* command);

}  // namespace volumectl
