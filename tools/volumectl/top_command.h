// `volumectl top`: volumed's live figures in a terminal — calls per second by procedure,
// and per volume its read/write throughput, usage, mounts and locks — refreshed in place
// every --interval seconds on a tty (plain ANSI), or one JSON object per interval with
// --json. It reads the server's Prometheus /metrics over HTTP (volumed --http; the
// strict reader metrics/exposition_reader.h), so it needs no admin rights and works from
// any host that may reach that port. Rates are the difference of two scrapes divided by
// the time between them.
//
// Thread-safety: main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli_context.h"
#include "json_output.h"
#include "metrics/exposition_reader.h"

namespace volumectl {

struct TopVolume {
  std::string name;
  double read_bytes_per_second = 0;
  double written_bytes_per_second = 0;
  double calls_per_second = 0;
  double used_bytes = -1;  // -1: unknown
  double quota_bytes = 0;  // 0: none
  double mounts = 0;
  double locks_held = 0;
  double locks_waiting = 0;
  std::vector<std::pair<std::string, double>> procedures;  // NFS calls/s, busiest first
};

struct TopFrame {
  double interval_seconds = 0;
  double calls_per_second = 0;                             // every program
  std::vector<std::pair<std::string, double>> procedures;  // "nfs GETATTR", busiest first
  std::vector<TopVolume> volumes;                          // by name
};

// The rates between two scrapes `seconds` apart; only `volume` when it is not empty.
TopFrame ComputeTop(const std::vector<volumed::metrics::ParsedSample>& before,
                    const std::vector<volumed::metrics::ParsedSample>& after, double seconds,
                    const std::string& volume);
Json TopJson(const TopFrame& frame);
std::string TopText(const TopFrame& frame, const std::string& source);

void AddTopCommand(CLI::App& app, CliContext& ctx);

}  // namespace volumectl
