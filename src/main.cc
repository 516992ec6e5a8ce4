// volumed: the NFSv3 server. Parses flags and the config file (config/server_flags.h), checks the
// data directory, registers every RPC program with the engine (src/rpc/server.h), serves until
// SIGTERM/SIGINT, and then unregisters from rpcbind and stops cleanly.
//
// Adding a program: build its ProgramVersion (the whole procedure table) and add one
// `server.Register(pv, ports)` line in RegisterPrograms below.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_runtime.h"
#include "admin/server_hooks.h"
#include "base/logging.h"
#include "base/result.h"
#include "base/status.h"
#include "config/server_flags.h"
#include "gateway/failover.h"
#include "gateway/interface_addresses.h"
#include "gateway/service_address.h"
#include "monitor/http_listener.h"
#include "monitor/status_source.h"
#include "nlm/lock_services.h"
#include "nlm/nfs_handles.h"
#include "rpc/rpcbind.h"
#include "rpc/server.h"
#include "rpc/socket_util.h"
#include "services/file_services.h"
#include "storage/catalog.h"
#include "storage/rados/rados_store.h"

namespace {

using volumed::Status;
namespace rpc = volumed::rpc;

using Flags = volumed::config::ServerFlags;

// The service addresses once they are up (OpenServiceInterface), for ExitFenced.
std::atomic<volumed::gateway::InterfaceAddresses*> g_service_addresses{nullptr};

// A gateway that lost its volumes to another (fenced, or its lease lapsed: it was paused
// or cut off) stops at once, before it answers anything more: it ends every connection,
// drops every address it brought up and exits 75 (a service manager restarts it). Its
// clients reconnect and resend what it left unanswered to the new owner, as after a
// crash. A second caller waits for the exit.
[[noreturn]] void ExitFenced(const std::string& why) {
  static std::mutex once;
  once.lock();  // never unlocked
  LOG_ERROR(
      "volumed: exiting: this gateway lost its volumes to another ({}); a service "
      "manager restarts it",
      why);
  rpc::ShutDownEverySocket();  // first: its clients must hear the close (socket_util.h)
  if (auto* addresses = g_service_addresses.load()) {
    if (Status s = addresses->RemoveAll(); !s.ok()) LOG_ERROR("volumed: {}", s.ToString());
  }
  std::fflush(nullptr);
  _exit(75);
}

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
  o.namespace_prefix = flags.ceph_namespace;
  o.root = flags.data_dir;
  o.gateway_id = flags.ceph_gateway_id;
  o.lease_seconds = flags.ceph_lease_s;
  o.ownership_lost = [](const std::string& why) { ExitFenced(why); };
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

// The --service-interface, or null when the flags name no --service-address. A server
// alone on its store brings its address up here; a gateway of a shared store leaves that
// to the failover coordinator (it must not when a live gateway took the address over),
// which adds and removes other gateways' addresses through the same object, so one
// RemoveAll at a clean stop drops them all.
volumed::Result<std::unique_ptr<volumed::gateway::InterfaceAddresses>> OpenServiceInterface(
    const Flags& flags, bool gateway) {
  if (flags.service_address.empty()) {
    return std::unique_ptr<volumed::gateway::InterfaceAddresses>();
  }
  VOLUMED_ASSIGN_OR_RETURN(const auto address,
                           volumed::gateway::ServiceAddress::Parse(flags.service_address));
  VOLUMED_ASSIGN_OR_RETURN(auto addresses, volumed::gateway::InterfaceAddresses::Open(
                                               {.interface = flags.service_interface}));
  if (!gateway) VOLUMED_RETURN_IF_ERROR(addresses->Add(address));
  return addresses;
}

// The failover coordinator's hooks for a gateway of a shared store (src/gateway/failover.h).
volumed::gateway::FailoverOptions GatewayFailover(const Flags& flags,
                                                  volumed::gateway::InterfaceAddresses* addresses,
                                                  volumed::nlm::LockServices* locks) {
  using volumed::gateway::ServiceAddress;
  volumed::gateway::FailoverOptions fo;
  fo.address = flags.service_address;  // with its prefix: the record says how to add it
  fo.period = std::chrono::milliseconds(flags.ceph_lease_s * 1000 / 3);
  fo.add_address = [addresses](const std::string& address) -> Status {
    if (addresses == nullptr) {
      return Status(Status::Code::kNotSupported,
                    "no --service-interface to bring up " + address + " on");
    }
    VOLUMED_ASSIGN_OR_RETURN(const auto parsed, ServiceAddress::Parse(address));
    return addresses->Add(parsed);
  };
  fo.remove_address = [addresses](const std::string& address) {
    auto parsed = ServiceAddress::Parse(address);
    if (addresses == nullptr || !parsed.ok()) return;
    if (Status s = addresses->Remove(*parsed); !s.ok()) LOG_ERROR("volumed: {}", s.ToString());
  };
  // The clients of the dead gateway know it by its service address (without the prefix).
  fo.take_over_locks = [locks](const volumed::storage::GatewayAdoption& a) -> Status {
    VOLUMED_ASSIGN_OR_RETURN(const auto parsed, ServiceAddress::Parse(a.address));
    return locks->TakeOverGateway({a.membership_dir, parsed.host(), a.volumes}).status();
  };
  fo.fenced = [] { ExitFenced("its membership lease was lost"); };
  return fo;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "volumed: %s\n",
               s.message().empty() ? s.ToString().c_str() : s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const volumed::config::ParsedFlags parsed = volumed::config::ParseServerFlags(argc, argv);
  switch (parsed.action) {
    case volumed::config::ParsedFlags::Action::kServe:
      break;
    case volumed::config::ParsedFlags::Action::kPrintConfig:
      std::fputs(parsed.output.c_str(), stdout);
      return 0;
    case volumed::config::ParsedFlags::Action::kExit:
      std::fprintf(parsed.exit_code == 0 ? stdout : stderr, "%s\n", parsed.output.c_str());
      return parsed.exit_code;
  }
  const Flags& flags = parsed.flags;

  if (Status s = volumed::SetLogLevel(flags.log_level); !s.ok()) return Fail(s);
  if (Status s = CheckDataDir(flags.data_dir); !s.ok()) return Fail(s);
  std::optional<volumed::monitor::HttpListenerOptions> http;
  if (!flags.http.empty()) {
    auto parsed_http = volumed::monitor::ParseHttpAddress(flags.http);
    if (!parsed_http.ok()) return Fail(parsed_http.status());
    http = *parsed_http;
  }
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

  // Locks: NLM + our own NSM, whose state and monitored hosts live in DATA/nsm on local
  // disk, or in the shared store at DATA/gateway/<id>/nsm (its lease: our membership).
  volumed::storage::KvFactory nsm_kv(*store_env ? (*store_env)->env() : nullptr,
                                     volumed::storage::KvTuning{}, size_t{1} << 20);
  volumed::nlm::LockServicesOptions lock_options;
  lock_options.nsm_dir = volumed::storage::GatewayMembershipDir(
      flags.data_dir, *store_env ? (*store_env)->gateway_id() : std::string());
  lock_options.kv_factory = &nsm_kv;
  lock_options.grace_period = std::chrono::seconds(flags.grace_period_s);
  lock_options.nsm_name = flags.nsm_name;
  // Clients know a gateway by its service address: notifications go out in that name.
  if (lock_options.nsm_name.empty() && !flags.service_address.empty()) {
    auto address = volumed::gateway::ServiceAddress::Parse(flags.service_address);
    if (address.ok()) lock_options.nsm_name = address->host();
  }
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
  volumed::admin::AdminHooks hooks =
      volumed::admin::MakeServerHooks(&(*files)->catalog(), &(*locks)->locks(), &(*files)->mount());
  // A restored volume's clients resend every write not yet committed (README, "Snapshots
  // and forks"); the verifier is the server's, so every client of every volume does.
  hooks.volume_restored = [nfs = &(*files)->nfs()](uint64_t, std::string_view) {
    nfs->verifier().Change();
  };
  auto admin =
      volumed::admin::AdminRuntime::Create(admin_options, &(*files)->catalog(), std::move(hooks));
  if (!admin.ok()) return Fail(admin.status());
  if (Status s = (*admin)->Register(server); !s.ok()) return Fail(s);

  if (Status s = (*locks)->Start(); !s.ok()) return Fail(s);
  // Leases that lapsed while we were down are collected before anyone is served.
  (*admin)->StartReaper();
  // The service address, once the store is open and just before the server binds (so a
  // --listen on that address can bind): clients that reach it find us answering.
  const bool gateway = !(*files)->catalog().MembershipDir().empty();
  auto service_addresses = OpenServiceInterface(flags, gateway);
  if (!service_addresses.ok()) return Fail(service_addresses.status());
  g_service_addresses = service_addresses->get();
  if (Status s = server.Start(); !s.ok()) {
    if (*service_addresses) (void)(*service_addresses)->RemoveAll();
    return Fail(s);
  }
  // The HTTP listener (--http): metrics and status pages on threads of its own.
  std::unique_ptr<volumed::monitor::StatusSource> status;
  std::unique_ptr<volumed::monitor::HttpListener> http_listener;
  if (http) {
    status = std::make_unique<volumed::monitor::StatusSource>(
        &(*files)->catalog(), &(*files)->mount(), locks->get(), &(*files)->nfs().listings());
    auto started =
        volumed::monitor::HttpListener::Start(*http, status.get(), volumed::monitor::ThisBuild());
    if (!started.ok()) return Fail(started.status());
    http_listener = std::move(*started);
  }
  // A gateway of a shared store (README "Scaling out"): keeps its membership and record,
  // adopts the gateways that die (src/gateway/failover.h).
  std::unique_ptr<volumed::gateway::Failover> failover;
  if (gateway) {
    failover = std::make_unique<volumed::gateway::Failover>(
        &(*files)->catalog(), GatewayFailover(flags, service_addresses->get(), locks->get()));
    if (Status s = failover->Start(); !s.ok()) return Fail(s);
  }
  LOG_INFO("volumed: serving (data {}, store {}{}, pid {})", flags.data_dir, flags.store,
           flags.store == "rados" ? " pool " + flags.ceph_pool : "", getpid());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG_INFO("volumed: {} received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  if (failover) failover->Stop();
  if (http_listener) http_listener->Stop();
  (*admin)->Stop();
  server.Stop();
  // After the last reply: the addresses go (a crash leaves them to the machine's
  // keepalived-like wrapper, which removes every address labelled INTERFACE:vd).
  if (*service_addresses) {
    if (Status s = (*service_addresses)->RemoveAll(); !s.ok()) {
      LOG_ERROR("volumed: {}", s.ToString());
      return 1;
    }
  }
  return 0;
}
