// NLM and NSM through libnfs's raw API (<nfsc/libnfs-raw.h>), as a third-party client
// sees volumed: programs found through rpcbind, TEST/LOCK/CANCEL/UNLOCK over NLM v4 and
// STAT/NOTIFY over NSM v1. Compiled apart from our own XDR headers: libnfs's NLM type
// names collide with ours.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>

// libnfs.h defines what the raw headers need, so it comes first.
// clang-format off
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nlm.h>
#include <nfsc/libnfs-raw-nsm.h>
// clang-format on

#include "support/server_process.h"
#include "volume_handle.h"

namespace volumed::nlmtest {
namespace {

struct Pending {
  bool done = false;
  int status = -1;
  std::function<void(void*)> on_result;
};

void Callback(rpc_context*, int status, void* data, void* priv) {
  auto* p = static_cast<Pending*>(priv);
  p->done = true;
  p->status = status;
  if (status == RPC_STATUS_SUCCESS && p->on_result) p->on_result(data);
}

// Drives `rpc` until the pending call completes (or 5 s pass).
bool Wait(rpc_context* rpc, Pending& p) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!p.done && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{rpc_get_fd(rpc), static_cast<short>(rpc_which_events(rpc)), 0};
    if (poll(&pfd, 1, 100) < 0) return false;
    if (rpc_service(rpc, pfd.revents) < 0) return false;
  }
  return p.done && p.status == RPC_STATUS_SUCCESS;
}

class Connection {
 public:
  Connection(int program, int version) : rpc_(rpc_init_context()) {
    Pending p;
    ok_ = rpc_connect_program_async(rpc_, "127.0.0.1", program, version, Callback, &p) == 0 &&
          Wait(rpc_, p);
  }
  ~Connection() { rpc_destroy_context(rpc_); }
  bool ok() const { return ok_; }
  rpc_context* get() { return rpc_; }

 private:
  rpc_context* rpc_;
  bool ok_ = false;
};

struct Lock {
  std::string host;
  unsigned svid;
  std::string oh;
};

nlm4_lock MakeLock(const std::string& fh, const Lock& l, uint64_t off, uint64_t len) {
  nlm4_lock out{};
  out.caller_name = const_cast<char*>(l.host.c_str());
  out.fh.data.data_len = static_cast<u_int>(fh.size());
  out.fh.data.data_val = const_cast<char*>(fh.data());
  out.oh = const_cast<char*>(l.oh.c_str());
  out.svid = l.svid;
  out.l_offset = off;
  out.l_len = len;
  return out;
}

class NlmLibnfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    volumed::testing::ServerProcessOptions opts;  // registered with rpcbind
    opts.extra_args = {"--volume", "locks"};
    auto server = volumed::testing::ServerProcess::Start(opts);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    fh_ = VolumeHandle("locks");
    ASSERT_FALSE(fh_.empty()) << "MNT /locks failed";
  }

  nlmstat4 LockCall(Connection& c, const Lock& l, uint64_t off, uint64_t len, bool block) {
    NLM4_LOCKargs args{};
    char cookie[] = "libnfs";
    args.cookie.data.data_len = 6;
    args.cookie.data.data_val = cookie;
    args.block = block;
    args.exclusive = 1;
    args.lock = MakeLock(fh_, l, off, len);
    args.state = 1;
    nlmstat4 stat = NLM4_FAILED;
    Pending p;
    p.on_result = [&](void* d) { stat = static_cast<NLM4_LOCKres*>(d)->status; };
    if (rpc_nlm4_lock_async(c.get(), Callback, &args, &p) != 0 || !Wait(c.get(), p)) {
      return NLM4_FAILED;
    }
    return stat;
  }

  std::unique_ptr<volumed::testing::ServerProcess> server_;
  std::string fh_;
};

TEST_F(NlmLibnfsTest, TestLockCancelUnlock) {
  Connection nlm(NLM_PROGRAM, NLM_V4);
  ASSERT_TRUE(nlm.ok()) << "NLM v4 not found through rpcbind";
  {
    Pending p;
    ASSERT_EQ(rpc_nlm4_null_async(nlm.get(), Callback, &p), 0);
    EXPECT_TRUE(Wait(nlm.get(), p));
  }
  const Lock a{"libnfs-a", 11, "oh-a"}, b{"libnfs-b", 22, "oh-b"};
  EXPECT_EQ(LockCall(nlm, a, 100, 50, false), NLM4_GRANTED);

  NLM4_TESTargs targs{};
  targs.exclusive = 1;
  targs.lock = MakeLock(fh_, b, 120, 1);
  nlmstat4 tstat = NLM4_FAILED;
  nlm4_holder holder{};
  std::string holder_oh;
  Pending tp;
  tp.on_result = [&](void* d) {
    auto* r = static_cast<NLM4_TESTres*>(d);
    tstat = r->reply.status;
    if (tstat == NLM4_DENIED) holder = r->reply.nlm4_testreply_u.lock.holder;
  };
  ASSERT_EQ(rpc_nlm4_test_async(nlm.get(), Callback, &targs, &tp), 0);
  ASSERT_TRUE(Wait(nlm.get(), tp));
  ASSERT_EQ(tstat, NLM4_DENIED);
  EXPECT_EQ(holder.svid, a.svid);
  EXPECT_EQ(holder.l_offset, 100u);
  EXPECT_EQ(holder.l_len, 50u);
  EXPECT_TRUE(holder.exclusive);

  EXPECT_EQ(LockCall(nlm, b, 120, 1, /*block=*/true), NLM4_BLOCKED);

  NLM4_CANCargs cargs{};
  cargs.block = 1;
  cargs.exclusive = 1;
  cargs.lock = MakeLock(fh_, b, 120, 1);
  nlmstat4 cstat = NLM4_FAILED;
  Pending cp;
  cp.on_result = [&](void* d) { cstat = static_cast<NLM4_CANCres*>(d)->status; };
  ASSERT_EQ(rpc_nlm4_cancel_async(nlm.get(), Callback, &cargs, &cp), 0);
  ASSERT_TRUE(Wait(nlm.get(), cp));
  EXPECT_EQ(cstat, NLM4_GRANTED);

  NLM4_UNLOCKargs uargs{};
  uargs.lock = MakeLock(fh_, a, 100, 50);
  nlmstat4 ustat = NLM4_FAILED;
  Pending up;
  up.on_result = [&](void* d) { ustat = static_cast<NLM4_UNLOCKres*>(d)->status; };
  ASSERT_EQ(rpc_nlm4_unlock_async(nlm.get(), Callback, &uargs, &up), 0);
  ASSERT_TRUE(Wait(nlm.get(), up));
  EXPECT_EQ(ustat, NLM4_GRANTED);

  // Cancelled, so nothing was granted to b: a third owner gets the range.
  EXPECT_EQ(LockCall(nlm, Lock{"libnfs-c", 33, "oh-c"}, 100, 50, false), NLM4_GRANTED);
}

TEST_F(NlmLibnfsTest, NsmStatAndNotify) {
  Connection nsm(NSM_PROGRAM, NSM_V1);
  ASSERT_TRUE(nsm.ok()) << "NSM v1 not found through rpcbind";
  NSM1_STATargs sargs{const_cast<char*>("libnfs-a")};
  int state = -1;
  nsmstat1 res = NSM_STAT_FAIL;
  Pending sp;
  sp.on_result = [&](void* d) {
    state = static_cast<NSM1_STATres*>(d)->state;
    res = static_cast<NSM1_STATres*>(d)->res;
  };
  ASSERT_EQ(rpc_nsm1_stat_async(nsm.get(), Callback, &sargs, &sp), 0);
  ASSERT_TRUE(Wait(nsm.get(), sp));
  EXPECT_EQ(res, NSM_STAT_SUCC);
  EXPECT_EQ(state % 2, 1);

  Connection nlm(NLM_PROGRAM, NLM_V4);
  ASSERT_TRUE(nlm.ok());
  const Lock a{"libnfs-a", 11, "oh-a"};
  ASSERT_EQ(LockCall(nlm, a, 0, 0, false), NLM4_GRANTED);
  NSM1_NOTIFYargs nargs{const_cast<char*>("libnfs-a"), 5};
  Pending np;
  ASSERT_EQ(rpc_nsm1_notify_async(nsm.get(), Callback, &nargs, &np), 0);
  ASSERT_TRUE(Wait(nsm.get(), np));
  EXPECT_EQ(LockCall(nlm, Lock{"libnfs-b", 22, "oh-b"}, 0, 0, false), NLM4_GRANTED);
}

}  // namespace
}  // namespace volumed::nlmtest
