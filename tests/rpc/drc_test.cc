#include "rpc/drc.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

namespace volumed::rpc {
namespace {

CallContext Ctx(uint32_t xid, uint16_t port) {
  CallContext c;
  c.xid = xid;
  c.prog = 100003;
  c.vers = 3;
  c.proc = 8;
  auto* sin = reinterpret_cast<sockaddr_in*>(&c.peer);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  sin->sin_addr.s_addr = htonl(0x7f000001);
  return c;
}

TEST(Drc, NewInProgressReplay) {
  DuplicateRequestCache drc(10, 1 << 20);
  const std::vector<uint8_t> args = {1, 2, 3, 4};
  const std::string key = DuplicateRequestCache::MakeKey(Ctx(1, 700), args);
  std::vector<uint8_t> reply;
  EXPECT_EQ(drc.Begin(key, &reply), DuplicateRequestCache::Lookup::kNew);
  EXPECT_EQ(drc.Begin(key, &reply), DuplicateRequestCache::Lookup::kInProgress);
  drc.Complete(key, {9, 9});
  EXPECT_EQ(drc.Begin(key, &reply), DuplicateRequestCache::Lookup::kReplay);
  EXPECT_EQ(reply, (std::vector<uint8_t>{9, 9}));
}

TEST(Drc, KeyCoversPeerProcedureAndArguments) {
  const std::vector<uint8_t> args = {1, 2, 3, 4};
  const std::string k = DuplicateRequestCache::MakeKey(Ctx(1, 700), args);
  EXPECT_NE(k, DuplicateRequestCache::MakeKey(Ctx(2, 700), args));
  EXPECT_NE(k, DuplicateRequestCache::MakeKey(Ctx(1, 701), args));
  CallContext other = Ctx(1, 700);
  other.proc = 9;
  EXPECT_NE(k, DuplicateRequestCache::MakeKey(other, args));
  EXPECT_NE(k, DuplicateRequestCache::MakeKey(Ctx(1, 700), std::vector<uint8_t>{1, 2, 3, 5}));
  EXPECT_EQ(k, DuplicateRequestCache::MakeKey(Ctx(1, 700), args));
}

TEST(Drc, AbandonForgets) {
  DuplicateRequestCache drc(10, 1 << 20);
  std::vector<uint8_t> reply;
  drc.Begin("k", &reply);
  drc.Abandon("k");
  EXPECT_EQ(drc.Begin("k", &reply), DuplicateRequestCache::Lookup::kNew);
}

TEST(Drc, EvictsOldestCompletedBeyondEntryBound) {
  DuplicateRequestCache drc(3, 1 << 20);
  std::vector<uint8_t> reply;
  for (int i = 0; i < 5; ++i) {
    const std::string key = "k" + std::to_string(i);
    drc.Begin(key, &reply);
    drc.Complete(key, {static_cast<uint8_t>(i)});
  }
  EXPECT_EQ(drc.size(), 3u);
  EXPECT_EQ(drc.Begin("k0", &reply), DuplicateRequestCache::Lookup::kNew);
  EXPECT_EQ(drc.Begin("k4", &reply), DuplicateRequestCache::Lookup::kReplay);
}

TEST(Drc, EvictsBeyondByteBoundButKeepsInProgress) {
  DuplicateRequestCache drc(100, 10);
  std::vector<uint8_t> reply;
  drc.Begin("busy", &reply);
  drc.Begin("a", &reply);
  drc.Complete("a", std::vector<uint8_t>(8));
  drc.Begin("b", &reply);
  drc.Complete("b", std::vector<uint8_t>(8));  // 16 > 10: "a" goes
  EXPECT_EQ(drc.Begin("a", &reply), DuplicateRequestCache::Lookup::kNew);
  EXPECT_EQ(drc.Begin("busy", &reply), DuplicateRequestCache::Lookup::kInProgress);
  EXPECT_EQ(drc.Begin("b", &reply), DuplicateRequestCache::Lookup::kReplay);
}

}  // namespace
}  // namespace volumed::rpc
