#include "top_command.h"

#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "admin_command.h"
#include "base/socket_address.h"
#include "progress.h"

namespace volumectl {
namespace {

using volumed::metrics::ParsedSample;

constexpr const char* kDefaultHttp = "127.0.0.1:9049";

// Sums of `family` by the value of label `by` (and optionally only where `where` holds).
std::map<std::string, double> SumBy(const std::vector<ParsedSample>& samples,
                                    const std::string& family, const std::vector<std::string>& by,
                                    const std::pair<std::string, std::string>& where = {}) {
  std::map<std::string, double> out;
  for (const ParsedSample& s : samples) {
    if (s.name != family) continue;
    if (!where.first.empty()) {
      auto it = s.labels.find(where.first);
      if (it == s.labels.end() || it->second != where.second) continue;
    }
    std::string key;
    for (const std::string& label : by) {
      auto it = s.labels.find(label);
      key += (key.empty() ? "" : " ") + (it == s.labels.end() ? std::string() : it->second);
    }
    out[key] += s.value;
  }
  return out;
}

// Per-second rates of the counters in `after` against `before` (a counter that went
// down — a server restart — counts from zero).
std::map<std::string, double> Rates(const std::map<std::string, double>& before,
                                    const std::map<std::string, double>& after, double seconds) {
  std::map<std::string, double> out;
  for (const auto& [key, value] : after) {
    auto it = before.find(key);
    const double base = it == before.end() || it->second > value ? 0 : it->second;
    out[key] = seconds > 0 ? (value - base) / seconds : 0;
  }
  return out;
}

std::vector<std::pair<std::string, double>> Busiest(const std::map<std::string, double>& rates,
                                                    size_t max) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [key, rate] : rates) {
    if (rate > 0) out.emplace_back(key, rate);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  if (out.size() > max) out.resize(max);
  return out;
}

CliResult<std::vector<ParsedSample>> Scrape(httplib::Client& client, const std::string& source) {
  auto res = client.Get("/metrics");
  if (!res) {
    return Fail(Exit::kNoServer, "cannot fetch http://" + source + "/metrics (" +
                                     httplib::to_string(res.error()) +
                                     "); is volumed running with --http " + source + "?");
  }
  if (res->status != 200) {
    return Fail(Exit::kFailure,
                fmt::format("http://{}/metrics answered HTTP {}", source, res->status));
  }
  auto samples = volumed::metrics::ParseExposition(res->body);
  if (!samples.ok()) {
    return Fail(Exit::kFailure, "http://" + source + "/metrics is not valid exposition text: " +
                                    samples.status().message());
  }
  return *samples;
}

struct TopOptions {
  std::string http = kDefaultHttp;
  double interval = 2;
  std::string volume;
  bool json = false;
  unsigned count = 0;  // 0: until interrupted
};

CliStatus TopCommand(const TopOptions& o) {
  auto target = volumed::ParseHostPort(o.http);
  if (!target.ok()) return Fail(Exit::kUsage, "--http: " + target.status().message());
  httplib::Client client(target->host, target->port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(10));
  const bool tty = !o.json && isatty(STDOUT_FILENO) == 1;

  auto previous = Scrape(client, o.http);
  if (!previous.ok()) return previous.status();
  auto previous_at = std::chrono::steady_clock::now();
  bool volume_seen = o.volume.empty();
  for (unsigned frame = 0; o.count == 0 || frame < o.count; ++frame) {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.interval));
    auto current = Scrape(client, o.http);
    if (!current.ok()) return current.status();
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - previous_at).count();
    const TopFrame top = ComputeTop(*previous, *current, seconds, o.volume);
    if (!volume_seen && top.volumes.empty()) {
      return Fail(Exit::kNotFound, "volume '" + o.volume + "' does not exist");
    }
    volume_seen = true;
    if (o.json) {
      PrintJson(TopJson(top));
    } else {
      // On a tty: cursor home and clear, so the frame is redrawn in place.
      fmt::print("{}{}", tty ? "\x1b[H\x1b[2J" : "", TopText(top, o.http));
    }
    std::fflush(stdout);
    previous = std::move(current);
    previous_at = now;
  }
  return CliStatus::Ok();
}

}  // namespace

TopFrame ComputeTop(const std::vector<ParsedSample>& before, const std::vector<ParsedSample>& after,
                    double seconds, const std::string& volume) {
  TopFrame f;
  f.interval_seconds = seconds;
  const auto calls =
      Rates(SumBy(before, "volumed_rpc_calls_total", {"program", "procedure"}),
            SumBy(after, "volumed_rpc_calls_total", {"program", "procedure"}), seconds);
  for (const auto& [key, rate] : calls) f.calls_per_second += rate;
  f.procedures = Busiest(calls, 10);

  const auto read = Rates(SumBy(before, "volumed_volume_read_bytes_total", {"volume"}),
                          SumBy(after, "volumed_volume_read_bytes_total", {"volume"}), seconds);
  const auto written =
      Rates(SumBy(before, "volumed_volume_written_bytes_total", {"volume"}),
            SumBy(after, "volumed_volume_written_bytes_total", {"volume"}), seconds);
  const auto used = SumBy(after, "volumed_volume_used_bytes", {"volume"});
  const auto quota = SumBy(after, "volumed_volume_quota_bytes", {"volume"});
  const auto mounts = SumBy(after, "volumed_volume_mounts", {"volume"});
  const auto held = SumBy(after, "volumed_volume_locks_held", {"volume"});
  const auto waiting = SumBy(after, "volumed_volume_locks_waiting", {"volume"});
  for (const auto& [name, unused] : SumBy(after, "volumed_volume_info", {"volume"})) {
    if (!volume.empty() && name != volume) continue;
    TopVolume v;
    v.name = name;
    auto get = [&](const std::map<std::string, double>& m, double fallback) {
      auto it = m.find(name);
      return it == m.end() ? fallback : it->second;
    };
    v.read_bytes_per_second = get(read, 0);
    v.written_bytes_per_second = get(written, 0);
    v.used_bytes = get(used, -1);
    v.quota_bytes = get(quota, 0);
    v.mounts = get(mounts, 0);
    v.locks_held = get(held, 0);
    v.locks_waiting = get(waiting, 0);
    const std::pair<std::string, std::string> where{"volume", name};
    const auto per_procedure =
        Rates(SumBy(before, "volumed_volume_nfs_calls_total", {"procedure"}, where),
              SumBy(after, "volumed_volume_nfs_calls_total", {"procedure"}, where), seconds);
    for (const auto& [proc, rate] : per_procedure) v.calls_per_second += rate;
    v.procedures = Busiest(per_procedure, volume.empty() ? 3 : 22);
    f.volumes.push_back(std::move(v));
  }
  return f;
}

Json TopJson(const TopFrame& f) {
  Json doc;
  doc["interval_seconds"] = f.interval_seconds;
  doc["calls_per_second"] = f.calls_per_second;
  Json procedures = Json::object();
  for (const auto& [name, rate] : f.procedures) procedures[name] = rate;
  doc["procedures"] = procedures;
  Json volumes = Json::array();
  for (const TopVolume& v : f.volumes) {
    Json j;
    j["name"] = v.name;
    j["calls_per_second"] = v.calls_per_second;
    j["read_bytes_per_second"] = v.read_bytes_per_second;
    j["written_bytes_per_second"] = v.written_bytes_per_second;
    j["used_bytes"] = v.used_bytes < 0 ? Json() : Json(v.used_bytes);
    j["quota_bytes"] = v.quota_bytes == 0 ? Json() : Json(v.quota_bytes);
    j["mounts"] = v.mounts;
    j["locks_held"] = v.locks_held;
    j["locks_waiting"] = v.locks_waiting;
    Json procs = Json::object();
    for (const auto& [name, rate] : v.procedures) procs[name] = rate;
    j["procedures"] = procs;
    volumes.push_back(j);
  }
  doc["volumes"] = volumes;
  return doc;
}

std::string TopText(const TopFrame& f, const std::string& source) {
  std::string out = fmt::format("volumed at {} — {:.1f} calls/s (over {:.1f} s)\n\n", source,
                                f.calls_per_second, f.interval_seconds);
  out += fmt::format("{:<28} {:>12}\n", "PROCEDURE", "CALLS/S");
  for (const auto& [name, rate] : f.procedures)
    out += fmt::format("{:<28} {:>12.1f}\n", name, rate);
  if (f.procedures.empty()) out += "(idle)\n";
  out += fmt::format("\n{:<24} {:>10} {:>10} {:>10} {:>19} {:>6} {:>6}  {}\n", "VOLUME", "CALLS/S",
                     "READ/S", "WRITE/S", "USED / QUOTA", "MOUNTS", "LOCKS", "BUSIEST");
  for (const TopVolume& v : f.volumes) {
    std::string used = v.used_bytes < 0 ? "-" : HumanBytes(static_cast<uint64_t>(v.used_bytes));
    if (v.quota_bytes > 0) used += " / " + HumanBytes(static_cast<uint64_t>(v.quota_bytes));
    std::string busiest;
    for (const auto& [name, rate] : v.procedures) {
      busiest += fmt::format("{}{} {:.0f}/s", busiest.empty() ? "" : ", ", name, rate);
    }
    out +=
        fmt::format("{:<24} {:>10.1f} {:>10} {:>10} {:>19} {:>6} {:>6}  {}\n", v.name,
                    v.calls_per_second, HumanBytes(static_cast<uint64_t>(v.read_bytes_per_second)),
                    HumanBytes(static_cast<uint64_t>(v.written_bytes_per_second)), used, v.mounts,
                    v.locks_waiting > 0 ? fmt::format("{}+{}", v.locks_held, v.locks_waiting)
                                        : fmt::format("{}", v.locks_held),
                    busiest);
  }
  return out;
}

void AddTopCommand(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<TopOptions>();
  CLI::App* c = app.add_subcommand(
      "top", "live calls/s, throughput, usage, mounts and locks from volumed's /metrics");
  c->add_option("--http", o->http, "the server's --http address (HOST:PORT)")
      ->envname("VOLUMED_HTTP")
      ->capture_default_str();
  c->add_option("--interval", o->interval, "seconds between frames")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  c->add_option("--volume", o->volume, "show only this volume, with all its procedures");
  c->add_option("--count", o->count, "stop after this many frames (default: until interrupted)");
  AddJsonFlag(c, o->json);
  c->callback([&ctx, o] { ctx.Finish(TopCommand(*o)); });
}

}  // namespace volumectl
