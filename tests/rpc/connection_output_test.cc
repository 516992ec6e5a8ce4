// ConnectionOutput against a fake socket: the writer role (one sender at a time, handed to
// the reactor when the socket is full and taken back on EPOLLOUT), partial sends, the
// per-connection bounds and the starved hold as epoll interest, draining after the peer's
// EOF, failures and closes while a reply is being sent, and many completing threads at once.
#include "rpc/connection_output.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/big_endian.h"

namespace volumed::rpc {
namespace {

using Phase = ConnectionOutput::Phase;
using Writer = ConnectionOutput::Writer;

struct Interest {
  bool read;
  bool write;
  bool operator==(const Interest&) const = default;
};

class FakeSocket : public ConnectionOutput::Socket {
 public:
  enum class Mode { kAccept, kFull, kFail };

  ssize_t Send(std::span<const iovec> parts) override {
    EXPECT_EQ(senders_.fetch_add(1), 0) << "two threads sent at once";
    if (before_send_) before_send_();
    ssize_t result = -1;
    {
      std::lock_guard lock(mu_);
      ++send_calls_;
      if (script_) mode_ = script_();
      switch (mode_) {
        case Mode::kAccept: {
          size_t n = 0;
          for (const iovec& part : parts) {
            const size_t take = std::min(part.iov_len, chunk_ - n);
            const auto* base = static_cast<const uint8_t*>(part.iov_base);
            wire_.insert(wire_.end(), base, base + take);
            n += take;
          }
          result = static_cast<ssize_t>(n);
          break;
        }
        case Mode::kFull:
          result = 0;
          break;
        case Mode::kFail:
          result = -1;
          break;
      }
    }
    senders_.fetch_sub(1);
    return result;
  }
  void SetInterest(bool read, bool write) override {
    std::lock_guard lock(mu_);
    interests_.push_back({read, write});
  }
  void Shutdown() override { shutdowns_++; }

  void set_mode(Mode m) {
    std::lock_guard lock(mu_);
    mode_ = m;
  }
  // Bytes accepted per Send at most.
  void set_chunk(size_t n) {
    std::lock_guard lock(mu_);
    chunk_ = n;
  }
  // Picks the mode before every Send (called under the socket's lock).
  void set_script(std::function<Mode()> script) { script_ = std::move(script); }
  void set_before_send(std::function<void()> hook) { before_send_ = std::move(hook); }

  std::vector<uint8_t> wire() const {
    std::lock_guard lock(mu_);
    return wire_;
  }
  std::vector<Interest> interests() const {
    std::lock_guard lock(mu_);
    return interests_;
  }
  Interest last_interest() const {
    std::lock_guard lock(mu_);
    return interests_.empty() ? Interest{true, false} : interests_.back();
  }
  int send_calls() const {
    std::lock_guard lock(mu_);
    return send_calls_;
  }
  int shutdowns() const { return shutdowns_.load(); }

 private:
  mutable std::mutex mu_;
  Mode mode_ = Mode::kAccept;
  size_t chunk_ = SIZE_MAX;
  std::function<Mode()> script_;
  std::function<void()> before_send_;
  std::vector<uint8_t> wire_;
  std::vector<Interest> interests_;
  int send_calls_ = 0;
  std::atomic<int> senders_{0};
  std::atomic<int> shutdowns_{0};
};

// A reply the wire can be checked against: index (4 bytes), body length (4), body bytes.
std::vector<uint8_t> TestReply(uint32_t index, uint32_t body_len) {
  std::vector<uint8_t> r(8 + body_len, static_cast<uint8_t>(index));
  StoreBigEndian(r.data(), index);
  StoreBigEndian(r.data() + 4, body_len);
  return r;
}

// The replies on the wire, in order; fails the test when one is cut or interleaved.
std::vector<uint32_t> ParseWire(const std::vector<uint8_t>& wire) {
  std::vector<uint32_t> indexes;
  size_t at = 0;
  while (at < wire.size()) {
    if (wire.size() - at < 8) {
      ADD_FAILURE() << "cut header at " << at;
      break;
    }
    const uint32_t index = LoadBigEndian<uint32_t>(wire.data() + at);
    const uint32_t len = LoadBigEndian<uint32_t>(wire.data() + at + 4);
    at += 8;
    if (wire.size() - at < len) {
      ADD_FAILURE() << "cut body of reply " << index;
      break;
    }
    for (uint32_t i = 0; i < len; ++i) {
      if (wire[at + i] != static_cast<uint8_t>(index)) {
        ADD_FAILURE() << "reply " << index << " interleaved at byte " << i;
        return indexes;
      }
    }
    at += len;
    indexes.push_back(index);
  }
  return indexes;
}

class ConnectionOutputTest : public ::testing::Test {
 protected:
  static constexpr size_t kMaxCalls = 4;
  static constexpr size_t kMaxQueued = 100;
  FakeSocket socket_;
  ConnectionOutput out_{&socket_, {kMaxCalls, kMaxQueued}};
};

TEST_F(ConnectionOutputTest, ReplyWithTheRoleFreeIsSentOnTheCallingThread) {
  out_.AddCalls(1);
  EXPECT_EQ(out_.calls_in_flight(), 1u);
  out_.Complete(TestReply(7, 20));
  EXPECT_EQ(ParseWire(socket_.wire()), std::vector<uint32_t>{7});
  EXPECT_EQ(out_.writer(), Writer::kNone);
  EXPECT_EQ(out_.queued_bytes(), 0u);
  EXPECT_EQ(out_.calls_in_flight(), 0u);
  EXPECT_TRUE(out_.Idle());
  EXPECT_TRUE(socket_.interests().empty());  // reading all along, never EPOLLOUT
}

TEST_F(ConnectionOutputTest, CallWithoutReplySendsNothing) {
  out_.AddCalls(1);
  out_.Complete(std::nullopt);
  EXPECT_EQ(socket_.send_calls(), 0);
  EXPECT_TRUE(out_.Idle());
}

TEST_F(ConnectionOutputTest, PartialSendsCarryOnUntilTheReplyIsOut) {
  socket_.set_chunk(3);
  out_.AddCalls(2);
  out_.Complete(TestReply(1, 10));
  out_.Complete(TestReply(2, 5));
  EXPECT_EQ(ParseWire(socket_.wire()), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(socket_.send_calls(), 6 + 5);  // 18 bytes and 13 bytes, 3 at a time
}

// A reply whose body is referenced, not copied (reply.h): the TestReply layout with the
// body encoded as a fixed opaque of `body_len` (a multiple of 4, at least
// Reply::kMinReferencedBytes) bytes of `body`.
Reply ReferencingReply(uint32_t index, std::string* body) {
  std::vector<uint8_t> head(8);
  StoreBigEndian(head.data(), index);
  StoreBigEndian(head.data() + 4, static_cast<uint32_t>(body->size()));
  Reply reply(std::move(head));
  auto encode = [](XDR* xdrs, std::string* bytes) -> bool_t {
    return xdr_opaque(xdrs, bytes->data(), static_cast<u_int>(bytes->size()));
  };
  EXPECT_TRUE(reply.AppendXdr(reinterpret_cast<xdrproc_t>(+encode), body));
  EXPECT_TRUE(reply.references());
  return reply;
}

TEST_F(ConnectionOutputTest, ReferencedBodyGoesOutWholeAcrossPartialSends) {
  std::string body(4096, static_cast<char>(5));
  socket_.set_chunk(1000);
  out_.AddCalls(2);
  out_.Complete(ReferencingReply(5, &body));
  out_.Complete(TestReply(6, 3));
  EXPECT_EQ(ParseWire(socket_.wire()), (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(out_.queued_bytes(), 0u);
}

TEST_F(ConnectionOutputTest, RepliesQueuedBehindTheFrontLeaveInOneSend) {
  std::string body(2048, static_cast<char>(2));
  socket_.set_mode(FakeSocket::Mode::kFull);
  out_.AddCalls(3);
  out_.Complete(TestReply(1, 8));
  EXPECT_EQ(out_.writer(), Writer::kAwaitingWritable);
  out_.Complete(ReferencingReply(2, &body));
  out_.Complete(TestReply(3, 5));
  socket_.set_mode(FakeSocket::Mode::kAccept);
  const int sends = socket_.send_calls();
  out_.OnWritable();
  EXPECT_EQ(ParseWire(socket_.wire()), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(socket_.send_calls() - sends, 1);
  EXPECT_TRUE(out_.Idle());
}

TEST_F(ConnectionOutputTest, FullSocketHandsTheRoleToTheReactorUntilWritable) {
  socket_.set_chunk(4);
  socket_.set_script(
      [n = 0]() mutable { return ++n == 2 ? FakeSocket::Mode::kFull : FakeSocket::Mode::kAccept; });
  out_.AddCalls(3);
  out_.Complete(TestReply(1, 8));  // 4 bytes out, then the socket is full
  EXPECT_EQ(out_.writer(), Writer::kAwaitingWritable);
  EXPECT_EQ(socket_.last_interest(), (Interest{true, true}));
  EXPECT_EQ(socket_.wire().size(), 4u);

  // Replies completed meanwhile wait for the role: this thread does not send.
  const int sends = socket_.send_calls();
  out_.Complete(TestReply(2, 3));
  EXPECT_EQ(socket_.send_calls(), sends);
  EXPECT_EQ(out_.queued_bytes(), TestReply(1, 8).size() + TestReply(2, 3).size());

  out_.OnWritable();
  EXPECT_EQ(ParseWire(socket_.wire()), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(out_.writer(), Writer::kNone);
  EXPECT_EQ(socket_.last_interest(), (Interest{true, false}));
  EXPECT_EQ(out_.queued_bytes(), 0u);

  // EPOLLOUT without a waiting role (a stale event) does nothing.
  out_.OnWritable();
  EXPECT_EQ(out_.writer(), Writer::kNone);
  out_.Complete(TestReply(3, 1));
  EXPECT_EQ(ParseWire(socket_.wire()), (std::vector<uint32_t>{1, 2, 3}));
}

TEST_F(ConnectionOutputTest, CallsInFlightBoundHoldsReading) {
  out_.AddCalls(kMaxCalls - 1);
  EXPECT_TRUE(out_.reading());
  out_.AddCalls(1);
  EXPECT_FALSE(out_.reading());
  EXPECT_EQ(socket_.last_interest(), (Interest{false, false}));
  out_.Complete(TestReply(1, 1));
  EXPECT_TRUE(out_.reading());
  EXPECT_EQ(socket_.last_interest(), (Interest{true, false}));
  EXPECT_EQ(socket_.interests().size(), 2u);  // handed to the socket only on change
}

TEST_F(ConnectionOutputTest, UnsentReplyBytesBoundHoldsReadingUntilDrained) {
  socket_.set_mode(FakeSocket::Mode::kFull);
  out_.AddCalls(2);
  out_.Complete(TestReply(1, kMaxQueued - 8));  // exactly at the bound: still read
  EXPECT_TRUE(out_.reading());
  out_.Complete(TestReply(2, 1));  // over it
  EXPECT_FALSE(out_.reading());
  EXPECT_EQ(socket_.last_interest(), (Interest{false, true}));
  socket_.set_mode(FakeSocket::Mode::kAccept);
  out_.OnWritable();
  EXPECT_TRUE(out_.reading());
  EXPECT_EQ(socket_.last_interest(), (Interest{true, false}));
}

TEST_F(ConnectionOutputTest, StarvedHoldsReadingUntilReleased) {
  out_.SetStarved(true);
  EXPECT_FALSE(out_.reading());
  EXPECT_EQ(socket_.last_interest(), (Interest{false, false}));
  out_.SetStarved(false);
  EXPECT_TRUE(out_.reading());
  EXPECT_EQ(socket_.last_interest(), (Interest{true, false}));
}

TEST_F(ConnectionOutputTest, PeerEofWithNothingOwedClosesAtOnce) {
  out_.AddCalls(1);
  out_.Complete(TestReply(1, 1));
  EXPECT_TRUE(out_.OnPeerEof());
  EXPECT_EQ(socket_.shutdowns(), 0);  // the reactor drops the connection itself
}

TEST_F(ConnectionOutputTest, PeerEofDrainsRepliesThenShutsTheSocketOnce) {
  out_.AddCalls(2);
  EXPECT_FALSE(out_.OnPeerEof());
  EXPECT_EQ(out_.phase(), Phase::kDraining);
  EXPECT_EQ(socket_.last_interest(), (Interest{false, false}));
  EXPECT_FALSE(out_.OnPeerEof());  // RDHUP after recv() saw the EOF: no change

  out_.Complete(TestReply(1, 4));
  EXPECT_EQ(socket_.shutdowns(), 0);
  out_.Complete(TestReply(2, 4));
  EXPECT_EQ(ParseWire(socket_.wire()), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(socket_.shutdowns(), 1);
  EXPECT_EQ(out_.phase(), Phase::kClosed);
  out_.Close();  // the reactor, on the EPOLLHUP that follows
  EXPECT_EQ(socket_.shutdowns(), 1);
}

TEST_F(ConnectionOutputTest, PeerEofWhileTheReactorHoldsTheRoleDrainsOnWritable) {
  socket_.set_mode(FakeSocket::Mode::kFull);
  out_.AddCalls(1);
  out_.Complete(TestReply(1, 4));
  EXPECT_FALSE(out_.OnPeerEof());  // a reply is still queued
  EXPECT_EQ(socket_.last_interest(), (Interest{false, true}));
  socket_.set_mode(FakeSocket::Mode::kAccept);
  out_.OnWritable();
  EXPECT_EQ(ParseWire(socket_.wire()), std::vector<uint32_t>{1});
  EXPECT_EQ(socket_.shutdowns(), 1);
}

TEST_F(ConnectionOutputTest, SendFailureClosesAndDropsEveryLaterReply) {
  socket_.set_mode(FakeSocket::Mode::kFail);
  out_.AddCalls(3);
  out_.Complete(TestReply(1, 4));
  EXPECT_EQ(out_.phase(), Phase::kClosed);
  EXPECT_EQ(socket_.shutdowns(), 1);
  EXPECT_EQ(out_.queued_bytes(), 0u);
  const size_t interests = socket_.interests().size();

  socket_.set_mode(FakeSocket::Mode::kAccept);
  out_.Complete(TestReply(2, 4));
  out_.Complete(TestReply(3, 4));
  EXPECT_TRUE(socket_.wire().empty());
  EXPECT_EQ(socket_.send_calls(), 1);
  EXPECT_EQ(socket_.interests().size(), interests);  // nothing after close
  EXPECT_TRUE(out_.Idle());
  EXPECT_TRUE(out_.OnPeerEof());  // closed: the reactor may drop it at once
}

TEST_F(ConnectionOutputTest, CloseWhileTheReactorHoldsTheRoleDropsTheQueue) {
  socket_.set_mode(FakeSocket::Mode::kFull);
  out_.AddCalls(1);
  out_.Complete(TestReply(1, 4));
  ASSERT_EQ(out_.writer(), Writer::kAwaitingWritable);
  const size_t interests = socket_.interests().size();
  out_.Close();
  EXPECT_EQ(out_.writer(), Writer::kNone);
  EXPECT_EQ(out_.queued_bytes(), 0u);
  socket_.set_mode(FakeSocket::Mode::kAccept);
  out_.OnWritable();
  EXPECT_TRUE(socket_.wire().empty());
  EXPECT_EQ(socket_.interests().size(), interests);
  EXPECT_EQ(socket_.shutdowns(), 0);  // the reactor shuts its own socket
}

TEST_F(ConnectionOutputTest, CloseWhileAnotherThreadSendsLetsThatWriterDropTheQueue) {
  std::promise<void> in_send, release;
  std::shared_future<void> released = release.get_future().share();
  bool first = true;
  socket_.set_chunk(4);
  socket_.set_before_send([&] {
    if (!first) return;
    first = false;
    in_send.set_value();
    released.wait();
  });
  out_.AddCalls(2);
  std::thread writer([&] { out_.Complete(TestReply(1, 8)); });
  in_send.get_future().wait();
  out_.Complete(TestReply(2, 8));  // queued behind the writer
  out_.Close();                    // the writer still reads the front: the queue stays for it
  EXPECT_EQ(out_.writer(), Writer::kSending);
  release.set_value();
  writer.join();
  EXPECT_EQ(socket_.wire().size(), 4u);  // the send under way, nothing after
  EXPECT_EQ(out_.writer(), Writer::kNone);
  EXPECT_EQ(out_.queued_bytes(), 0u);
  EXPECT_EQ(socket_.shutdowns(), 0);
}

TEST_F(ConnectionOutputTest, ManyCompletingThreadsNeverInterleaveReplies) {
  constexpr int kThreads = 6, kPerThread = 300;
  ConnectionOutput out(&socket_, {SIZE_MAX, SIZE_MAX});
  std::mt19937 rng(1234);
  std::mutex rng_mu;
  socket_.set_chunk(7);
  socket_.set_script([&] {
    std::lock_guard lock(rng_mu);
    return rng() % 5 == 0 ? FakeSocket::Mode::kFull : FakeSocket::Mode::kAccept;
  });
  out.AddCalls(kThreads * kPerThread);
  std::atomic<int> finished{0};
  std::thread reactor([&] {
    while (finished.load() < kThreads || !out.Idle()) {
      if (out.writer() == Writer::kAwaitingWritable) out.OnWritable();
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto index = static_cast<uint32_t>(t * kPerThread + i);
        out.Complete(TestReply(index, index % 41));
      }
      finished++;
    });
  }
  for (auto& w : workers) w.join();
  reactor.join();
  const std::vector<uint32_t> indexes = ParseWire(socket_.wire());
  EXPECT_EQ(indexes.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(std::set<uint32_t>(indexes.begin(), indexes.end()).size(), indexes.size());
  EXPECT_EQ(out.queued_bytes(), 0u);
  EXPECT_EQ(socket_.last_interest().write, false);
}

}  // namespace
}  // namespace volumed::rpc
