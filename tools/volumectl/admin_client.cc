#include "admin_client.h"

#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <type_traits>

#include "rpc/procedure_table.h"

namespace volumectl {
namespace {

using volumed::rpc::XdrProc;
using volumed::rpc::XdrVoid;

std::string Str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

VolumeView FromWire(const adm_volume& v) {
  VolumeView out;
  out.name = Str(v.name);
  out.id = v.id;
  out.epoch = v.epoch;
  out.ephemeral = v.kind == ADM_KIND_EPHEMERAL;
  out.created_ns = v.created_ns;
  out.lease_expiry_ns = v.lease_expiry_ns;
  for (u_int i = 0; i < v.policy.allowed.allowed_len; ++i) {
    out.allowed.push_back(Str(v.policy.allowed.allowed_val[i]));
  }
  out.read_only = v.policy.read_only != FALSE;
  switch (v.policy.squash) {
    case ADM_SQUASH_NONE:
      out.squash = "none";
      break;
    case ADM_SQUASH_ROOT:
      out.squash = "root";
      break;
    case ADM_SQUASH_ALL:
      out.squash = "all";
      break;
  }
  out.anon_uid = v.policy.anon_uid;
  out.anon_gid = v.policy.anon_gid;
  out.quota_bytes = v.quota.max_bytes;
  out.quota_files = v.quota.max_files;
  return out;
}

void SetPlacement(const adm_placement& p, VolumeView* out) {
  out->owner = Str(p.owner);
  out->address = Str(p.address);
  out->here = p.here != FALSE;
}

VolumeView FromWire(const adm_info& info) {
  VolumeView out = FromWire(info.volume);
  SetPlacement(info.placement, &out);
  if (info.usage_known) {
    out.used_bytes = info.used_bytes;
    out.used_files = info.used_files;
  }
  if (info.mounts_known) {
    std::vector<std::string> m;
    for (u_int i = 0; i < info.mounts.mounts_len; ++i) m.push_back(Str(info.mounts.mounts_val[i]));
    out.mounts = std::move(m);
  }
  if (info.locks_known) out.lock_count = info.lock_count;
  out.damage = Str(info.damage);
  switch (info.store) {
    case ADM_STORE_EMBEDDED:
      out.store = "embedded";
      break;
    case ADM_STORE_RADOS:
      out.store = "rados";
      break;
  }
  out.store_location = Str(info.store_location);
  if (info.space.known) {
    out.own_bytes = info.space.own_bytes;
    out.shared_bytes = info.space.shared_bytes;
  }
  return out;
}

SnapshotView FromWire(const adm_snapshot& s) {
  SnapshotView out;
  out.volume = Str(s.volume);
  out.snapshot = Str(s.snapshot);
  out.id = s.id;
  out.created_ns = s.created_ns;
  if (s.space.known) {
    out.own_bytes = s.space.own_bytes;
    out.shared_bytes = s.space.shared_bytes;
  }
  return out;
}

CliStatus Failed(adm_status status, const adm_failure& failure) {
  std::string message = Str(failure.message);
  if (message.empty()) message = "the server refused (status " + std::to_string(status) + ")";
  return Fail(ExitFor(status), message);
}

CliStatus NoServer(const AdminTarget& target, int err) {
  if (err == EACCES || err == EPERM) {
    return Fail(Exit::kDenied, "permission denied opening the admin socket " + target.socket_path +
                                   " (it is root-only; run as root)");
  }
  return Fail(Exit::kNoServer, "no volumed is answering at " + target.Describe() + " (" +
                                   std::strerror(err) +
                                   "); is the server running? Point --admin-socket or "
                                   "VOLUMED_ADMIN_SOCKET at its admin socket");
}

// Connects a stream socket to the target; -errno on failure.
int Dial(const AdminTarget& target, sockaddr_storage* addr, socklen_t* len) {
  if (target.tcp.empty()) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (target.socket_path.size() >= sizeof(sun.sun_path)) return -ENAMETOOLONG;
    std::memcpy(sun.sun_path, target.socket_path.data(), target.socket_path.size());
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
      const int err = errno;
      close(fd);
      return -err;
    }
    std::memcpy(addr, &sun, sizeof sun);
    *len = sizeof sun;
    return fd;
  }
  const size_t colon = target.tcp.rfind(':');
  if (colon == std::string::npos) return -EINVAL;
  std::string host = target.tcp.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = target.tcp.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0 || ai == nullptr) {
    return -EHOSTUNREACH;
  }
  int result = -ECONNREFUSED;
  for (addrinfo* p = ai; p != nullptr; p = p->ai_next) {
    const int fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, p->ai_addr, p->ai_addrlen) == 0) {
      std::memcpy(addr, p->ai_addr, p->ai_addrlen);
      *len = p->ai_addrlen;
      result = fd;
      break;
    }
    result = -errno;
    close(fd);
  }
  freeaddrinfo(ai);
  return result;
}

}  // namespace

std::string AdminTarget::Describe() const { return tcp.empty() ? socket_path : "tcp://" + tcp; }

Exit ExitFor(adm_status status) {
  switch (status) {
    case ADM_OK:
      return Exit::kOk;
    case ADM_ERR_NOENT:
      return Exit::kNotFound;
    case ADM_ERR_EXIST:
      return Exit::kExists;
    case ADM_ERR_INVAL:
      return Exit::kUsage;
    case ADM_ERR_PERM:
      return Exit::kDenied;
    case ADM_ERR_BUSY:
    case ADM_ERR_ELSEWHERE:
    case ADM_ERR_NOSPC:
    case ADM_ERR_IO:
    case ADM_ERR_CORRUPT:
    case ADM_ERR_NOTSUPP:
    case ADM_ERR_SERVERFAULT:
      return Exit::kFailure;
  }
  return Exit::kFailure;
}

CliResult<std::unique_ptr<AdminClient>> AdminClient::Connect(const AdminTarget& target) {
  if (!target.tcp.empty() && target.tcp.rfind(':') == std::string::npos) {
    return Fail(Exit::kUsage, "--admin-tcp wants HOST:PORT, not '" + target.tcp + "'");
  }
  sockaddr_storage addr{};
  socklen_t len = 0;
  const int fd = Dial(target, &addr, &len);
  if (fd < 0) return NoServer(target, -fd);
  netbuf nb{};
  nb.maxlen = nb.len = len;
  nb.buf = &addr;
  CLIENT* clnt = clnt_vc_create(fd, &nb, VOLUMED_ADMIN_PROG, VOLUMED_ADMIN_V1, 0, 0);
  if (clnt == nullptr) {
    close(fd);
    return Fail(Exit::kNoServer, "cannot talk RPC to " + target.Describe());
  }
  clnt_control(clnt, CLSET_FD_CLOSE, nullptr);
  auto client = std::unique_ptr<AdminClient>(new AdminClient(clnt, target));
  // A NULL call tells "a server is there and offers the admin program" apart from the
  // rest, so later failures can be worded precisely.
  CliStatus ping =
      client->Call(0, XdrVoid(), nullptr, XdrVoid(), nullptr, std::chrono::seconds(10));
  if (!ping.ok()) return ping;
  return client;
}

AdminClient::~AdminClient() {
  if (clnt_ != nullptr) clnt_destroy(clnt_);
}

adm_secret AdminClient::Secret() {
  adm_secret s{};
  s.adm_secret_len = static_cast<u_int>(target_.secret.size());
  s.adm_secret_val = target_.secret.empty() ? nullptr : target_.secret.data();
  return s;
}

CliStatus AdminClient::Call(u_long proc, xdrproc_t xargs, void* args, xdrproc_t xres, void* res,
                            std::chrono::seconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  const clnt_stat st = clnt_call(clnt_, proc, xargs, static_cast<caddr_t>(args), xres,
                                 static_cast<caddr_t>(res), tv);
  switch (st) {
    case RPC_SUCCESS:
      return CliStatus::Ok();
    case RPC_PROGUNAVAIL:
    case RPC_PROGVERSMISMATCH:
    case RPC_PROCUNAVAIL:
      return Fail(Exit::kFailure, "the server at " + target_.Describe() +
                                      " does not offer this admin operation (version mismatch?)");
    case RPC_TIMEDOUT:
      return Fail(Exit::kNoServer, "the server at " + target_.Describe() +
                                       " did not answer within " + std::to_string(timeout.count()) +
                                       "s");
    case RPC_CANTRECV:
    case RPC_CANTSEND:
      return Fail(Exit::kNoServer,
                  "the server at " + target_.Describe() + " closed the connection");
    default:
      return Fail(Exit::kFailure,
                  std::string("RPC to ") + target_.Describe() + " failed: " + clnt_sperrno(st));
  }
}

namespace {

// The XDR routine of each argument and result type, and where each result keeps its
// adm_failure: what Invoke needs to know of a procedure's types.
xdrproc_t XdrOf(const adm_create_args*) { return XdrProc(xdr_adm_create_args); }
xdrproc_t XdrOf(const adm_list_args*) { return XdrProc(xdr_adm_list_args); }
xdrproc_t XdrOf(const adm_name_args*) { return XdrProc(xdr_adm_name_args); }
xdrproc_t XdrOf(const adm_renew_args*) { return XdrProc(xdr_adm_renew_args); }
xdrproc_t XdrOf(const adm_policy_args*) { return XdrProc(xdr_adm_policy_args); }
xdrproc_t XdrOf(const adm_fsck_args*) { return XdrProc(xdr_adm_fsck_args); }
xdrproc_t XdrOf(const adm_break_args*) { return XdrProc(xdr_adm_break_args); }
xdrproc_t XdrOf(const adm_snapshot_args*) { return XdrProc(xdr_adm_snapshot_args); }
xdrproc_t XdrOf(const adm_fork_args*) { return XdrProc(xdr_adm_fork_args); }
xdrproc_t XdrOf(const adm_move_args*) { return XdrProc(xdr_adm_move_args); }
xdrproc_t XdrOf(const adm_status_res*) { return XdrProc(xdr_adm_status_res); }
xdrproc_t XdrOf(const adm_snapshot_res*) { return XdrProc(xdr_adm_snapshot_res); }
xdrproc_t XdrOf(const adm_snapshot_list_res*) { return XdrProc(xdr_adm_snapshot_list_res); }
xdrproc_t XdrOf(const adm_fork_res*) { return XdrProc(xdr_adm_fork_res); }
xdrproc_t XdrOf(const adm_info_res*) { return XdrProc(xdr_adm_info_res); }
xdrproc_t XdrOf(const adm_list_res*) { return XdrProc(xdr_adm_list_res); }
xdrproc_t XdrOf(const adm_renew_res*) { return XdrProc(xdr_adm_renew_res); }
xdrproc_t XdrOf(const adm_fsck_res*) { return XdrProc(xdr_adm_fsck_res); }
xdrproc_t XdrOf(const adm_locks_res*) { return XdrProc(xdr_adm_locks_res); }
xdrproc_t XdrOf(const adm_break_res*) { return XdrProc(xdr_adm_break_res); }
xdrproc_t XdrOf(const adm_gateways_res*) { return XdrProc(xdr_adm_gateways_res); }
const adm_failure& FailureOf(const adm_status_res& r) { return r.adm_status_res_u.failure; }
const adm_failure& FailureOf(const adm_info_res& r) { return r.adm_info_res_u.failure; }
const adm_failure& FailureOf(const adm_list_res& r) { return r.adm_list_res_u.failure; }
const adm_failure& FailureOf(const adm_renew_res& r) { return r.adm_renew_res_u.failure; }
const adm_failure& FailureOf(const adm_fsck_res& r) { return r.adm_fsck_res_u.failure; }
const adm_failure& FailureOf(const adm_locks_res& r) { return r.adm_locks_res_u.failure; }
const adm_failure& FailureOf(const adm_break_res& r) { return r.adm_break_res_u.failure; }
const adm_failure& FailureOf(const adm_snapshot_res& r) { return r.adm_snapshot_res_u.failure; }
const adm_failure& FailureOf(const adm_snapshot_list_res& r) {
  return r.adm_snapshot_list_res_u.failure;
}
const adm_failure& FailureOf(const adm_fork_res& r) { return r.adm_fork_res_u.failure; }
const adm_failure& FailureOf(const adm_gateways_res& r) { return r.adm_gateways_res_u.failure; }

adm_snapshot_args SnapshotArgs(const std::string& name, const std::string& snapshot) {
  adm_snapshot_args a{};
  a.name = const_cast<char*>(name.c_str());
  a.snapshot = const_cast<char*>(snapshot.c_str());
  return a;
}

adm_name_args NameArgs(const std::string& name) {
  adm_name_args a{};
  a.name = const_cast<char*>(name.c_str());
  return a;
}

// A policy field the caller may leave alone: its set_ flag, and its value when given.
template <typename T, typename Wire>
void SetIf(const std::optional<T>& value, bool_t* set, Wire* field) {
  if (!value) return;
  *set = TRUE;
  *field = static_cast<Wire>(*value);
}

VolumeView InfoOf(const adm_info_res& r) { return FromWire(r.adm_info_res_u.info); }

}  // namespace

template <typename Res, typename Args, typename Convert>
auto AdminClient::Invoke(u_long proc, Args& args, Convert convert, std::chrono::seconds timeout) {
  using Out = std::invoke_result_t<Convert&, const Res&>;
  args.secret = Secret();
  Res res{};
  last_status_ = ADM_OK;
  CliStatus s = Call(proc, XdrOf(&args), &args, XdrOf(&res), &res, timeout);
  if (!s.ok()) return CliResult<Out>(std::move(s));
  last_status_ = res.status;
  CliResult<Out> out = res.status == ADM_OK ? CliResult<Out>(convert(res))
                                            : CliResult<Out>(Failed(res.status, FailureOf(res)));
  xdr_free(XdrOf(&res), &res);
  return out;
}

CliResult<VolumeView> AdminClient::Create(const CreateSpec& spec) {
  adm_create_args a{};
  a.name = const_cast<char*>(spec.name.c_str());
  a.kind = spec.ephemeral ? ADM_KIND_EPHEMERAL : ADM_KIND_PERSISTED;
  a.ttl_ms = static_cast<uint64_t>(spec.ttl.count());
  std::vector<char*> cidrs;
  for (const std::string& c : spec.allowed) cidrs.push_back(const_cast<char*>(c.c_str()));
  a.policy.allowed.allowed_len = static_cast<u_int>(cidrs.size());
  a.policy.allowed.allowed_val = cidrs.data();
  a.policy.read_only = spec.read_only ? TRUE : FALSE;
  a.policy.squash = spec.squash;
  a.policy.anon_uid = spec.anon_uid;
  a.policy.anon_gid = spec.anon_gid;
  a.quota.max_bytes = spec.quota_bytes;
  a.quota.max_files = spec.quota_files;
  return Invoke<adm_info_res>(ADMPROC_CREATE, a, InfoOf);
}

CliResult<std::vector<VolumeView>> AdminClient::List() {
  adm_list_args a{};
  return Invoke<adm_list_res>(ADMPROC_LIST, a, [](const adm_list_res& r) {
    std::vector<VolumeView> out;
    const adm_volume_list& list = r.adm_list_res_u.list;
    for (u_int i = 0; i < list.volumes.volumes_len; ++i) {
      out.push_back(FromWire(list.volumes.volumes_val[i]));
      if (i < list.placements.placements_len) {
        SetPlacement(list.placements.placements_val[i], &out.back());
      }
    }
    return out;
  });
}

CliResult<VolumeView> AdminClient::Info(const std::string& name) {
  adm_name_args a = NameArgs(name);
  return Invoke<adm_info_res>(ADMPROC_INFO, a, InfoOf);
}

CliStatus AdminClient::Delete(const std::string& name) {
  adm_name_args a = NameArgs(name);
  CliResult<bool> done =
      Invoke<adm_status_res>(ADMPROC_DELETE, a, [](const adm_status_res&) { return true; });
  return done.ok() ? CliStatus::Ok() : done.status();
}

CliResult<int64_t> AdminClient::Renew(const std::string& name, std::chrono::milliseconds ttl) {
  adm_renew_args a{};
  a.name = const_cast<char*>(name.c_str());
  a.ttl_ms = static_cast<uint64_t>(ttl.count());
  return Invoke<adm_renew_res>(ADMPROC_RENEW, a, [](const adm_renew_res& r) {
    return static_cast<int64_t>(r.adm_renew_res_u.lease_expiry_ns);
  });
}

CliResult<VolumeView> AdminClient::Policy(const std::string& name, const PolicyChange& change) {
  adm_policy_args a{};
  a.name = const_cast<char*>(name.c_str());
  std::vector<char*> cidrs;
  if (change.allowed) {
    a.set_allowed = TRUE;
    for (const std::string& c : *change.allowed) cidrs.push_back(const_cast<char*>(c.c_str()));
    a.allowed.allowed_len = static_cast<u_int>(cidrs.size());
    a.allowed.allowed_val = cidrs.data();
  }
  SetIf(change.read_only, &a.set_read_only, &a.read_only);
  SetIf(change.squash, &a.set_squash, &a.squash);
  SetIf(change.anon_uid, &a.set_anon_uid, &a.anon_uid);
  SetIf(change.anon_gid, &a.set_anon_gid, &a.anon_gid);
  SetIf(change.quota_bytes, &a.set_max_bytes, &a.max_bytes);
  SetIf(change.quota_files, &a.set_max_files, &a.max_files);
  return Invoke<adm_info_res>(ADMPROC_POLICY, a, InfoOf);
}

CliResult<FsckView> AdminClient::Fsck(const std::string& name, bool repair) {
  adm_fsck_args a{};
  a.name = const_cast<char*>(name.c_str());
  a.repair = repair ? TRUE : FALSE;
  return Invoke<adm_fsck_res>(
      ADMPROC_FSCK, a,
      [](const adm_fsck_res& res) {
        const adm_fsck_report& r = res.adm_fsck_res_u.report;
        FsckView out{r.inodes_checked, r.problems_found, r.problems_repaired, {}};
        for (u_int i = 0; i < r.findings.findings_len; ++i) {
          out.findings.push_back(Str(r.findings.findings_val[i]));
        }
        return out;
      },
      std::chrono::seconds(3600));
}

CliResult<LocksView> AdminClient::Locks(const std::string& name) {
  adm_name_args a = NameArgs(name);
  return Invoke<adm_locks_res>(ADMPROC_LOCKS, a, [](const adm_locks_res& res) {
    const adm_locks_report& r = res.adm_locks_res_u.report;
    LocksView out;
    out.total = r.total;
    for (u_int i = 0; i < r.locks.locks_len; ++i) {
      const adm_lock& l = r.locks.locks_val[i];
      out.locks.push_back({Str(l.holder), l.svid, l.fileid, l.offset, l.length, l.exclusive != 0});
    }
    return out;
  });
}

CliResult<uint32_t> AdminClient::BreakLocks(const std::string& name, const std::string& holder) {
  adm_break_args a{};
  a.name = const_cast<char*>(name.c_str());
  a.host = const_cast<char*>(holder.c_str());
  return Invoke<adm_break_res>(ADMPROC_BREAK_LOCKS, a, [](const adm_break_res& r) {
    return static_cast<uint32_t>(r.adm_break_res_u.broken);
  });
}

CliResult<SnapshotView> AdminClient::SnapshotCreate(const std::string& name,
                                                    const std::string& snapshot) {
  adm_snapshot_args a = SnapshotArgs(name, snapshot);
  return Invoke<adm_snapshot_res>(
      ADMPROC_SNAPSHOT_CREATE, a,
      [](const adm_snapshot_res& r) {
        SnapshotView out = FromWire(r.adm_snapshot_res_u.made.snapshot);
        out.pause_ns = r.adm_snapshot_res_u.made.pause_ns;
        return out;
      },
      std::chrono::seconds(3600));
}

CliResult<std::vector<SnapshotView>> AdminClient::SnapshotList(const std::string& name) {
  adm_name_args a = NameArgs(name);
  return Invoke<adm_snapshot_list_res>(ADMPROC_SNAPSHOT_LIST, a,
                                       [](const adm_snapshot_list_res& r) {
                                         std::vector<SnapshotView> out;
                                         const auto& list = r.adm_snapshot_list_res_u.snapshots;
                                         for (u_int i = 0; i < list.snapshots_len; ++i)
                                           out.push_back(FromWire(list.snapshots_val[i]));
                                         return out;
                                       });
}

CliStatus AdminClient::SnapshotDelete(const std::string& name, const std::string& snapshot) {
  adm_snapshot_args a = SnapshotArgs(name, snapshot);
  CliResult<bool> done = Invoke<adm_status_res>(ADMPROC_SNAPSHOT_DELETE, a,
                                                [](const adm_status_res&) { return true; });
  return done.ok() ? CliStatus::Ok() : done.status();
}

CliResult<VolumeView> AdminClient::SnapshotRestore(const std::string& name,
                                                   const std::string& snapshot) {
  adm_snapshot_args a = SnapshotArgs(name, snapshot);
  return Invoke<adm_info_res>(ADMPROC_SNAPSHOT_RESTORE, a, InfoOf, std::chrono::seconds(3600));
}

CliResult<std::pair<VolumeView, uint64_t>> AdminClient::Fork(const ForkSpec& spec) {
  adm_fork_args a{};
  a.source = const_cast<char*>(spec.source.c_str());
  a.snapshot = const_cast<char*>(spec.snapshot.c_str());
  a.name = const_cast<char*>(spec.name.c_str());
  a.persisted = spec.persisted ? TRUE : FALSE;
  return Invoke<adm_fork_res>(
      ADMPROC_FORK, a,
      [](const adm_fork_res& r) {
        return std::make_pair(FromWire(r.adm_fork_res_u.forked.info),
                              static_cast<uint64_t>(r.adm_fork_res_u.forked.pause_ns));
      },
      std::chrono::seconds(3600));
}

CliResult<std::vector<GatewayView>> AdminClient::Gateways() {
  adm_list_args a{};
  return Invoke<adm_gateways_res>(ADMPROC_GATEWAYS, a, [](const adm_gateways_res& r) {
    std::vector<GatewayView> out;
    const auto& list = r.adm_gateways_res_u.gateways;
    for (u_int i = 0; i < list.gateways_len; ++i) {
      const adm_gateway& g = list.gateways_val[i];
      GatewayView v{Str(g.id),       Str(g.address), {},       g.live != FALSE,
                    g.self != FALSE, g.volumes,      g.seen_ns};
      for (u_int j = 0; j < g.held.held_len; ++j) v.held.push_back(Str(g.held.held_val[j]));
      out.push_back(std::move(v));
    }
    return out;
  });
}

CliResult<VolumeView> AdminClient::Move(const std::string& name, const std::string& gateway,
                                        bool force) {
  adm_move_args a{};
  a.name = const_cast<char*>(name.c_str());
  a.gateway = const_cast<char*>(gateway.c_str());
  a.force = force ? TRUE : FALSE;
  // The hand-over waits for the calls in flight and a sync of the volume's log.
  return Invoke<adm_info_res>(ADMPROC_MOVE, a, InfoOf, std::chrono::seconds(600));
}

}  // namespace volumectl
