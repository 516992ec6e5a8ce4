// The monitor's pieces without a server: the exposition writer against the strict checker
// (and the checker against broken texts), the RPC outcome decoding of CallMetrics, the
// per-volume activity table, the pages' escaping, --http's address parsing, and the listing
// cache's and read-ahead's figures as a scrape shows them.
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/catalog_fixture.h"

#include "metrics/exposition.h"
#include "metrics/exposition_reader.h"
#include "metrics/volume_activity.h"
#include "monitor/http_listener.h"
#include "monitor/pages.h"
#include "monitor/status_source.h"
#include "mount/mount_service.h"
#include "nfs3/listing_cache.h"
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

// StatusSource reads the listing cache and the catalog's read-ahead totals, RenderMetrics
// writes them: what the cache and the volumes do shows in the scrape.
TEST(CacheMetricsTest, ListingCacheAndReadAheadFiguresMoveInTheScrape) {
  constexpr uint64_t kMiB = 1 << 20;
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  storage::StoreOptions options = storage::MemStoreOptions(env.get());
  options.read_ahead.window_bytes = kMiB;
  auto catalog = storage::VolumeCatalog::Open(options);
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  mount::MountService mounts(**catalog);
  nfs3::ListingCache listings(8000);  // replies over 1000 bytes are not kept
  monitor::StatusSource source(catalog->get(), &mounts, nullptr, &listings);
  auto scrape = [&] {
    auto series = CheckExposition(monitor::RenderMetrics(source.Collect(), {"1", "r"}));
    EXPECT_TRUE(series.ok()) << series.status().ToString();
    return series.ok() ? *series : Series{};
  };
  const std::string hits = "volumed_nfs_listing_cache_lookups_total{result=\"hit\"}";
  const std::string misses = "volumed_nfs_listing_cache_lookups_total{result=\"miss\"}";
  const std::string stale = "volumed_nfs_listing_cache_evictions_total{reason=\"stale\"}";
  const std::string full = "volumed_nfs_listing_cache_evictions_total{reason=\"capacity\"}";
  Series before = scrape();
  EXPECT_EQ(before.at(hits), 0);
  EXPECT_EQ(before.at("volumed_nfs_listing_cache_capacity_bytes"), 8000);
  EXPECT_EQ(before.at("volumed_storage_read_ahead_windows_started_total"), 0);

  auto reply = [](size_t size) { return std::make_shared<const std::string>(size, 'r'); };
  auto key = [](uint64_t cookie) { return nfs3::ListingKey{1, 1, 2, 1, cookie, 4096, 65536}; };
  EXPECT_EQ(listings.Find(key(0), 1), nullptr);
  listings.Insert(key(0), 1, reply(1000));
  EXPECT_NE(listings.Find(key(0), 1), nullptr);
  Series after = scrape();
  EXPECT_EQ(after.at(hits), 1);
  EXPECT_EQ(after.at(misses), 1);
  EXPECT_EQ(after.at("volumed_nfs_listing_cache_entries"), 1);
  EXPECT_EQ(after.at("volumed_nfs_listing_cache_bytes"), 1000);
  EXPECT_EQ(listings.Find(key(0), 2), nullptr);  // the volume changed
  for (uint64_t c = 1; c <= 9; ++c) listings.Insert(key(c), 2, reply(1000));
  listings.Insert(key(10), 2, reply(1001));
  after = scrape();
  EXPECT_EQ(after.at(misses), 2);
  EXPECT_EQ(after.at(stale), 1);
  EXPECT_EQ(after.at(full), 1);
  EXPECT_EQ(after.at("volumed_nfs_listing_cache_oversized_total"), 1);
  EXPECT_EQ(after.at("volumed_nfs_listing_cache_entries"), 8);
  EXPECT_EQ(after.at("volumed_nfs_listing_cache_bytes"), 8000);

  // The first 256 KiB of a 4 MiB file read in order, 64 KiB at a time: the fourth read
  // posts a window of 1 MiB ahead of the reader, warmed on the catalog's background
  // threads (the reader then stops and waits, so that it never passes the window).
  storage::CreateVolumeRequest req;
  req.name = "data";
  ASSERT_TRUE((*catalog)->Create(req).ok());
  auto volume = (*catalog)->OpenByName("data");
  ASSERT_TRUE(volume.ok()) << volume.status().ToString();
  const storage::Credentials root{0, 0, {}};
  auto file = (*volume)->Create(root, (*volume)->Root(), "f", storage::CreateMode::kGuarded, {}, 0,
                                nullptr);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  for (uint64_t at = 0; at < 4 * kMiB; at += kMiB) {
    ASSERT_TRUE((*volume)
                    ->Write(root, file->ref, at, std::string(kMiB, 'x'),
                            storage::Stability::kUnstable, nullptr)
                    .ok());
  }
  for (uint64_t at = 0; at < 4 * 64 * 1024; at += 64 * 1024) {
    ASSERT_TRUE((*volume)->Read(root, file->ref, at, 64 * 1024).ok());
  }
  for (int i = 0; i < 500 && (*catalog)->ReadAheadInFlight() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  after = scrape();
  EXPECT_EQ(after.at("volumed_storage_read_ahead_sequential_reads_total"), 3);
  EXPECT_EQ(after.at("volumed_storage_read_ahead_windows_started_total"), 1);
  EXPECT_EQ(after.at("volumed_storage_read_ahead_warmed_bytes_total"), kMiB);
  EXPECT_EQ(after.at("volumed_storage_read_ahead_windows_in_flight"), 0);
  EXPECT_EQ(after.at("volumed_storage_read_ahead_windows_stopped_total"), 0);
  EXPECT_EQ(after.at("volumed_storage_read_ahead_windows_skipped_total"), 0);
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
