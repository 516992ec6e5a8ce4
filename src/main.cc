// volumed: the NFSv3 server. Parses flags, checks the data directory, registers every
// RPC program with the engine (src/rpc/server.h), serves until SIGTERM/SIGINT, and then
// unregisters from rpcbind and stops cleanly.
//
// Adding a program: build its ProgramVersion (the whole procedure table) and add one
// `server.Register(pv, ports)` line in RegisterPrograms below.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "admin/admin_runtime.h"
#include "admin/server_hooks.h"
#include "base/logging.h"
#include "base/result.h"
#include "base/status.h"
#include "nlm/lock_services.h"
#include "nlm/nfs_handles.h"
#include "rpc/rpcbind.h"
#include "rpc/server.h"
#include "services/file_services.h"
#include "storage/catalog.h"
#include "storage/rados/rados_store.h"

namespace {

using volumed::Status;
namespace rpc = volumed::rpc;

struct Flags {
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
  std::string ceph_gateway_id;  // empty: host name + data dir
  int ceph_lease_s = 30;
};

// The store the flags ask for: the embedded one (files under --data), or the catalog and
// every volume in a Ceph RADOS pool (storage/catalog.h).
// The store --store names: null for the embedded one (the catalog then uses --data's
// files), else connected here and kept alive longer than the catalog.
volumed::Result<std::unique_ptr<volumed::storage::StoreEnv>> StoreFromFlags(const Flags& flags) {
  if (flags.store == "embedded") return std::unique_ptr<volumed::storage::StoreEnv>();
  if (flags.store != "rados") {
    return volumed::InvalidArgument("--store is 'embedded' or 'rados', not '" + flags.store + "'");
  }
  if (flags.ceph_pool.empty()) return volumed::InvalidArgument("--store rados needs --ceph-pool");
  volumed::storage::rados::RadosStoreOptions o;
  o.conf_path = flags.ceph_conf;
  o.user = flags.ceph_user;
  o.pool = flags.ceph_pool;
  o.root = flags.data_dir;
  o.gateway_id = flags.ceph_gateway_id;
  o.lease_seconds = flags.ceph_lease_s;
  return volumed::storage::rados::ConnectRadosStore(o);
}

// Creates the data directory if needed and proves it is writable.
Status CheckDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return volumed::IoError("cannot create data directory " + dir + ": " + ec.message());
  const std::string probe = dir + "/.volumed-write-probe";
  {
    std::ofstream out(probe);
    if (!out || !(out << "ok") || !out.flush()) {
      return volumed::IoError("data directory " + dir +
                              " is not writable: " + std::strerror(errno));
    }
  }
  std::filesystem::remove(probe, ec);
  return Status::Ok();
}

// Every program the server offers over the network; admin registers itself below.
Status RegisterPrograms(rpc::Server& server, const Flags& flags,
                        volumed::services::FileServices& files, volumed::nlm::LockServices& locks) {
  // NFS v3 (TCP) and MOUNT v3 (TCP and UDP) over the volume catalog (src/services/file_services.h).
  VOLUMED_RETURN_IF_ERROR(files.Register(server, {.tcp = flags.nfs_port},
                                         {.tcp = flags.mount_port, .udp = flags.mount_port}));
  // NLM v1/v3/v4 and NSM v1 (src/nlm/lock_services.h).
  VOLUMED_RETURN_IF_ERROR(locks.Register(server, {.tcp = flags.nlm_port, .udp = flags.nlm_port},
                                         {.tcp = flags.nsm_port, .udp = flags.nsm_port}));
  return Status::Ok();
}

// Every open volume holds about four descriptors (storage/TUNING.md, "Open volumes"), and
// each connection one: the soft limit a service manager starts us with (often 1,024) is
// raised to the hard limit, as the soft limit is meant to be by programs that need more.
void RaiseDescriptorLimit() {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    LOG_WARN("cannot raise the descriptor limit from {}: {}", before, std::strerror(errno));
  }
}

int Fail(const Status& s) {
  std::fprintf(stderr, "volumed: %s\n",
               s.message().empty() ? s.ToString().c_str() : s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"volumed: a userspace NFSv3 server for named volumes"};
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
  app.add_flag("--no-rpcbind", flags.no_rpcbind, "Do not register with the system rpcbind");
  app.add_flag("--require-privileged-port", flags.require_privileged_port,
               "Refuse NFS, MOUNT and NLM calls from source ports >= 1024 (AUTH_TOOWEAK)");
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
                 "Also serve the admin program on this TCP port (needs --admin-secret-file)");
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
  app.add_option("--ceph-gateway-id", flags.ceph_gateway_id,
                 "This server's identity for volume ownership (default: host name and --data); "
                 "a restart under the same identity takes its volumes over at once");
  app.add_option("--ceph-lease", flags.ceph_lease_s,
                 "Seconds another server must wait before taking over a volume whose owner "
                 "stopped renewing its lease")
      ->capture_default_str()
      ->check(CLI::Range(3, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (Status s = volumed::SetLogLevel(flags.log_level); !s.ok()) return Fail(s);
  if (Status s = CheckDataDir(flags.data_dir); !s.ok()) return Fail(s);
  // Before anything starts (NSM would notify hosts, the catalog would open): a server that
  // cannot register is useless to `mount`, so say so at once.
  if (!flags.no_rpcbind) {
    if (Status s = rpc::RpcbindRegistration::CheckAvailable(); !s.ok()) return Fail(s);
  }

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  rpc::ServerOptions options;
  options.listen_address = flags.listen;
  options.threads = flags.threads;
  options.use_rpcbind = !flags.no_rpcbind;
  options.max_connections = flags.max_connections;
  options.idle_timeout = std::chrono::seconds(flags.idle_timeout_s);
  if (flags.require_privileged_port) options.privileged_port_programs = {100003, 100005, 100021};
  // The catalog, the --volume names and the NFS/MOUNT services; opened before the server
  // so that it outlives every handler.
  auto store_env = StoreFromFlags(flags);
  if (!store_env.ok()) return Fail(store_env.status());
  volumed::storage::StoreOptions store;
  store.data_dir = flags.data_dir;
  store.store = store_env->get();
  store.boot_id = flags.boot_id;
  store.max_open_volumes = flags.max_open_volumes;
  store.idle_close = std::chrono::seconds(flags.volume_idle_close_s);
  RaiseDescriptorLimit();
  auto files = volumed::services::FileServices::Open(store, flags.volumes);
  if (!files.ok()) return Fail(files.status());
  rpc::Server server(options);

  // Locks: NLM + our own NSM, whose state and monitored hosts live in DATA/nsm.
  volumed::storage::KvFactory nsm_kv(nullptr, volumed::storage::KvTuning{}, size_t{1} << 20);
  volumed::nlm::LockServicesOptions lock_options;
  lock_options.nsm_dir = flags.data_dir + "/nsm";
  lock_options.kv_factory = &nsm_kv;
  lock_options.grace_period = std::chrono::seconds(flags.grace_period_s);
  lock_options.nsm_name = flags.nsm_name;
  lock_options.check_other_monitor = !flags.no_rpcbind;
  volumed::nsm::RpcOutboundCaller outbound;  // callbacks to clients go out through libtirpc
  lock_options.caller = &outbound;
  auto locks = volumed::nlm::LockServices::Open(lock_options,
                                                volumed::nlm::NfsHandleHooks(&(*files)->catalog()));
  if (!locks.ok()) return Fail(locks.status());

  if (Status s = RegisterPrograms(server, flags, **files, **locks); !s.ok()) return Fail(s);

  // The admin program (volumectl) and the lease reaper (src/admin/admin_runtime.h).
  volumed::admin::AdminRuntimeOptions admin_options;
  admin_options.socket_path = flags.admin_socket;
  admin_options.tcp_port = flags.admin_tcp_port;
  admin_options.secret_file = flags.admin_secret_file;
  admin_options.allow_uids = flags.admin_allow_uids;
  auto admin = volumed::admin::AdminRuntime::Create(
      admin_options, &(*files)->catalog(),
      volumed::admin::MakeServerHooks(&(*files)->catalog(), &(*locks)->locks(),
                                      &(*files)->mount()));
  if (!admin.ok()) return Fail(admin.status());
  if (Status s = (*admin)->Register(server); !s.ok()) return Fail(s);

  if (Status s = (*locks)->Start(); !s.ok()) return Fail(s);
  // Leases that lapsed while we were down are collected before anyone is served.
  (*admin)->StartReaper();
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  LOG_INFO("volumed: serving (data {}, store {}{}, pid {})", flags.data_dir, flags.store,
           flags.store == "rados" ? " pool " + flags.ceph_pool : "", getpid());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG_INFO("volumed: {} received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*admin)->Stop();
  server.Stop();
  return 0;
}
