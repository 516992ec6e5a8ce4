// What the commands over the admin program share: client-side checks that give the same
// words as the server, before any connection; the parsing of their common flags; how a
// volume is printed (text or JSON); the confirmation prompt; and how a command connects.
//
// Thread-safety: used on the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
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

// The same for a command about one volume, whose name is checked before connecting.
template <typename Call>
auto ForVolume(const AdminTarget& target, const std::string& name, Call call)
    -> decltype(call(std::declval<AdminClient&>())) {
  if (CliStatus s = CheckName(name); !s.ok()) return s;
  return Connected(target, std::move(call));
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
