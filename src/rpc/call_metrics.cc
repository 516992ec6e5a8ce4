#include "rpc/call_metrics.h"

#include <mutex>
#include <utility>

#include "base/big_endian.h"
#include "base/clock.h"
#include "rpc/call_codec.h"

namespace volumed::rpc {
namespace {

// Outcome indexes: the RPC classes, then the program's statuses from kFirstStatus on.
enum : size_t {
  kSuccess = 0,
  kProgUnavail,
  kProgMismatch,
  kProcUnavail,
  kGarbageArgs,
  kSystemErr,
  kDenied,
  kNoReply,
  kUnknownStatus,
  kFirstStatus,
};
constexpr std::array<const char*, kFirstStatus> kClassNames = {
    "SUCCESS",    "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL",  "GARBAGE_ARGS",
    "SYSTEM_ERR", "DENIED",       "NO_REPLY",      "UNKNOWN_STATUS"};

// The outcome of an encoded reply (call_codec.h's grammar, after the record-mark slot).
size_t OutcomeOf(const ResultStatus& status, uint32_t proc, const Reply* reply) {
  if (reply == nullptr) return kNoReply;
  // The status words lie before any referenced opaque part (reply.h).
  const std::span<const uint8_t> r = reply->head();
  auto word = [&](size_t at, uint32_t* out) {
    if (at + 4 > r.size()) return false;
    *out = LoadBigEndian<uint32_t>(r.data() + at);
    return true;
  };
  uint32_t reply_stat = 0, verf_len = 0, accept_stat = 0;
  if (!word(12, &reply_stat)) return kSystemErr;
  if (reply_stat != MSG_ACCEPTED) return kDenied;
  if (!word(20, &verf_len) || verf_len > kMaxAuthBytes) return kSystemErr;
  size_t at = 24 + ((verf_len + 3) & ~size_t{3});
  if (!word(at, &accept_stat)) return kSystemErr;
  at += 4;
  switch (accept_stat) {
    case SUCCESS:
      break;
    case PROG_UNAVAIL:
      return kProgUnavail;
    case PROG_MISMATCH:
      return kProgMismatch;
    case PROC_UNAVAIL:
      return kProcUnavail;
    case GARBAGE_ARGS:
      return kGarbageArgs;
    case SYSTEM_ERR:
      return kSystemErr;
  }
  if (accept_stat != SUCCESS) return kSystemErr;
  if (!status.Carries(proc)) return kSuccess;
  if (status.at == ResultStatus::At::kAfterCookie) {
    uint32_t cookie_len = 0;
    if (!word(at, &cookie_len) || cookie_len > r.size()) return kUnknownStatus;
    at += 4 + ((size_t{cookie_len} + 3) & ~size_t{3});
  }
  uint32_t value = 0;
  if (!word(at, &value)) return kUnknownStatus;
  for (size_t i = 0; i < status.names.size() && kFirstStatus + i < CallMetrics::kOutcomes; ++i) {
    if (status.names[i].value == value) return kFirstStatus + i;
  }
  return kUnknownStatus;
}

const char* OutcomeName(const ResultStatus& status, uint32_t proc, size_t outcome) {
  if (outcome < kFirstStatus) return kClassNames[outcome];
  const size_t i = outcome - kFirstStatus;
  return status.Carries(proc) && i < status.names.size() ? status.names[i].name : "UNKNOWN_STATUS";
}

size_t ProcIndex(uint32_t proc) {
  return proc < CallMetrics::kMaxProcedures ? proc : CallMetrics::kMaxProcedures - 1;
}

const char* TransportName(size_t t) {
  switch (static_cast<Transport>(t)) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kLocal:
      return "unix";
  }
  return "unknown";
}

std::mutex& AddMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

CallMetrics& CallMetrics::Global() {
  static CallMetrics* metrics = new CallMetrics();  // never destroyed: workers may outlive main
  return *metrics;
}

void CallMetrics::AddProgram(const ProgramVersion& pv) {
  std::lock_guard lock(AddMutex());
  const size_t used = used_.load(std::memory_order_relaxed);
  for (size_t i = 1; i < used; ++i) {
    if (slots_[i].prog == pv.prog && slots_[i].vers == pv.vers) return;
  }
  if (used == kMaxSlots) return;
  Slot& slot = slots_[used];
  slot.prog = pv.prog;
  slot.vers = pv.vers;
  slot.name = pv.name;
  slot.result_status = pv.result_status;
  // Labels must name one series: a second program calling itself the same adds its number.
  for (size_t i = 0; i < used; ++i) {
    if (slots_[i].name == slot.name && slots_[i].vers == slot.vers) {
      slot.name += "_" + std::to_string(pv.prog);
    }
  }
  for (const Procedure& p : pv.procedures) slot.procedures[ProcIndex(p.number)] = p.name;
  used_.store(used + 1, std::memory_order_release);
}

size_t CallMetrics::SlotOf(uint32_t prog, uint32_t vers) const {
  const size_t used = used_.load(std::memory_order_acquire);
  for (size_t i = 1; i < used; ++i) {
    if (slots_[i].prog == prog && slots_[i].vers == vers) return i;
  }
  return 0;
}

Dispatcher::ReplySink CallMetrics::Observe(std::span<const uint8_t> record,
                                           Dispatcher::ReplySink sink) {
  const CallNumbers call = PeekCallNumbers(record).value_or(CallNumbers{0, 0, 0});
  const uint32_t proc = call.proc;
  const size_t slot = SlotOf(call.prog, call.vers);
  slots_[slot].bytes_in.fetch_add(record.size(), std::memory_order_relaxed);
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  const int64_t start_ns = MonotonicNowNs();
  return [this, slot, proc, start_ns, sink = std::move(sink)](std::optional<Reply> reply) {
    const size_t outcome = OutcomeOf(slots_[slot].result_status, proc, reply ? &*reply : nullptr);
    ProcedureStats& stats = slots_[slot].stats[slot == 0 ? 0 : ProcIndex(proc)];
    stats.calls[outcome].fetch_add(1, std::memory_order_relaxed);
    stats.latency.Observe(metrics::kLatencyBoundsNs,
                          static_cast<uint64_t>(std::max<int64_t>(0, MonotonicNowNs() - start_ns)));
    if (reply) slots_[slot].bytes_out.fetch_add(reply->size(), std::memory_order_relaxed);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    sink(std::move(reply));
  };
}

void CallMetrics::ConnectionOpened(Transport t) {
  const auto i = static_cast<size_t>(t);
  connections_accepted_[i].fetch_add(1, std::memory_order_relaxed);
  connections_open_[i].fetch_add(1, std::memory_order_relaxed);
}

void CallMetrics::ConnectionClosed(Transport t) {
  connections_open_[static_cast<size_t>(t)].fetch_sub(1, std::memory_order_relaxed);
}

void CallMetrics::DrcHit(bool replayed) {
  (replayed ? drc_replays_ : drc_in_progress_).fetch_add(1, std::memory_order_relaxed);
}

uint64_t CallMetrics::Calls(uint32_t prog, uint32_t vers, uint32_t proc,
                            std::string_view outcome) const {
  const size_t slot = SlotOf(prog, vers);
  const ProcedureStats& stats = slots_[slot].stats[slot == 0 ? 0 : ProcIndex(proc)];
  uint64_t n = 0;
  for (size_t o = 0; o < kOutcomes; ++o) {
    if (outcome.empty() || outcome == OutcomeName(slots_[slot].result_status, proc, o)) {
      n += stats.calls[o].load(std::memory_order_relaxed);
    }
  }
  return n;
}

uint64_t CallMetrics::TotalCalls() const {
  const size_t used = used_.load(std::memory_order_acquire);
  uint64_t n = 0;
  for (size_t s = 0; s < used; ++s) {
    for (const ProcedureStats& stats : slots_[s].stats) {
      for (const auto& c : stats.calls) n += c.load(std::memory_order_relaxed);
    }
  }
  return n;
}

void CallMetrics::WriteTo(metrics::ExpositionWriter& out) const {
  using metrics::MetricType;
  const size_t used = used_.load(std::memory_order_acquire);
  auto procedure_name = [&](size_t slot, size_t proc) -> std::string {
    if (slot == 0) return "unknown";
    const std::string& name = slots_[slot].procedures[proc];
    return name.empty() ? "unknown" : name;
  };

  out.Family("volumed_rpc_calls_total", MetricType::kCounter,
             "RPC calls answered (or dropped), by program, version, procedure and outcome "
             "(NFS/MOUNT/NLM status, or the RPC accept/reject class).");
  for (size_t s = 0; s < used; ++s) {
    const Slot& slot = slots_[s];
    const std::string vers = std::to_string(slot.vers);
    for (size_t p = 0; p < kMaxProcedures; ++p) {
      for (size_t o = 0; o < kOutcomes; ++o) {
        const uint64_t n = slot.stats[p].calls[o].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out.Sample("volumed_rpc_calls_total",
                   {{"program", slot.name},
                    {"version", vers},
                    {"procedure", procedure_name(s, p)},
                    {"outcome", OutcomeName(slot.result_status, static_cast<uint32_t>(p), o)}},
                   static_cast<double>(n));
      }
    }
  }

  out.Family("volumed_rpc_call_duration_seconds", MetricType::kHistogram,
             "Time from a call's arrival at the dispatcher to its reply being handed to the "
             "transport (includes waiting for a sync when the reply promises durability).");
  const auto bounds = metrics::LatencyBoundsSeconds();
  for (size_t s = 0; s < used; ++s) {
    const Slot& slot = slots_[s];
    for (size_t p = 0; p < kMaxProcedures; ++p) {
      const auto snap = slot.stats[p].latency.Read();
      if (snap.total() == 0) continue;
      const std::string proc = procedure_name(s, p);
      const std::string vers = std::to_string(slot.vers);
      out.Histogram("volumed_rpc_call_duration_seconds",
                    {{"program", slot.name}, {"version", vers}, {"procedure", proc}}, bounds.data(),
                    snap.counts.data(), bounds.size(), static_cast<double>(snap.sum) / 1e9);
    }
  }

  out.Family("volumed_rpc_received_bytes_total", MetricType::kCounter,
             "Bytes of RPC call records received (without record marks), by program.");
  for (size_t s = 0; s < used; ++s) {
    out.Sample("volumed_rpc_received_bytes_total",
               {{"program", slots_[s].name}, {"version", std::to_string(slots_[s].vers)}},
               static_cast<double>(slots_[s].bytes_in.load(std::memory_order_relaxed)));
  }
  out.Family("volumed_rpc_sent_bytes_total", MetricType::kCounter,
             "Bytes of RPC replies sent (with the 4-byte record mark), by program.");
  for (size_t s = 0; s < used; ++s) {
    out.Sample("volumed_rpc_sent_bytes_total",
               {{"program", slots_[s].name}, {"version", std::to_string(slots_[s].vers)}},
               static_cast<double>(slots_[s].bytes_out.load(std::memory_order_relaxed)));
  }

  out.Family("volumed_rpc_calls_in_flight", MetricType::kGauge,
             "RPC calls received and not yet answered.");
  out.Sample("volumed_rpc_calls_in_flight", {},
             static_cast<double>(in_flight_.load(std::memory_order_relaxed)));

  out.Family("volumed_rpc_connections_accepted_total", MetricType::kCounter,
             "Stream connections accepted, by transport (tcp, unix).");
  for (size_t t = 0; t < connections_accepted_.size(); ++t) {
    if (static_cast<Transport>(t) == Transport::kUdp) continue;
    out.Sample("volumed_rpc_connections_accepted_total", {{"transport", TransportName(t)}},
               static_cast<double>(connections_accepted_[t].load(std::memory_order_relaxed)));
  }
  out.Family("volumed_rpc_connections_open", MetricType::kGauge,
             "Stream connections open now, by transport (tcp, unix).");
  for (size_t t = 0; t < connections_open_.size(); ++t) {
    if (static_cast<Transport>(t) == Transport::kUdp) continue;
    out.Sample("volumed_rpc_connections_open", {{"transport", TransportName(t)}},
               static_cast<double>(connections_open_[t].load(std::memory_order_relaxed)));
  }

  out.Family("volumed_rpc_drc_hits_total", MetricType::kCounter,
             "Retransmitted non-idempotent calls caught by the duplicate-request cache: "
             "replayed (answered from the cache) or in_progress (dropped while the original "
             "still runs).");
  out.Sample("volumed_rpc_drc_hits_total", {{"result", "replayed"}},
             static_cast<double>(drc_replays_.load(std::memory_order_relaxed)));
  out.Sample("volumed_rpc_drc_hits_total", {{"result", "in_progress"}},
             static_cast<double>(drc_in_progress_.load(std::memory_order_relaxed)));
}

}  // namespace volumed::rpc
