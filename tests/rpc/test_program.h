// A test RPC program with one procedure per behaviour the engine must handle: echo,
// exceptions, failures, garbage, no reply, non-idempotent counting, sleeping (for
// parallelism), credential reflection and large results.
//
// Thread-safety: handlers are thread-safe.
#pragma once

#include <rpc/rpc.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "rpc/program.h"
#include "rpc/reply_gate.h"

namespace volumed::rpc::testing {

inline constexpr uint32_t kTestProg = 0x20000099;

// ECHO arguments from this value on are not light: they run on a worker.
inline constexpr uint32_t kHeavyEcho = 1000000;

enum TestProc : uint32_t {
  kNull = 0,
  kEcho = 1,       // u_int → u_int + 1  (on the reactor when idle, below kHeavyEcho)
  kThrows = 2,     // handler throws
  kFails = 3,      // handler returns kSystemError
  kGarbage = 4,    // handler returns kGarbageArgs
  kNoReply = 5,    // handler returns kNoReply
  kCount = 6,      // non-idempotent: returns how often it ran
  kBadResult = 7,  // the result cannot be encoded
  kSleep = 8,      // sleeps u_int milliseconds, returns the same number
  kWhoAmI = 9,     // returns uid, gid, ngids, local_peer_uid (4 u_int)
  kBig = 10,       // u_int n → opaque<> of n bytes (value i & 0xff)
  kGated = 11,     // non-idempotent u_int → u_int + 1, its reply waits for TestState::gates
  kRedirect = 12,  // non-idempotent u_int target → 0xdead, redirected to the target
};

struct TestState {
  std::atomic<uint32_t> count{0};
  std::atomic<uint32_t> running{0};
  std::atomic<uint32_t> max_running{0};
  // kGated: one entry per call whose reply waits; the test calls it to open the gate.
  std::mutex gate_mu;
  std::vector<ReplyGate::Done> gates;  // guarded by gate_mu
  // kEcho: the argument of each call and the thread that ran it, in the order they ran.
  std::mutex echo_mu;
  std::vector<std::pair<uint32_t, std::thread::id>> echoes;  // guarded by echo_mu
};

struct Blob {
  u_int len;
  char* val;
};
struct WhoAmI {
  u_int uid, gid, ngids;
  int local_peer_uid;
};

std::span<const Procedure> TestProcedures();
ProgramVersion TestProgram(uint32_t vers, TestState* state, bool tcp = true, bool udp = false);

bool_t XdrBlob(XDR* xdrs, Blob* b);
bool_t XdrWhoAmI(XDR* xdrs, WhoAmI* w);

}  // namespace volumed::rpc::testing
