// The engine in-process on loopback (ephemeral ports, no rpcbind): parallel calls on one
// connection with replies by xid, fragments, record-size cap, idle timeout, connection
// limit, back-pressure with large replies, UDP, the Unix socket with SO_PEERCRED, the
// duplicate-request cache over the wire, and the outbound client (also sending from a
// given source address).
#include "rpc/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "base/socket_address.h"
#include "rpc/call_codec.h"
#include "rpc/client.h"
#include "rpc/null_program.h"
#include "rpc/socket_util.h"
#include "rpc/wire.h"
#include "rpc_test_util.h"
#include "test_program.h"

namespace volumed::rpc {
namespace {

using testing::Frame;
using testing::kTestProg;
using testing::ParseReply;
using testing::RawConn;
using Clock = std::chrono::steady_clock;

std::vector<uint8_t> U32Arg(uint32_t v) {
  WireWriter w;
  w.U32(v);
  return std::move(w).Take();
}

std::vector<uint8_t> CallRecord(uint32_t xid, uint32_t proc, std::vector<uint8_t> args = {}) {
  return EncodeCall(xid, kTestProg, 1, proc, AUTH_NONE, {}, args);
}

class EngineTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.listen_address = "127.0.0.1";
    options.use_rpcbind = false;
    if (options.threads == 0) options.threads = 8;
    server_ = std::make_unique<Server>(options);
    ASSERT_TRUE(server_->Register(testing::TestProgram(1, &state_, true, true), {}).ok());
    socket_path_ = "/tmp/volumed-engine-test-" + std::to_string(getpid()) + ".sock";
    ASSERT_TRUE(server_->RegisterLocal(testing::TestProgram(1, &state_), socket_path_).ok());
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->BoundPort(kTestProg, Transport::kTcp);
    udp_port_ = server_->BoundPort(kTestProg, Transport::kUdp);
    ASSERT_NE(port_, 0);
    ASSERT_NE(udp_port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  bool Serves(uint32_t xid) {
    auto c = RawConn::Tcp(port_);
    if (!c || !c->SendAll(Frame(CallRecord(xid, testing::kEcho, U32Arg(xid))))) return false;
    auto rec = c->ReadRecord();
    auto r = rec ? ParseReply(*rec) : std::nullopt;
    return r && r->xid == xid && r->results == U32Arg(xid + 1);
  }

  testing::TestState state_;
  std::unique_ptr<Server> server_;
  std::string socket_path_;
  uint16_t port_ = 0;
  uint16_t udp_port_ = 0;
};

TEST_F(EngineTest, CallsOnOneConnectionRunInParallelAndRepliesGoByXid) {
  StartServer();
  auto c = RawConn::Tcp(port_);
  ASSERT_TRUE(c.has_value());
  std::vector<uint8_t> batch;
  // xid 1 sleeps longest; eight calls in one write.
  for (uint32_t i = 0; i < 8; ++i) {
    auto f = Frame(CallRecord(i + 1, testing::kSleep, U32Arg(i == 0 ? 600 : 300)));
    batch.insert(batch.end(), f.begin(), f.end());
  }
  const auto t0 = Clock::now();
  ASSERT_TRUE(c->SendAll(batch));
  std::vector<uint32_t> order;
  for (int i = 0; i < 8; ++i) {
    auto rec = c->ReadRecord();
    ASSERT_TRUE(rec.has_value());
    order.push_back(ParseReply(*rec)->xid);
  }
  const auto elapsed = Clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));  // serial would take 2.7 s
  EXPECT_GE(state_.max_running.load(), 4u);
  EXPECT_EQ(order.back(), 1u);  // the slow one answers last
  EXPECT_EQ(std::set<uint32_t>(order.begin(), order.end()).size(), 8u);
}

// Light calls (Runs::kReactorWhenIdle) run on the reactor while no worker is busy, a burst
// of them in one read too, up to ServerOptions::reactor_calls_per_wake; the rest of the
// burst goes to the workers, and so does a call that is not light.
TEST_F(EngineTest, LightCallsRunOnTheReactorUpToABudgetPerWakeUp) {
  ServerOptions options;
  options.reactor_calls_per_wake = 5;
  StartServer(options);
  auto c = RawConn::Tcp(port_);
  ASSERT_TRUE(c.has_value());
  std::vector<uint8_t> burst;  // one write: the reactor reads it at one wake-up
  for (uint32_t i = 1; i <= 12; ++i) {
    auto f = Frame(CallRecord(i, testing::kEcho, U32Arg(i)));
    burst.insert(burst.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(c->SendAll(burst));
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(c->ReadRecord().has_value());
  ASSERT_TRUE(c->SendAll(Frame(CallRecord(13, testing::kEcho, U32Arg(testing::kHeavyEcho)))));
  ASSERT_TRUE(c->ReadRecord().has_value());

  std::lock_guard<std::mutex> l(state_.echo_mu);
  ASSERT_EQ(state_.echoes.size(), 13u);
  // The reactor runs calls in the order it read them: the first five, on one thread.
  std::thread::id reactor;
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(state_.echoes[i].first, i + 1);
    if (i == 0) reactor = state_.echoes[i].second;
    EXPECT_EQ(state_.echoes[i].second, reactor) << "call " << i + 1;
  }
  for (size_t i = 5; i < 13; ++i) {
    EXPECT_NE(state_.echoes[i].second, reactor) << "call with argument " << state_.echoes[i].first;
  }
}

TEST_F(EngineTest, MultiFragmentCall) {
  StartServer();
  auto c = RawConn::Tcp(port_);
  auto rec = CallRecord(5, testing::kEcho, U32Arg(9));
  std::vector<uint8_t> stream;
  size_t pos = 0;
  for (size_t piece : {size_t{3}, size_t{0}, size_t{17}, rec.size() - 20}) {
    const bool last = pos + piece == rec.size();
    const uint32_t mark = (last ? 0x80000000u : 0) | static_cast<uint32_t>(piece);
    WireWriter w;
    w.U32(mark);
    stream.insert(stream.end(), w.bytes().begin(), w.bytes().end());
    stream.insert(stream.end(), rec.begin() + pos, rec.begin() + pos + piece);
    pos += piece;
  }
  // Dribble it a byte at a time.
  for (uint8_t b : stream) ASSERT_TRUE(c->SendAll(std::span(&b, 1)));
  auto reply = c->ReadRecord();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(ParseReply(*reply)->results, U32Arg(10));
}

TEST_F(EngineTest, ZeroLengthRecordIsIgnored) {
  StartServer();
  auto c = RawConn::Tcp(port_);
  ASSERT_TRUE(c->SendAll(std::vector<uint8_t>{0x80, 0, 0, 0}));
  ASSERT_TRUE(c->SendAll(Frame(CallRecord(6, testing::kEcho, U32Arg(1)))));
  auto reply = c->ReadRecord();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(ParseReply(*reply)->xid, 6u);
}

TEST_F(EngineTest, OversizedRecordDisconnectsOnlyThatClient) {
  ServerOptions o;
  o.max_record_size = 4096;
  StartServer(o);
  auto c = RawConn::Tcp(port_);
  WireWriter w;
  w.U32(0x80000000u | 4097);
  ASSERT_TRUE(c->SendAll(w.bytes()));
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_EQ(server_->stats().protocol_errors, 1u);
  EXPECT_TRUE(Serves(7));
}

TEST_F(EngineTest, ServerWideRequestByteBudget) {
  ServerOptions o;
  o.max_buffered_request_bytes = 64u << 10;
  StartServer(o);
  // A: an ECHO call padded to 60 KiB (XDR ignores bytes after the arguments), sent but
  // for its last 10 KiB.
  auto call = CallRecord(40, testing::kEcho, U32Arg(1));
  call.resize(60u << 10, 0);
  auto framed = Frame(call);
  const size_t held_back = 10u << 10;
  auto a = RawConn::Tcp(port_);
  ASSERT_TRUE(a->SendAll(std::span(framed).first(framed.size() - held_back)));
  ASSERT_TRUE(Serves(41));  // the first partial record is fine
  // B: another large partial record pushes the total past 64 KiB: B is dropped.
  auto b = RawConn::Tcp(port_);
  ASSERT_TRUE(b->SendAll(std::span(framed).first(30u << 10)));
  EXPECT_TRUE(b->WaitClosed());
  // A finishes its record and is answered; others are served.
  ASSERT_TRUE(a->SendAll(std::span(framed).last(held_back)));
  auto rec = a->ReadRecord();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(ParseReply(*rec)->results, U32Arg(2));
  EXPECT_TRUE(Serves(42));
}

TEST_F(EngineTest, CompleteRecordsPastTheBudgetWaitInsteadOfFailing) {
  ServerOptions o;
  o.max_buffered_request_bytes = 64u << 10;
  o.threads = 2;
  StartServer(o);
  auto c = RawConn::Tcp(port_);
  std::vector<uint8_t> batch;
  for (uint32_t i = 0; i < 20; ++i) {
    auto call = CallRecord(i, testing::kSleep, U32Arg(20));
    call.resize(30u << 10, 0);
    auto f = Frame(call);
    batch.insert(batch.end(), f.begin(), f.end());
  }
  std::thread writer([&] { c->SendAll(batch); });
  std::set<uint32_t> seen;
  for (int i = 0; i < 20; ++i) {
    auto rec = c->ReadRecord();
    ASSERT_TRUE(rec.has_value()) << i;
    seen.insert(ParseReply(*rec)->xid);
  }
  writer.join();
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(EngineTest, IdleConnectionsAreClosed) {
  ServerOptions o;
  o.idle_timeout = std::chrono::seconds(1);
  StartServer(o);
  auto c = RawConn::Tcp(port_);
  const auto t0 = Clock::now();
  EXPECT_TRUE(c->WaitClosed());
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(4));
  EXPECT_TRUE(Serves(8));
}

TEST_F(EngineTest, ConnectionLimit) {
  ServerOptions o;
  o.max_connections = 3;
  StartServer(o);
  std::vector<RawConn> held;
  for (int i = 0; i < 3; ++i) held.push_back(*RawConn::Tcp(port_));
  // Make sure all three are accepted before the fourth arrives.
  for (auto& c : held) {
    ASSERT_TRUE(c.SendAll(Frame(CallRecord(1, 0))));
    ASSERT_TRUE(c.ReadRecord().has_value());
  }
  auto extra = RawConn::Tcp(port_);
  ASSERT_TRUE(extra.has_value());
  EXPECT_TRUE(extra->WaitClosed());
  EXPECT_GE(server_->stats().connections_refused, 1u);
  held.clear();
  for (int i = 0; i < 50 && server_->stats().connections_open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Serves(9));
}

TEST_F(EngineTest, LargeRepliesToASlowReaderAllArriveInOrderOfCompletion) {
  ServerOptions o;
  o.max_queued_reply_bytes = 2u << 20;
  o.max_requests_per_connection = 4;
  StartServer(o);
  auto c = RawConn::Tcp(port_, std::chrono::milliseconds(10000));
  constexpr int kCalls = 40;
  std::vector<uint8_t> batch;
  for (int i = 0; i < kCalls; ++i) {
    auto f = Frame(CallRecord(100 + i, testing::kBig, U32Arg(1u << 20)));
    batch.insert(batch.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(c->SendAll(batch));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the queue fill up
  std::set<uint32_t> seen;
  for (int i = 0; i < kCalls; ++i) {
    auto rec = c->ReadRecord();
    ASSERT_TRUE(rec.has_value()) << i;
    auto r = ParseReply(*rec);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->results.size(), 4u + (1u << 20));
    EXPECT_EQ(r->results[4 + 300], static_cast<uint8_t>(300 & 0xff));
    seen.insert(r->xid);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCalls));
}

TEST_F(EngineTest, ManyPipelinedCallsWithoutReading) {
  ServerOptions o;
  o.max_requests_per_connection = 16;
  StartServer(o);
  auto c = RawConn::Tcp(port_);
  constexpr uint32_t kCalls = 2000;
  std::vector<uint8_t> batch;
  for (uint32_t i = 0; i < kCalls; ++i) {
    auto f = Frame(CallRecord(i, testing::kEcho, U32Arg(i)));
    batch.insert(batch.end(), f.begin(), f.end());
  }
  std::thread writer([&] { c->SendAll(batch); });
  std::set<uint32_t> seen;
  for (uint32_t i = 0; i < kCalls; ++i) {
    auto rec = c->ReadRecord();
    ASSERT_TRUE(rec.has_value());
    auto r = ParseReply(*rec);
    EXPECT_EQ(r->results, U32Arg(r->xid + 1));
    seen.insert(r->xid);
  }
  writer.join();
  EXPECT_EQ(seen.size(), kCalls);
}

TEST_F(EngineTest, PeerHalfCloseStillGetsItsReplies) {
  StartServer();
  auto c = RawConn::Tcp(port_);
  ASSERT_TRUE(c->SendAll(Frame(CallRecord(11, testing::kSleep, U32Arg(200)))));
  shutdown(c->fd(), SHUT_WR);
  auto rec = c->ReadRecord();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(ParseReply(*rec)->xid, 11u);
  EXPECT_TRUE(c->WaitClosed());
}

TEST_F(EngineTest, Udp) {
  StartServer();
  auto reply = testing::UdpExchange(udp_port_, CallRecord(12, testing::kEcho, U32Arg(5)));
  ASSERT_TRUE(reply.has_value());
  auto r = ParseReply(*reply);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->xid, 12u);
  EXPECT_EQ(r->results, U32Arg(6));
  // Garbage datagrams are ignored; the socket keeps serving.
  testing::UdpExchange(udp_port_, std::vector<uint8_t>{1, 2, 3}, std::chrono::milliseconds(50));
  EXPECT_TRUE(testing::UdpExchange(udp_port_, CallRecord(13, 0)).has_value());
}

TEST_F(EngineTest, UnixSocketCarriesThePeerUid) {
  StartServer();
  auto c = RawConn::Unix(socket_path_);
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(c->SendAll(Frame(CallRecord(14, testing::kWhoAmI))));
  auto rec = c->ReadRecord();
  ASSERT_TRUE(rec.has_value());
  auto r = ParseReply(*rec);
  WireReader in(r->results);
  uint32_t uid, gid, ngids, peer_uid;
  ASSERT_TRUE(in.U32(&uid) && in.U32(&gid) && in.U32(&ngids) && in.U32(&peer_uid));
  EXPECT_EQ(peer_uid, static_cast<uint32_t>(getuid()));
  EXPECT_EQ(uid, 65534u);  // AUTH_NONE
  server_->Stop();
  EXPECT_NE(access(socket_path_.c_str(), F_OK), 0);  // removed on stop
}

TEST_F(EngineTest, RetransmittedNonIdempotentCallRunsOnce) {
  StartServer();
  auto c = RawConn::Tcp(port_);
  auto call = Frame(CallRecord(15, testing::kCount));
  ASSERT_TRUE(c->SendAll(call));
  auto first = c->ReadRecord();
  ASSERT_TRUE(c->SendAll(call));
  auto second = c->ReadRecord();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(state_.count.load(), 1u);
}

TEST_F(EngineTest, OutboundClientOverTcpAndUdp) {
  StartServer();
  auto addr = ParseAddress("127.0.0.1", 0);
  for (Transport t : {Transport::kTcp, Transport::kUdp}) {
    const uint16_t port = t == Transport::kTcp ? port_ : udp_port_;
    auto client = RpcClient::Create(*addr, port, kTestProg, 1, t, std::chrono::seconds(2));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    u_int arg = 41, res = 0;
    ASSERT_TRUE((*client)
                    ->Call(testing::kEcho, reinterpret_cast<xdrproc_t>(xdr_u_int), &arg,
                           reinterpret_cast<xdrproc_t>(xdr_u_int), &res, std::chrono::seconds(2))
                    .ok());
    EXPECT_EQ(res, 42u);
    // The server's errors come back as Status codes.
    Status s =
        (*client)->Call(99, reinterpret_cast<xdrproc_t>(xdr_u_int), &arg,
                        reinterpret_cast<xdrproc_t>(xdr_u_int), &res, std::chrono::seconds(2));
    EXPECT_EQ(s.code(), Status::Code::kNotSupported) << s.ToString();
    // One-way send: the handler runs, nothing comes back.
    const uint32_t before = state_.count.load();
    ASSERT_TRUE((*client)->Send(testing::kNoReply, XdrVoid(), nullptr).ok());
    for (int i = 0; i < 100 && state_.count.load() == before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(state_.count.load(), before + 1);
  }
  // Nobody listening: a transient error, not a hang.
  auto none = RpcClient::Create(*addr, 1, kTestProg, 1, Transport::kTcp, std::chrono::seconds(1));
  EXPECT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kBusy);
}

// A socket of `type` listening on 127.0.0.1 (an ephemeral port), and that port.
std::pair<int, uint16_t> LoopbackSocket(int type) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      (type == SOCK_STREAM && listen(fd, 4) != 0) ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return {-1, 0};
  }
  return {fd, ntohs(a.sin_port)};
}

// A gateway speaking for a service address it took over sends from that address: the
// peer sees it as the caller, over UDP and TCP. (127.0.0.2 is on loopback too.)
TEST(RpcClientSourceTest, CallsGoOutFromTheGivenSourceAddress) {
  auto to = ParseAddress("127.0.0.1", 0);
  auto source = ParseAddress("127.0.0.2", 0);
  ASSERT_TRUE(to.ok() && source.ok());

  auto [udp, udp_port] = LoopbackSocket(SOCK_DGRAM);
  ASSERT_GE(udp, 0);
  auto client = RpcClient::Create(*to, udp_port, kTestProg, 1, Transport::kUdp,
                                  std::chrono::seconds(2), &*source);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_TRUE((*client)->Send(testing::kNull, XdrVoid(), nullptr).ok());
  pollfd p{udp, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  char buf[512];
  sockaddr_storage from{};
  socklen_t from_len = sizeof(from);
  ASSERT_GT(recvfrom(udp, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len), 0);
  EXPECT_EQ(HostText(from), "127.0.0.2");
  close(udp);

  auto [tcp, tcp_port] = LoopbackSocket(SOCK_STREAM);
  ASSERT_GE(tcp, 0);
  client = RpcClient::Create(*to, tcp_port, kTestProg, 1, Transport::kTcp, std::chrono::seconds(2),
                             &*source);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  from_len = sizeof(from);
  const int conn = accept(tcp, reinterpret_cast<sockaddr*>(&from), &from_len);
  ASSERT_GE(conn, 0);
  EXPECT_EQ(HostText(from), "127.0.0.2");
  close(conn);
  close(tcp);

  // A source that is not this host's, or of the other family, is refused before sending.
  auto foreign = ParseAddress("192.0.2.1", 0);
  auto v6 = ParseAddress("::1", 0);
  ASSERT_TRUE(foreign.ok() && v6.ok());
  EXPECT_EQ(RpcClient::Create(*to, udp_port, kTestProg, 1, Transport::kUdp, std::chrono::seconds(1),
                              &*foreign)
                .status()
                .code(),
            Status::Code::kIoError);
  EXPECT_EQ(
      RpcClient::Create(*to, udp_port, kTestProg, 1, Transport::kUdp, std::chrono::seconds(1), &*v6)
          .status()
          .code(),
      Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace volumed::rpc
