#include "config/server_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <sstream>

#include "gateway/service_address.h"

namespace volumed::config {
namespace {

// Every flag of volumed. Each option captures its default so that --print-config shows
// the full effective configuration, defaults included.
void AddFlags(CLI::App& app, ServerFlags& flags) {
  app.add_option("--data", flags.data_dir, "Data directory (catalog and volumes)")
      ->capture_default_str();
  app.add_option("--listen", flags.listen, "IPv4 or IPv6 address to serve on")
      ->capture_default_str();
  app.add_option("--nfs-port", flags.nfs_port, "NFS v3 port (TCP)")->capture_default_str();
  app.add_option("--mount-port", flags.mount_port, "MOUNT v3 port (TCP and UDP)")
      ->capture_default_str();
  app.add_option("--nlm-port", flags.nlm_port, "NLM v4 port (TCP and UDP)")->capture_default_str();
  app.add_option("--nsm-port", flags.nsm_port, "NSM v1 port (TCP and UDP)")->capture_default_str();
  app.add_option("--admin-socket", flags.admin_socket, "Unix socket for volumectl")
      ->capture_default_str();
  app.add_option("--threads", flags.threads, "Worker threads (0 = one per CPU, at least 2)")
      ->capture_default_str();
  app.add_flag("--no-rpcbind", flags.no_rpcbind, "Do not register with the system rpcbind")
      ->capture_default_str();
  app.add_flag("--require-privileged-port", flags.require_privileged_port,
               "Refuse NFS, MOUNT and NLM calls from source ports >= 1024 (AUTH_TOOWEAK)")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--volume", flags.volumes, "Volume to create at start if missing (repeatable)");
  app.add_option("--max-connections", flags.max_connections, "Most TCP/Unix connections at once")
      ->capture_default_str();
  app.add_option("--max-open-volumes", flags.max_open_volumes,
                 "Most volumes kept open; the least recently used unused ones beyond are "
                 "closed and reopen on their next use (0 = no cap)")
      ->capture_default_str();
  app.add_option("--volume-idle-close", flags.volume_idle_close_s,
                 "Close a volume unused this long (s; 0 = never); it reopens on its next use")
      ->capture_default_str();
  app.add_option("--idle-timeout", flags.idle_timeout_s, "Close connections idle this long (s)")
      ->capture_default_str();
  app.add_option("--grace-period", flags.grace_period_s,
                 "Seconds after a restart during which only lock reclaims are granted")
      ->capture_default_str();
  app.add_option("--nsm-name", flags.nsm_name,
                 "Name sent to clients in SM_NOTIFY (default: our address as each client sees it)");
  app.add_option("--admin-tcp-port", flags.admin_tcp_port,
                 "Also serve the admin program on this TCP port (needs --admin-secret-file)")
      ->capture_default_str();
  app.add_option("--admin-secret-file", flags.admin_secret_file,
                 "File whose first line is the shared secret for --admin-tcp-port");
  app.add_option("--admin-allow-uid", flags.admin_allow_uids,
                 "Uid besides root allowed on the admin socket (repeatable)");
  app.add_option("--boot-id", flags.boot_id,
                 "This machine's boot id (default: /proc/sys/kernel/random/boot_id); a "
                 "different one after an unclean stop drops the ephemeral volumes (tests set "
                 "it to simulate a reboot)");
  app.add_option("--store", flags.store,
                 "Where the catalog and volumes live: 'embedded' (LevelDB files under --data) "
                 "or 'rados' (a Ceph pool; --data then holds only local state)")
      ->capture_default_str();
  app.add_option("--ceph-conf", flags.ceph_conf, "ceph.conf for --store rados (monitors, keyring)")
      ->capture_default_str();
  app.add_option("--ceph-user", flags.ceph_user, "cephx user for --store rados")
      ->capture_default_str();
  app.add_option("--ceph-pool", flags.ceph_pool, "RADOS pool for --store rados");
  app.add_option("--ceph-namespace", flags.ceph_namespace,
                 "Prefix of the store's RADOS namespaces (PREFIX/catalog, PREFIX/volumes/ID), "
                 "so that several independent stores share one pool; cephx caps can confine "
                 "a gateway to them with namespace=PREFIX/*");
  app.add_option("--ceph-gateway-id", flags.ceph_gateway_id,
                 "This server's identity for volume ownership (default: host name and --data); "
                 "a restart under the same identity takes its volumes over at once");
  app.add_option("--ceph-lease", flags.ceph_lease_s,
                 "Seconds another server must wait before taking over a volume whose owner "
                 "stopped renewing its lease")
      ->capture_default_str()
      ->check(CLI::Range(3, 3600));
  app.add_option("--http", flags.http,
                 "Serve Prometheus /metrics and a status page on ADDR:PORT (e.g. "
                 "127.0.0.1:9049; off by default). Bind it to loopback or a management "
                 "network: it has no authentication");
  app.add_option("--service-address", flags.service_address,
                 "IPv4 address with prefix (e.g. 10.77.0.11/24) that clients mount from: added "
                 "to --service-interface at start, announced by gratuitous ARP, removed at a "
                 "clean stop; on failover a surviving gateway takes it over")
      ->check(
          [](const std::string& text) {
            if (text.empty()) return std::string();  // none (what --print-config writes)
            auto parsed = gateway::ServiceAddress::Parse(text);
            return parsed.ok() ? std::string() : parsed.status().message();
          },
          "IPV4/PREFIX");
  app.add_option("--service-interface", flags.service_interface,
                 "Network interface that carries the service addresses (e.g. eth0)")
      ->check(
          [](const std::string& name) {
            if (name.empty()) return std::string();
            return gateway::CheckServiceInterface(name).message();
          },
          "INTERFACE");
}

// Settings that are valid alone but not together; the message, or empty.
std::string CheckCombinations(const ServerFlags& flags) {
  if (flags.service_address.empty() != flags.service_interface.empty()) {
    return "--service-address and --service-interface go together";
  }
  return "";
}

// The config key (long name without dashes) of the option an error message is about:
// the longest name that occurs in the message ("--volume" is a prefix of
// "--volume-idle-close"). Empty when none does.
std::string KeyInMessage(const CLI::App& app, const std::string& message) {
  std::string best;
  for (const CLI::Option* opt : app.get_options()) {
    const std::string name = opt->get_single_name();
    if (name.size() > best.size() && message.find("--" + name) != std::string::npos) best = name;
  }
  return best;
}

bool OnCommandLine(const std::string& key, int argc, const char* const* argv) {
  const std::string flag = "--" + key;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == flag || arg.starts_with(flag + "=")) return true;
  }
  return false;
}

}  // namespace

ParsedFlags ParseServerFlags(int argc, const char* const* argv, const std::string& default_config) {
  ParsedFlags result;
  CLI::App app{
      "volumed: a userspace NFSv3 server for named volumes.\n"
      "Settings come from the config file (TOML `key = value`, keys are the long flag "
      "names) and the command line, which overrides it."};
  app.allow_config_extras(CLI::config_extras_mode::error);
  AddFlags(app, result.flags);
  CLI::Option* config =
      app.set_config("--config", default_config,
                     "Config file (TOML, keys are the long flag names); read when it exists");
  bool print_config = false;
  app.add_flag("--print-config", print_config,
               "Print the effective settings as a config file and exit")
      ->configurable(false);

  auto config_file = [&] { return config->count() > 0 ? config->as<std::string>() : ""; };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.action = ParsedFlags::Action::kExit;
    result.output = app.help();
    return result;
  } catch (const CLI::ParseError& e) {
    result.action = ParsedFlags::Action::kExit;
    result.exit_code = 2;
    const std::string message = e.what();
    const std::string file = config_file().empty() ? default_config : config_file();
    constexpr std::string_view kExtras = "INI was not able to parse ";
    if (message.starts_with(kExtras)) {
      result.output = "volumed: " + file + ": unknown key '" + message.substr(kExtras.size()) + "'";
    } else if (const std::string key = KeyInMessage(app, message);
               !key.empty() && !OnCommandLine(key, argc, argv) &&
               (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr ||
                dynamic_cast<const CLI::ValidationError*>(&e) != nullptr)) {
      result.output = "volumed: " + file + ": bad value for key '" + key + "': " + message;
    } else {
      result.output = "volumed: " + message;
    }
    std::replace(result.output.begin(), result.output.end(), '\n', ' ');
    return result;
  }
  result.config_file = config_file();
  if (const std::string problem = CheckCombinations(result.flags); !problem.empty()) {
    result.action = ParsedFlags::Action::kExit;
    result.exit_code = 2;
    result.output = "volumed: " + problem;
    return result;
  }
  if (print_config) {
    result.action = ParsedFlags::Action::kPrintConfig;
    std::ostringstream out;
    out << "# volumed effective settings";
    if (!result.config_file.empty()) out << " (config file " << result.config_file << ")";
    out << "\n";
    // CLI11 writes an unset list as `key=""`, which would read back as one empty item:
    // such lines become comments showing the empty list.
    std::istringstream lines(app.config_to_str(/*default_also=*/true, /*write_description=*/false));
    for (std::string line; std::getline(lines, line);) {
      const std::string key = line.substr(0, line.find('='));
      const CLI::Option* opt = app.get_option_no_throw("--" + key);
      if (opt != nullptr && opt->get_items_expected_max() > 1 && opt->count() == 0) {
        line = "# " + key + "=[]";
      }
      out << line << "\n";
    }
    result.output = out.str();
  }
  return result;
}

}  // namespace volumed::config
