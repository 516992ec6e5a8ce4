// The monitor's pieces without a server: the exposition writer against the strict checker
// (and the checker against broken texts), the RPC outcome decoding of CallMetrics, the
// per-volume activity table, the pages' escaping, and --http's address parsing.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/exposition_reader.h"
#include "metrics/volume_activity.h"
#include "monitor/http_listener.h"
#include "monitor/pages.h"
#include "rpc/call_metrics.h"
#include "rpc/procedure_table.h"

namespace volumed::testing {
namespace {

using metrics::CheckExposition;
using metrics::Series;
using metrics::ValueOr0;

using metrics::ExpositionWriter;
using metrics::MetricType;

TEST(ExpositionWriterTest, OutputPassesTheStrictCheckAndEscapesLabelValues) {
  ExpositionWriter w;
  ASSERT_TRUE(w.Family("volumed_things_total", MetricType::kCounter, "Things.\nSecond line \\."));
  w.Sample("volumed_things_total", {{"volume", "a\"b\\c\nd"}}, 3);
  w.Sample("volumed_things_total", {{"volume", "plain"}}, 0);
  ASSERT_TRUE(w.Family("volumed_wait_seconds", MetricType::kHistogram, "Waits."));
  const double bounds[] = {0.5, 1};
  const uint64_t counts[] = {2, 0, 1};
  w.Histogram("volumed_wait_seconds", {{"op", "x"}}, bounds, counts, 2, 2.25);
  EXPECT_FALSE(w.Family("volumed_things_total", MetricType::kCounter, "again"));
  EXPECT_EQ(w.errors(), 1u);

  auto series = CheckExposition(w.text());
  ASSERT_TRUE(series.ok()) << series.status().ToString() << "\n" << w.text();
  EXPECT_EQ(series->at("volumed_things_total{volume=\"a\"b\\c\nd\"}"), 3);
  EXPECT_EQ(series->at("volumed_wait_seconds_bucket{le=\"0.5\",op=\"x\"}"), 2);
  EXPECT_EQ(series->at("volumed_wait_seconds_bucket{le=\"1\",op=\"x\"}"), 2);
  EXPECT_EQ(series->at("volumed_wait_seconds_bucket{le=\"+Inf\",op=\"x\"}"), 3);
  EXPECT_EQ(series->at("volumed_wait_seconds_count{op=\"x\"}"), 3);
  EXPECT_EQ(series->at("volumed_wait_seconds_sum{op=\"x\"}"), 2.25);
}

TEST(ExpositionCheckTest, RejectsWhatTheFormatForbids) {
  const std::string head = "# HELP volumed_x_total X.\n# TYPE volumed_x_total counter\n";
  EXPECT_TRUE(CheckExposition(head + "volumed_x_total 1\n").ok());
  // Duplicate series (same labels in another order).
  EXPECT_FALSE(CheckExposition(head + "volumed_x_total{a=\"1\",b=\"2\"} 1\n"
                                      "volumed_x_total{b=\"2\",a=\"1\"} 1\n")
                   .ok());
  EXPECT_FALSE(CheckExposition(head + "volumed_x_total{a=\"\\t\"} 1\n").ok());  // bad escape
  EXPECT_FALSE(CheckExposition(head + "volumed_x_total 1").ok());               // no final \n
  EXPECT_FALSE(CheckExposition(head + "volumed_x_total one\n").ok());
  EXPECT_FALSE(CheckExposition("volumed_x_total 1\n").ok());  // no TYPE
  EXPECT_FALSE(
      CheckExposition("# HELP volumed_x X.\n# TYPE volumed_x counter\nvolumed_x 1\n").ok());
  EXPECT_FALSE(CheckExposition("# HELP other_x Y.\n# TYPE other_x gauge\nother_x 1\n").ok());
  // A family's samples must be contiguous.
  EXPECT_FALSE(CheckExposition(head + "volumed_x_total{a=\"1\"} 1\n"
                                      "# HELP volumed_y Y.\n# TYPE volumed_y gauge\nvolumed_y 1\n"
                                      "volumed_x_total{a=\"2\"} 1\n")
                   .ok());
  const std::string hist = "# HELP volumed_h H.\n# TYPE volumed_h histogram\n";
  EXPECT_TRUE(CheckExposition(hist +
                              "volumed_h_bucket{le=\"1\"} 1\nvolumed_h_bucket{le=\"+Inf\"} 2\n"
                              "volumed_h_sum 3\nvolumed_h_count 2\n")
                  .ok());
  EXPECT_FALSE(CheckExposition(hist +
                               "volumed_h_bucket{le=\"1\"} 3\nvolumed_h_bucket{le=\"+Inf\"} 2\n"
                               "volumed_h_sum 3\nvolumed_h_count 2\n")
                   .ok());  // not cumulative
  EXPECT_FALSE(CheckExposition(hist +
                               "volumed_h_bucket{le=\"1\"} 1\nvolumed_h_bucket{le=\"+Inf\"} 2\n"
                               "volumed_h_sum 3\nvolumed_h_count 5\n")
                   .ok());  // +Inf differs from _count
}

// A call record header (xid, CALL, rpcvers 2, prog, vers, proc) and an accepted reply
// with the record-mark slot, AUTH_NONE verifier, `accept_stat` and then `result` words.
std::vector<uint8_t> Words(std::initializer_list<uint32_t> words) {
  std::vector<uint8_t> out;
  for (uint32_t w : words) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(w >> shift));
  }
  return out;
}

TEST(CallMetricsTest, CountsOutcomesFromTheReplyBytes) {
  static const rpc::Procedure kProcs[] = {rpc::NullProc(0), rpc::NullProc(1, "GETATTR")};
  // The program names its statuses (as nfs_program.cc does); the engine knows none.
  static const rpc::NamedStatus kStatuses[] = {{0, "NFS3_OK"}, {2, "NFS3ERR_NOENT"}};
  rpc::ProgramVersion pv{
      .prog = 100003,
      .vers = 3,
      .name = "nfs",
      .procedures = kProcs,
      .state = nullptr,
      .result_status = {
          .at = rpc::ResultStatus::At::kFirstWord, .names = kStatuses, .procedures = {}}};
  rpc::CallMetrics& m = rpc::CallMetrics::Global();
  m.AddProgram(pv);
  const uint64_t noent = m.Calls(100003, 3, 1, "NFS3ERR_NOENT");
  const uint64_t ok = m.Calls(100003, 3, 1, "NFS3_OK");
  const uint64_t garbage = m.Calls(100003, 3, 1, "GARBAGE_ARGS");
  const uint64_t none = m.Calls(100003, 3, 1, "NO_REPLY");
  const std::vector<uint8_t> call = Words({7, 0, 2, 100003, 3, 1});
  bool sent = false;
  auto sink = [&](std::optional<rpc::Reply>) { sent = true; };

  m.Observe(call, sink)(Words({0, 7, 1, MSG_ACCEPTED, 0, 0, SUCCESS, 2}));  // NOENT
  EXPECT_TRUE(sent);
  m.Observe(call, sink)(Words({0, 7, 1, MSG_ACCEPTED, 0, 0, SUCCESS, 0}));  // OK
  m.Observe(call, sink)(Words({0, 7, 1, MSG_ACCEPTED, 0, 0, GARBAGE_ARGS}));
  m.Observe(call, sink)(std::nullopt);
  EXPECT_EQ(m.Calls(100003, 3, 1, "NFS3ERR_NOENT"), noent + 1);
  EXPECT_EQ(m.Calls(100003, 3, 1, "NFS3_OK"), ok + 1);
  EXPECT_EQ(m.Calls(100003, 3, 1, "GARBAGE_ARGS"), garbage + 1);
  EXPECT_EQ(m.Calls(100003, 3, 1, "NO_REPLY"), none + 1);

  ExpositionWriter w;
  m.WriteTo(w);
  auto series = CheckExposition(w.text());
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  EXPECT_GE(ValueOr0(*series,
                     "volumed_rpc_calls_total{outcome=\"NFS3ERR_NOENT\",procedure="
                     "\"GETATTR\",program=\"nfs\",version=\"3\"}"),
            1);
  EXPECT_EQ(ValueOr0(*series, "volumed_rpc_calls_in_flight"), 0);
}

TEST(VolumeActivityTest, SlotsAreFoundForgottenAndReused) {
  metrics::VolumeActivity& a = metrics::VolumeActivity::Global();
  EXPECT_EQ(a.Peek(900001), nullptr);
  auto* c = a.Find(900001);
  ASSERT_NE(c, nullptr);
  c->bytes_written.fetch_add(5);
  EXPECT_EQ(a.Find(900001), c);
  EXPECT_EQ(a.Peek(900001)->bytes_written.load(), 5u);
  a.Forget(900001);
  EXPECT_EQ(a.Peek(900001), nullptr);
  auto* again = a.Find(900001);  // a re-created id starts from zero
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->bytes_written.load(), 0u);
  EXPECT_EQ(a.Find(0), nullptr);  // not a volume id
}

TEST(PagesTest, UserSuppliedStringsAreEscaped) {
  EXPECT_EQ(monitor::EscapeHtml("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  monitor::ServerStatus server;
  monitor::VolumeStatus v;
  v.info.name = "data";
  v.info.policy.allowed_cidrs = {"10.0.0.0/8"};
  v.mounts.push_back({"<img src=x>", "/data", 0});
  nlm::LockReportEntry lock;
  lock.lock.owner.host = "<script>alert(1)</script>";
  v.locks.push_back(lock);
  v.locks_held = 1;
  const std::string page = monitor::RenderVolumePage(server, v, {"1", "r"}, 0);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("http-equiv=\"refresh\""), std::string::npos);  // refresh 0: none
  const std::string missing = monitor::RenderNotFoundPage("volume '<b>'");
  EXPECT_NE(missing.find("&lt;b&gt;"), std::string::npos);

  server.volumes.push_back(v);
  const std::string index = monitor::RenderIndexPage(server, {"1", "r"}, 5);
  EXPECT_NE(index.find("<meta http-equiv=\"refresh\" content=\"5\">"), std::string::npos);
  EXPECT_NE(index.find("href=\"/volume/data\""), std::string::npos);
  auto metrics = CheckExposition(monitor::RenderMetrics(server, {"1", "r"}));
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  EXPECT_EQ(metrics->at("volumed_volume_locks_held{volume=\"data\"}"), 1);
  EXPECT_EQ(metrics->at("volumed_volume_mounts{volume=\"data\"}"), 1);
  EXPECT_EQ(metrics->at("volumed_build_info{revision=\"r\",version=\"1\"}"), 1);
}

TEST(HttpAddressTest, ParsesAddressAndPort) {
  auto v4 = monitor::ParseHttpAddress("127.0.0.1:9049");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->address, "127.0.0.1");
  EXPECT_EQ(v4->port, 9049);
  auto v6 = monitor::ParseHttpAddress("[::1]:80");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 80);
  for (const char* bad : {"9049", "127.0.0.1", "127.0.0.1:", ":9049", "h:70000", "h:9x"}) {
    EXPECT_FALSE(monitor::ParseHttpAddress(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace volumed::testing
