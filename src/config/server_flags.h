// ServerFlags: every setting of volumed, from its command line and its config file.
//
// The config file (`--config FILE`, default /etc/volumed/volumed.conf when that file
// exists; `--config ""` reads none) is read by CLI11's config support in its TOML form: one `key =
// value` per line, the key being a flag's long name without the dashes (`nfs-port = 2049`), lists
// as `volume = ["a", "b"]`, `#` comments. A flag given on the command line overrides the
// file. An unknown key or a value that does not convert is an error naming the key and
// the file. `--print-config` prints the effective settings in the same form, so its
// output is itself a valid config file.
//
// Thread-safety: ParseServerFlags is a pure function of its arguments and of the files
// it reads; a ServerFlags is a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace volumed::config {

// The config file read when --config is not given, if it exists.
inline constexpr const char* kDefaultConfigFile = "/etc/volumed/volumed.conf";

struct ServerFlags {
  std::string data_dir = "/var/lib/volumed";
  std::string listen = "0.0.0.0";
  uint16_t nfs_port = 2049;
  uint16_t mount_port = 20048;
  uint16_t nlm_port = 32803;
  uint16_t nsm_port = 32765;
  std::string admin_socket = "/run/volumed/admin.sock";
  size_t threads = 0;
  bool no_rpcbind = false;
  std::string log_level = "info";
  std::vector<std::string> volumes;
  size_t max_connections = 4096;
  unsigned idle_timeout_s = 360;
  size_t max_open_volumes = 256;
  unsigned volume_idle_close_s = 60;
  unsigned grace_period_s = 90;  // NLM grace after a restart, as knfsd
  std::string nsm_name;          // our name in SM_NOTIFY; empty = our address per client
  uint16_t admin_tcp_port = 0;   // 0 = admin over the Unix socket only
  std::string admin_secret_file;
  std::vector<uint32_t> admin_allow_uids;
  bool require_privileged_port = false;  // NFS, MOUNT, NLM from source ports < 1024 only
  std::string boot_id;                   // empty: the kernel's
  std::string store = "embedded";        // or "rados"
  std::string ceph_conf = "/etc/ceph/ceph.conf";
  std::string ceph_user = "admin";
  std::string ceph_pool;
  std::string ceph_namespace;   // prefix of the store's RADOS namespaces; empty = none
  std::string ceph_gateway_id;  // empty: host name + data dir
  int ceph_lease_s = 30;
  std::string http;               // ADDR:PORT of the metrics and status listener; empty = off
  std::string service_address;    // IPV4/PREFIX clients mount from; empty = none added
  std::string service_interface;  // where service_address goes (both or neither)

  friend bool operator==(const ServerFlags&, const ServerFlags&) = default;
};

// What ParseServerFlags decided.
struct ParsedFlags {
  enum class Action {
    kServe,        // run the server with `flags`
    kPrintConfig,  // --print-config: `output` holds the effective settings
    kExit,         // --help or an error: print `output` (to stdout for help), exit `exit_code`
  };
  Action action = Action::kServe;
  ServerFlags flags;
  std::string output;
  int exit_code = 0;
  std::string config_file;  // the file that was read; empty when none
};

// Parses argv (argv[0] is the program name). `default_config` is the file read when
// --config is absent (kDefaultConfigFile in volumed; tests pass their own).
ParsedFlags ParseServerFlags(int argc, const char* const* argv,
                             const std::string& default_config = kDefaultConfigFile);

}  // namespace volumed::config
