#include "rpc/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <rpc/rpcb_clnt.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/socket_address.h"
#include "rpc/procedure_table.h"

namespace volumed::rpc {

namespace {

socklen_t AddrLen(const sockaddr_storage& a) {
  return a.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

void SetPort(sockaddr_storage* a, uint16_t port) {
  if (a->ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(a)->sin6_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in*>(a)->sin_port = htons(port);
  }
}

// Asks the peer's rpcbind for the port of prog/vers over `netid`.
Result<uint16_t> LookupPort(const sockaddr_storage& host, uint32_t prog, uint32_t vers,
                            const char* netid) {
  const std::string name = AddressLiteral(host);
  netconfig* nconf = getnetconfigent(netid);
  if (nconf == nullptr) return IoError(std::string("no netconfig entry for ") + netid);
  sockaddr_storage found{};
  netbuf nb{};
  nb.buf = &found;
  nb.maxlen = sizeof(found);
  const bool ok = rpcb_getaddr(prog, vers, nconf, &nb, name.c_str()) != 0;
  freenetconfigent(nconf);
  if (!ok) {
    return Status(Status::Code::kBusy, std::string("rpcbind on ") + name + " has no " + netid +
                                           " port for program " + std::to_string(prog) +
                                           " version " + std::to_string(vers));
  }
  const uint16_t port = found.ss_family == AF_INET6
                            ? ntohs(reinterpret_cast<sockaddr_in6*>(&found)->sin6_port)
                            : ntohs(reinterpret_cast<sockaddr_in*>(&found)->sin_port);
  return port;
}

// A socket of `type` for `addr`'s family, bound to `source` (any port) when given.
Result<int> OpenSocket(const sockaddr_storage& addr, int type, const sockaddr_storage* source) {
  if (source != nullptr && source->ss_family != addr.ss_family) {
    return InvalidArgument("source address " + AddressLiteral(*source) +
                           " is not of the family of " + AddressLiteral(addr));
  }
  const int fd = socket(addr.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return IoError(std::string("socket: ") + std::strerror(errno));
  if (source != nullptr) {
    sockaddr_storage local = *source;
    SetPort(&local, 0);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&local), AddrLen(local)) != 0) {
      const int err = errno;
      close(fd);
      return IoError("cannot send from " + AddressLiteral(local) + ": " + std::strerror(err));
    }
  }
  return fd;
}

// A blocking TCP socket connected to `addr` within `timeout`, from `source` when given.
Result<int> ConnectTcp(const sockaddr_storage& addr, std::chrono::milliseconds timeout,
                       const sockaddr_storage* source) {
  VOLUMED_ASSIGN_OR_RETURN(const int fd, OpenSocket(addr, SOCK_STREAM | SOCK_NONBLOCK, source));
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), AddrLen(addr));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, static_cast<int>(timeout.count()));
    int err = ETIMEDOUT;
    if (rc == 1) {
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err != 0) {
      close(fd);
      return Status(Status::Code::kBusy, std::string("connect: ") + std::strerror(err));
    }
  } else if (rc != 0) {
    const int err = errno;
    close(fd);
    return Status(Status::Code::kBusy, std::string("connect: ") + std::strerror(err));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// Arguments already in XDR: written as they are.
bool_t XdrEncodedArgs(XDR* xdrs, std::span<const uint8_t>* bytes) {
  if (xdrs->x_op != XDR_ENCODE) return FALSE;
  return xdr_opaque(xdrs, reinterpret_cast<char*>(const_cast<uint8_t*>(bytes->data())),
                    static_cast<u_int>(bytes->size()));
}

}  // namespace

Status ClientStatus(clnt_stat stat, const std::string& what) {
  const std::string msg = what + ": " + clnt_sperrno(stat);
  switch (stat) {
    case RPC_SUCCESS:
      return Status::Ok();
    case RPC_TIMEDOUT:
    case RPC_CANTSEND:
    case RPC_CANTRECV:
    case RPC_INTR:
    case RPC_UDERROR:
    case RPC_CANTCONNECT:
    case RPC_XPRTFAILED:
    case RPC_RPCBFAILURE:
    case RPC_PROGNOTREGISTERED:
    case RPC_INPROGRESS:
      return Status(Status::Code::kBusy, msg);
    case RPC_PROGUNAVAIL:
    case RPC_PROGVERSMISMATCH:
    case RPC_PROCUNAVAIL:
    case RPC_VERSMISMATCH:
      return Status(Status::Code::kNotSupported, msg);
    case RPC_CANTENCODEARGS:
    case RPC_CANTDECODERES:
    case RPC_CANTDECODEARGS:
      return InvalidArgument(msg);
    case RPC_AUTHERROR:
      return Status(Status::Code::kAccessDenied, msg);
    case RPC_SYSTEMERROR:
    case RPC_UNKNOWNHOST:
    case RPC_UNKNOWNPROTO:
    case RPC_UNKNOWNADDR:
    case RPC_NOBROADCAST:
    case RPC_N2AXLATEFAILURE:
    case RPC_TLIERROR:
    case RPC_FAILED:
    case RPC_STALERACHANDLE:
    case RPC_CANTCREATESTREAM:
      return IoError(msg);
  }
  return IoError(msg);
}

Result<std::unique_ptr<RpcClient>> RpcClient::Create(const sockaddr_storage& host, uint16_t port,
                                                     uint32_t prog, uint32_t vers,
                                                     Transport transport,
                                                     std::chrono::milliseconds timeout,
                                                     const sockaddr_storage* source) {
  if (transport == Transport::kLocal) return InvalidArgument("RpcClient speaks TCP or UDP");
  if (host.ss_family != AF_INET && host.ss_family != AF_INET6) {
    return InvalidArgument("RpcClient needs an IPv4 or IPv6 address");
  }
  const bool tcp = transport == Transport::kTcp;
  if (port == 0) {
    const char* netid =
        host.ss_family == AF_INET6 ? (tcp ? "tcp6" : "udp6") : (tcp ? "tcp" : "udp");
    VOLUMED_ASSIGN_OR_RETURN(port, LookupPort(host, prog, vers, netid));
  }
  sockaddr_storage addr = host;
  SetPort(&addr, port);
  netbuf nb{};
  nb.buf = &addr;
  nb.len = nb.maxlen = AddrLen(addr);
  int fd = -1;
  CLIENT* clnt = nullptr;
  if (tcp) {
    VOLUMED_ASSIGN_OR_RETURN(fd, ConnectTcp(addr, timeout, source));
    clnt = clnt_vc_create(fd, &nb, prog, vers, 0, 0);
  } else {
    VOLUMED_ASSIGN_OR_RETURN(fd, OpenSocket(addr, SOCK_DGRAM, source));
    clnt = clnt_dg_create(fd, &nb, prog, vers, 0, 0);
  }
  if (clnt == nullptr) {
    close(fd);
    return IoError(std::string("cannot create RPC client: ") + clnt_spcreateerror(""));
  }
  clnt_control(clnt, CLSET_FD_CLOSE, nullptr);
  if (!tcp) {
    timeval retry = ToTimeval(std::chrono::milliseconds(500));
    clnt_control(clnt, CLSET_RETRY_TIMEOUT, reinterpret_cast<char*>(&retry));
  }
  return std::unique_ptr<RpcClient>(new RpcClient(clnt, port, !tcp));
}

RpcClient::~RpcClient() {
  if (clnt_->cl_auth != nullptr) auth_destroy(clnt_->cl_auth);
  clnt_destroy(clnt_);
}

void RpcClient::UseAuthSys(const std::string& machine, uint32_t uid, uint32_t gid,
                           std::span<const uint32_t> gids) {
  std::vector<gid_t> list(gids.begin(), gids.end());
  std::lock_guard lock(mu_);
  AUTH* auth = authunix_create(const_cast<char*>(machine.c_str()), static_cast<uid_t>(uid),
                               static_cast<gid_t>(gid), static_cast<int>(list.size()), list.data());
  if (auth == nullptr) return;
  if (clnt_->cl_auth != nullptr) auth_destroy(clnt_->cl_auth);
  clnt_->cl_auth = auth;
}

Status RpcClient::Call(uint32_t proc, xdrproc_t encode_args, const void* args,
                       xdrproc_t decode_result, void* result, std::chrono::milliseconds timeout) {
  std::lock_guard lock(mu_);
  const clnt_stat stat = clnt_call(clnt_, proc, encode_args, const_cast<void*>(args), decode_result,
                                   static_cast<char*>(result), ToTimeval(timeout));
  return ClientStatus(stat, "call to procedure " + std::to_string(proc));
}

Status RpcClient::CallEncoded(uint32_t proc, std::span<const uint8_t> encoded_args,
                              xdrproc_t decode_result, void* result,
                              std::chrono::milliseconds timeout) {
  return Call(proc, XdrProc(&XdrEncodedArgs), &encoded_args, decode_result, result, timeout);
}

Status RpcClient::Send(uint32_t proc, xdrproc_t encode_args, const void* args) {
  std::lock_guard lock(mu_);
  // A zero timeout makes clnt_vc return right after sending (RPC_TIMEDOUT); clnt_dg
  // returns before sending when the timeout is zero, so UDP waits 1 ms instead.
  const timeval no_wait{0, udp_ ? 1000 : 0};
  const clnt_stat stat =
      clnt_call(clnt_, proc, encode_args, const_cast<void*>(args), XdrVoid(), nullptr, no_wait);
  if (stat == RPC_TIMEDOUT) return Status::Ok();
  return ClientStatus(stat, "message to procedure " + std::to_string(proc));
}

}  // namespace volumed::rpc
