#include "load_driver.h"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <thread>

namespace volumed::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ClientOutcome {
  Status status;
  uint64_t units = 0;
  uint64_t items = 0;
  Clock::time_point end;
  Clock::duration finish{};
  std::vector<uint32_t> latencies_us;
};

// Keeps up to `depth` units in flight until the deadline passes, the workload runs out or
// a unit fails; then runs Finish.
void Drive(Workload& workload, Client& c, int depth, Clock::time_point deadline, bool timed,
           const std::atomic<bool>& abort, ClientOutcome* out) {
  int active = 0;
  bool stop = false;
  Status failure;
  while (true) {
    while (!stop && active < depth) {
      if (abort.load(std::memory_order_relaxed) || (timed && Clock::now() >= deadline)) {
        stop = true;
        break;
      }
      ++active;
      const Clock::time_point t0 = Clock::now();
      const auto started = workload.StartUnit(c, [&, t0](const Status& s, uint64_t items) {
        --active;
        if (!s.ok()) {
          if (failure.ok()) failure = s;
          stop = true;
          return;
        }
        ++out->units;
        out->items += items;
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
        out->latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
      });
      if (started == Workload::Started::kNoneLeft) {
        --active;
        stop = true;
      }
    }
    if (active == 0) break;
    Status s = c.nfs->Pump(100);
    if (!s.ok()) {
      out->status = s;
      return;
    }
  }
  if (!failure.ok()) {
    out->status = failure;
    return;
  }
  const Clock::time_point finish_start = Clock::now();
  out->status = workload.Finish(c);
  out->end = Clock::now();
  out->finish = out->end - finish_start;
}

}  // namespace

Result<RunResult> Run(Workload& workload, const RunOptions& options) {
  {
    VOLUMED_ASSIGN_OR_RETURN(auto conn, AsyncNfs::Connect(options.server));
    Client setup{-1, conn.get(), std::mt19937_64(12345)};
    VOLUMED_RETURN_IF_ERROR(workload.Setup(setup));
  }
  const int clients = std::max(1, options.clients);
  const int depth = std::clamp(options.in_flight, 1, workload.MaxInFlight());
  std::vector<ClientOutcome> outcomes(clients);
  std::atomic<bool> abort{false};
  Clock::time_point start;
  // Every client arrives once prepared (or failed); the last one to arrive starts the clock.
  std::barrier ready(clients, [&]() noexcept { start = Clock::now(); });
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i]() {
      ClientOutcome& out = outcomes[i];
      auto conn = AsyncNfs::Connect(options.server);
      Client c{i, conn.ok() ? conn->get() : nullptr, std::mt19937_64(1000003u * (i + 1))};
      out.status = conn.ok() ? workload.Prepare(c) : conn.status();
      if (!out.status.ok()) abort = true;
      ready.arrive_and_wait();
      if (abort) return;
      const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(options.seconds));
      Drive(workload, c, depth, deadline, options.seconds > 0, abort, &out);
      if (!out.status.ok()) abort = true;
    });
  }
  for (auto& t : threads) t.join();
  RunResult result;
  Clock::time_point end = start;
  for (ClientOutcome& out : outcomes) {
    if (!out.status.ok()) return out.status;
    result.units += out.units;
    result.items += out.items;
    end = std::max(end, out.end);
    const auto finish_us = std::chrono::duration_cast<std::chrono::microseconds>(out.finish);
    result.finish_us = std::max<uint64_t>(result.finish_us, finish_us.count());
    result.latencies_us.insert(result.latencies_us.end(), out.latencies_us.begin(),
                               out.latencies_us.end());
  }
  result.seconds = std::chrono::duration<double>(end - start).count();
  return result;
}

}  // namespace volumed::bench
