// metrics_bench [--calls N] [--threads T]: what the RPC call metrics add to one call, in
// isolation from the network and the machine's load: the time of CallMetrics::Observe
// (header read, slot lookup, in-flight count, the wrapped reply sink) plus the wrapped
// sink's run on a NULL reply (outcome decoding, counter, latency histogram, bytes), against
// the bare std::function sink the dispatcher would call without it. T threads hammer the
// same procedure's counters at once (the worst case for shared cache lines). Prints one
// line per variant; figures, not a test.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "rpc/call_metrics.h"
#include "rpc/procedure_table.h"

namespace {

using volumed::rpc::CallMetrics;
using volumed::rpc::Dispatcher;

std::vector<uint8_t> Words(std::initializer_list<uint32_t> words) {
  std::vector<uint8_t> out;
  for (uint32_t w : words) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(w >> shift));
  }
  return out;
}

// Nanoseconds per call of `one` over `calls` calls on each of `threads` threads.
template <typename Fn>
double NsPerCall(size_t calls, size_t threads, Fn one) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = 0; i < calls; ++i) one();
    });
  }
  for (auto& th : pool) th.join();
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return ns / static_cast<double>(calls);  // wall time per call of one thread
}

}  // namespace

int main(int argc, char** argv) {
  size_t calls = 2'000'000, threads = 1;
  CLI::App app{"metrics_bench: the cost of the RPC call metrics per call"};
  app.add_option("--calls", calls, "calls per thread")->capture_default_str();
  app.add_option("--threads", threads, "threads calling at once")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  static const volumed::rpc::Procedure kProcs[] = {volumed::rpc::NullProc(0)};
  CallMetrics::Global().AddProgram(
      {.prog = 100003, .vers = 3, .name = "nfs", .procedures = kProcs, .state = nullptr});
  const std::vector<uint8_t> record = Words({1, 0, 2, 100003, 3, 0, 0, 0, 0, 0});
  const std::vector<uint8_t> reply = Words({0, 1, 1, 0, 0, 0, 0});
  std::atomic<uint64_t> sunk{0};

  const double bare = NsPerCall(calls, threads, [&] {
    Dispatcher::ReplySink sink = [&](std::optional<volumed::rpc::Reply> r) {
      sunk.fetch_add(r->size(), std::memory_order_relaxed);
    };
    sink(reply);
  });
  const double observed = NsPerCall(calls, threads, [&] {
    Dispatcher::ReplySink sink = [&](std::optional<volumed::rpc::Reply> r) {
      sunk.fetch_add(r->size(), std::memory_order_relaxed);
    };
    CallMetrics::Global().Observe(record, std::move(sink))(reply);
  });
  std::printf("threads=%zu calls=%zu bare_sink_ns=%.1f observed_ns=%.1f metrics_ns_per_call=%.1f\n",
              threads, calls, bare, observed, observed - bare);
  return sunk.load() == 0 ? 1 : 0;
}
