// CallMetrics: the RPC engine's counters for /metrics — calls by program, version,
// procedure and outcome; latency histograms per program and procedure; request and reply
// bytes; calls in flight; stream connections by transport; duplicate-request-cache hits.
//
// One instance per process (Global()), like the process's own counters: the engine's
// hooks (one in Dispatcher::Add, one wrapping each call's reply sink in
// Dispatcher::Dispatch, two in the server's accept/close, one in the DRC) reach it
// without plumbing. Storage is fixed arrays indexed by program slot and procedure
// number, so the hot path does no map lookup, takes no lock and allocates nothing but the
// wrapped reply sink; every counter is a relaxed atomic.
//
// Outcome labels (bounded): for a successful reply of a procedure whose result carries a
// status (declared by its program: ProgramVersion::result_status — NFS v3 every
// procedure but NULL; MOUNT MNT; NLM TEST/LOCK/CANCEL/UNLOCK/GRANTED/SHARE/UNSHARE/
// NM_LOCK), that status's name ("NFS3ERR_NOENT", "DENIED"); for other successful replies
// "SUCCESS"; else the RPC accept or reject class:
// PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR, DENIED
// (MSG_DENIED: RPC_MISMATCH or AUTH_ERROR), NO_REPLY (the _MSG forms, dropped
// duplicates and undecodable headers), and UNKNOWN_STATUS for a status outside the
// program's list. Calls to programs not registered are counted under program "unknown".
//
// Thread-safety: AddProgram runs before serving (as Dispatcher::Add); it publishes a slot
// with a release store that the call path reads with acquire. Everything else is
// thread-safe and lock-free; WriteTo may run concurrently with calls.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/histogram.h"
#include "rpc/dispatcher.h"
#include "rpc/program.h"

namespace volumed::rpc {

class CallMetrics {
 public:
  static constexpr size_t kMaxSlots = 16;       // program versions; slot 0 = "unknown"
  static constexpr size_t kMaxProcedures = 64;  // procedure numbers >= 63 share the last
  static constexpr size_t kOutcomes = 48;

  static CallMetrics& Global();

  // Names the procedures of `pv` for the labels. Idempotent per (prog, vers); versions
  // beyond kMaxSlots are counted as "unknown".
  void AddProgram(const ProgramVersion& pv);

  // Counts the call in `record` as started and returns the sink that, when the reply is
  // given to it, counts the outcome, latency and bytes and then calls `sink`.
  Dispatcher::ReplySink Observe(std::span<const uint8_t> record, Dispatcher::ReplySink sink);

  void ConnectionOpened(Transport t);
  void ConnectionClosed(Transport t);
  void DrcHit(bool replayed);  // replayed: answered from the cache; else an in-progress drop

  // Appends every RPC family to `out`.
  void WriteTo(metrics::ExpositionWriter& out) const;

  // Calls of (prog, vers, proc) that ended in `outcome`, for `volumectl top` style readers
  // and tests: the sum over every outcome when `outcome` is empty.
  uint64_t Calls(uint32_t prog, uint32_t vers, uint32_t proc, std::string_view outcome = {}) const;
  // Every call counted so far.
  uint64_t TotalCalls() const;

 private:
  struct ProcedureStats {
    std::array<std::atomic<uint64_t>, kOutcomes> calls{};
    metrics::LatencyHistogram latency;
  };
  struct Slot {
    uint32_t prog = 0;
    uint32_t vers = 0;
    std::string name = "unknown";
    ResultStatus result_status;
    std::array<std::string, kMaxProcedures> procedures;  // empty = not in the table
    std::array<ProcedureStats, kMaxProcedures> stats;
    std::atomic<uint64_t> bytes_in{0};
    std::atomic<uint64_t> bytes_out{0};
  };

  size_t SlotOf(uint32_t prog, uint32_t vers) const;

  std::array<Slot, kMaxSlots> slots_;
  std::atomic<size_t> used_{1};  // slot 0 always exists
  std::atomic<int64_t> in_flight_{0};
  std::array<std::atomic<uint64_t>, 3> connections_accepted_{};  // by Transport
  std::array<std::atomic<int64_t>, 3> connections_open_{};
  std::atomic<uint64_t> drc_replays_{0};
  std::atomic<uint64_t> drc_in_progress_{0};
};

}  // namespace volumed::rpc
