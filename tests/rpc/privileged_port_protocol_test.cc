// volumed --require-privileged-port, as a process under tests/support/netns_run.sh: MOUNT,
// NFS and NLM calls from a source port >= 1024 are refused with AUTH_ERROR / AUTH_TOOWEAK
// over TCP and UDP, the same calls from a port < 1024 (we run as root) are served, NULL
// and NSM are never refused, and without the flag an unprivileged port is served.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "rpc/auth_sys.h"
#include "rpc/call_codec.h"
#include "rpc/wire.h"
#include "rpc_test_util.h"
#include "support/server_process.h"

namespace volumed::rpc {
namespace {

using testing::Frame;
using testing::ParsedReply;
using testing::ParseReply;
using volumed::testing::ServerProcess;
using volumed::testing::ServerProcessOptions;

constexpr uint32_t kNfs = 100003, kMount = 100005, kNlm = 100021, kNsm = 100024;

// A socket of `type` bound to 127.0.0.1:`local_port` (0: any unprivileged port) and
// connected to 127.0.0.1:`port`; -1 on failure.
int Connect(int type, uint16_t local_port, uint16_t port) {
  const int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(local_port);
  sockaddr_in to = a;
  to.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ReadExact(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// One call over TCP or UDP from `local_port`; the parsed reply or nothing.
std::optional<ParsedReply> Exchange(bool tcp, uint16_t local_port, uint16_t port,
                                    const std::vector<uint8_t>& call) {
  const int fd = Connect(tcp ? SOCK_STREAM : SOCK_DGRAM, local_port, port);
  if (fd < 0) return std::nullopt;
  std::vector<uint8_t> reply;
  if (tcp) {
    const auto framed = Frame(call);
    uint8_t mark[4];
    if (write(fd, framed.data(), framed.size()) == static_cast<ssize_t>(framed.size()) &&
        ReadExact(fd, mark, 4)) {
      const uint32_t len = ((mark[0] & 0x7fu) << 24) | (mark[1] << 16) | (mark[2] << 8) | mark[3];
      if (len < (1u << 20)) {
        reply.resize(len);
        if (!ReadExact(fd, reply.data(), len)) reply.clear();
      }
    }
  } else if (send(fd, call.data(), call.size(), 0) == static_cast<ssize_t>(call.size())) {
    reply.resize(65536);
    const ssize_t n = recv(fd, reply.data(), reply.size(), 0);
    reply.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  if (reply.empty()) return std::nullopt;
  return ParseReply(reply);
}

std::vector<uint8_t> MntCall(uint32_t xid, const std::string& path) {
  WireWriter w;
  w.U32(static_cast<uint32_t>(path.size()));
  std::vector<uint8_t> args = std::move(w).Take();
  args.insert(args.end(), path.begin(), path.end());
  while (args.size() % 4 != 0) args.push_back(0);
  return EncodeCall(xid, kMount, 3, 1 /*MNT*/, AUTH_SYS, EncodeAuthSys(0, "t", 0, 0, {}), args);
}

// A call whose procedure is not NULL; the refusal comes before its arguments are read.
std::vector<uint8_t> ProcCall(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc) {
  return EncodeCall(xid, prog, vers, proc, AUTH_SYS, EncodeAuthSys(0, "t", 0, 0, {}), {});
}

bool TooWeak(const std::optional<ParsedReply>& r) {
  return r && r->reply_stat == 1 && r->reject_stat == 1 &&
         r->auth_stat == static_cast<uint32_t>(AUTH_TOOWEAK);
}
bool Accepted(const std::optional<ParsedReply>& r) { return r && r->reply_stat == 0; }

std::unique_ptr<ServerProcess> Start(bool require) {
  ServerProcessOptions o;
  o.extra_args = {"--volume", "data"};
  if (require) o.extra_args.push_back("--require-privileged-port");
  auto s = ServerProcess::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(PrivilegedPort, RefusedFromUnprivilegedPortsServedFromPrivilegedOnes) {
  auto server = Start(true);
  ASSERT_NE(server, nullptr);
  uint32_t xid = 1;
  uint16_t privileged = 700;
  for (bool tcp : {true, false}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    // MOUNT MNT: refused from an ephemeral port, served (status MNT3_OK) from port < 1024.
    EXPECT_TRUE(TooWeak(Exchange(tcp, 0, server->mount_port(), MntCall(xid++, "/data"))));
    auto ok = Exchange(tcp, privileged++, server->mount_port(), MntCall(xid++, "/data"));
    ASSERT_TRUE(Accepted(ok));
    EXPECT_EQ(ok->accept_stat, 0u);
    ASSERT_GE(ok->results.size(), 4u);
    EXPECT_EQ(ok->results[3], 0u);  // mountstat3 MNT3_OK
    // NLM TEST (v4): refused from an ephemeral port; from port < 1024 it gets past the
    // port check (empty arguments: GARBAGE_ARGS).
    EXPECT_TRUE(TooWeak(Exchange(tcp, 0, server->nlm_port(), ProcCall(xid++, kNlm, 4, 1))));
    auto nlm = Exchange(tcp, privileged++, server->nlm_port(), ProcCall(xid++, kNlm, 4, 1));
    ASSERT_TRUE(Accepted(nlm));
    EXPECT_EQ(nlm->accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
    // NULL is a ping and always answered; NSM is not covered by the flag.
    auto ping = Exchange(tcp, 0, server->mount_port(), ProcCall(xid++, kMount, 3, 0));
    ASSERT_TRUE(Accepted(ping));
    EXPECT_EQ(ping->accept_stat, 0u);
    auto nsm = Exchange(tcp, 0, server->nsm_port(), ProcCall(xid++, kNsm, 1, 1));
    ASSERT_TRUE(Accepted(nsm));
  }
  // NFS (TCP only): GETATTR refused from an ephemeral port, past the check from port < 1024.
  EXPECT_TRUE(TooWeak(Exchange(true, 0, server->nfs_port(), ProcCall(xid++, kNfs, 3, 1))));
  auto nfs = Exchange(true, privileged++, server->nfs_port(), ProcCall(xid++, kNfs, 3, 1));
  ASSERT_TRUE(Accepted(nfs));
  EXPECT_EQ(nfs->accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
}

TEST(PrivilegedPort, WithoutTheFlagUnprivilegedPortsAreServed) {
  auto server = Start(false);
  ASSERT_NE(server, nullptr);
  for (bool tcp : {true, false}) {
    auto ok = Exchange(tcp, 0, server->mount_port(), MntCall(tcp ? 1 : 2, "/data"));
    ASSERT_TRUE(Accepted(ok));
    ASSERT_GE(ok->results.size(), 4u);
    EXPECT_EQ(ok->results[3], 0u);  // MNT3_OK
  }
  auto nfs = Exchange(true, 0, server->nfs_port(), ProcCall(3, kNfs, 3, 1));
  ASSERT_TRUE(Accepted(nfs));
  EXPECT_EQ(nfs->accept_stat, static_cast<uint32_t>(GARBAGE_ARGS));
}

}  // namespace
}  // namespace volumed::rpc
