// A live volumed with --http in a private network namespace: /metrics is valid
// exposition text and its counters move exactly with traffic (GETATTRs from libnfs,
// bytes written, an NLM lock); the status pages show volumes and escape what clients
// send; hostile HTTP (a 1 MiB header, garbage, `..` paths, 1,000 idle connections) gets
// a proper status or a closed connection while NFS keeps answering within 1 s.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "metrics/exposition_reader.h"
#include "monitor/lock_helper.h"
#include "protocol/raw_client.h"
#include "support/server_process.h"
#include "tools/run_tool.h"

namespace volumed::testing {
namespace {

using metrics::CheckExposition;
using metrics::Series;
using metrics::ValueOr0;

constexpr int kHttpPort = 9049;

class MonitorTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    ServerProcessOptions options;
    options.extra_args = {"--volume", "mon",    "--volume",
                          "other",    "--http", "127.0.0.1:" + std::to_string(kHttpPort)};
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

 protected:
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    mnt_ = RawClient::Connect(server_->mount_port(), MOUNT_PROGRAM, MOUNT_V3, 0, 0);
    nfs_ = RawClient::Connect(server_->nfs_port(), NFS_PROGRAM, NFS_V3, 0, 0);
    ASSERT_NE(mnt_, nullptr);
    ASSERT_NE(nfs_, nullptr);
    const char* path = "/mon";
    ASSERT_TRUE(mnt_->Call<mountres3>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) {
          return rpc_mount3_mnt_async(rpc, cb, const_cast<char*>(path), p);
        },
        [&](mountres3* r) {
          ASSERT_EQ(r->fhs_status, MNT3_OK);
          const auto& fh = r->mountres3_u.mountinfo.fhandle;
          root_.bytes.assign(fh.fhandle3_val, fh.fhandle3_val + fh.fhandle3_len);
        }));
  }

  static httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", kHttpPort);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(10));
    return client.Get(path.c_str());
  }

  static Series Scrape() {
    auto res = Get("/metrics");
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res) return {};
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    auto series = CheckExposition(res->body);
    EXPECT_TRUE(series.ok()) << series.status().ToString();
    return series.ok() ? *series : Series{};
  }

  bool Getattr() {
    GETATTR3args a{};
    a.object = root_.wire();
    nfsstat3 st = NFS3ERR_IO;
    bool ok =
        nfs_->Call<GETATTR3res>([&](rpc_context* rpc, rpc_cb cb,
                                    void* p) { return rpc_nfs3_getattr_async(rpc, cb, &a, p); },
                                [&](GETATTR3res* r) { st = r->status; });
    return ok && st == NFS3_OK;
  }

  Fh Create(const std::string& name) {
    CREATE3args a{};
    a.where.dir = root_.wire();
    a.where.name = const_cast<char*>(name.c_str());
    a.how.mode = UNCHECKED;
    Fh out;
    EXPECT_TRUE(nfs_->Call<CREATE3res>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_create_async(rpc, cb, &a, p); },
        [&](CREATE3res* r) {
          ASSERT_EQ(r->status, NFS3_OK);
          out = Fh::From(r->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
        }));
    return out;
  }

  static inline ServerProcess* server_ = nullptr;
  std::unique_ptr<RawClient> mnt_;
  std::unique_ptr<RawClient> nfs_;
  Fh root_;
};

const std::string kGetattrOk =
    "volumed_rpc_calls_total{outcome=\"NFS3_OK\",procedure=\"GETATTR\",program=\"nfs\","
    "version=\"3\"}";

TEST_F(MonitorTest, MetricsAreStrictExpositionWithoutDuplicates) {
  const Series s = Scrape();  // CheckExposition refuses duplicates and malformed lines
  EXPECT_EQ(s.at("volumed_volumes"), 2);
  EXPECT_EQ(s.at("volumed_volume_info{kind=\"persisted\",volume=\"mon\"}"), 1);
  EXPECT_EQ(s.at("volumed_volume_damaged{volume=\"mon\"}"), 0);
  EXPECT_GT(s.at("volumed_process_resident_memory_bytes"), 0);
  EXPECT_GT(s.at("volumed_process_threads"), 1);
  // jemalloc's figures come together or not at all (another allocator: sanitizer builds).
  ASSERT_EQ(s.count("volumed_process_heap_allocated_bytes"),
            s.count("volumed_process_heap_resident_bytes"));
  if (s.count("volumed_process_heap_allocated_bytes") != 0) {
    EXPECT_GT(s.at("volumed_process_heap_allocated_bytes"), 0);
    EXPECT_LE(s.at("volumed_process_heap_allocated_bytes"),
              s.at("volumed_process_heap_resident_bytes"));
  }
  EXPECT_GT(s.at("volumed_process_start_time_seconds"), 1.6e9);
  EXPECT_EQ(s.count("volumed_nlm_grace_period_active"), 1u);
  EXPECT_GE(s.at("volumed_rpc_connections_open{transport=\"tcp\"}"), 2);  // our two clients
}

TEST_F(MonitorTest, GetattrCounterRisesByExactlyTheCallsMade) {
  const Series before = Scrape();
  constexpr int kCalls = 37;
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(Getattr());
  const Series after = Scrape();
  EXPECT_EQ(ValueOr0(after, kGetattrOk) - ValueOr0(before, kGetattrOk), kCalls);
  const std::string per_volume =
      "volumed_volume_nfs_calls_total{procedure=\"GETATTR\",volume=\"mon\"}";
  EXPECT_EQ(ValueOr0(after, per_volume) - ValueOr0(before, per_volume), kCalls);
  const std::string count =
      "volumed_rpc_call_duration_seconds_count{procedure=\"GETATTR\",program=\"nfs\",version="
      "\"3\"}";
  EXPECT_EQ(ValueOr0(after, count) - ValueOr0(before, count), kCalls);
}

TEST_F(MonitorTest, WrittenBytesRiseByExactlyTheBytesWritten) {
  Fh file = Create("written");
  const Series before = Scrape();
  std::vector<char> data(40000, 'x');
  uint64_t total = 0;
  for (uint32_t count : {40000u, 40000u, 13371u}) {
    WRITE3args a{};
    a.file = file.wire();
    a.offset = total;
    a.count = count;
    a.stable = FILE_SYNC;
    a.data.data_len = count;
    a.data.data_val = data.data();
    ASSERT_TRUE(nfs_->Call<WRITE3res>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) { return rpc_nfs3_write_async(rpc, cb, &a, p); },
        [&](WRITE3res* r) { ASSERT_EQ(r->status, NFS3_OK); }));
    total += count;
  }
  const Series after = Scrape();
  const std::string written = "volumed_volume_written_bytes_total{volume=\"mon\"}";
  EXPECT_EQ(ValueOr0(after, written) - ValueOr0(before, written), static_cast<double>(total));
  EXPECT_EQ(ValueOr0(after, "volumed_volume_written_bytes_total{volume=\"other\"}"),
            ValueOr0(before, "volumed_volume_written_bytes_total{volume=\"other\"}"));
  EXPECT_GE(ValueOr0(after, "volumed_volume_used_bytes{volume=\"mon\"}"),
            static_cast<double>(total));
  EXPECT_GE(ValueOr0(after, "volumed_rpc_received_bytes_total{program=\"nfs\",version=\"3\"}") -
                ValueOr0(before, "volumed_rpc_received_bytes_total{program=\"nfs\",version=\"3\"}"),
            static_cast<double>(total));
  // The open volume's LevelDB figures are there (what was written sits in its memtable).
  EXPECT_GT(ValueOr0(after, "volumed_volume_leveldb_memtable_bytes{volume=\"mon\"}"), 0);
  EXPECT_EQ(after.count("volumed_volume_leveldb_table_files{volume=\"mon\"}"), 1u);
  EXPECT_EQ(after.count("volumed_storage_block_cache_bytes"), 1u);
  // FILE_SYNC writes to a persisted volume are synced: the log sync counter moved.
  EXPECT_GT(ValueOr0(after, "volumed_storage_log_syncs_total"),
            ValueOr0(before, "volumed_storage_log_syncs_total"));
}

TEST_F(MonitorTest, LockHeldShowsInMetricsAndPageWithTheHolderEscaped) {
  const std::string host = "<script>alert('x')</script>";
  const Series before = Scrape();
  ASSERT_TRUE(TakeRootLock("mon", host, 4242));
  const Series held = Scrape();
  // NLM resolves the NFS handle, but it is no NFS call of the volume (NLM's LOCK is
  // procedure 2, NFS's 2 is SETATTR).
  const std::string setattr =
      "volumed_volume_nfs_calls_total{procedure=\"SETATTR\",volume=\"mon\"}";
  EXPECT_EQ(ValueOr0(held, setattr), ValueOr0(before, setattr));
  const std::string nlm_lock =
      "volumed_rpc_calls_total{outcome=\"GRANTED\",procedure=\"LOCK\",program=\"nlm\",version="
      "\"4\"}";
  EXPECT_EQ(ValueOr0(held, nlm_lock) - ValueOr0(before, nlm_lock), 1);
  EXPECT_EQ(held.at("volumed_volume_locks_held{volume=\"mon\"}"), 1);
  EXPECT_EQ(held.at("volumed_volume_locks_held{volume=\"other\"}"), 0);
  EXPECT_GE(held.at("volumed_volume_mounts{volume=\"mon\"}"), 1);  // the lock helper's MNT

  auto page = Get("/volume/mon");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body.find("<script>"), std::string::npos);
  EXPECT_NE(page->body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page->body.find("data-held=\"1\""), std::string::npos);
  auto index = Get("/");
  ASSERT_TRUE(index);
  EXPECT_NE(index->body.find("<td class=\"num locks\" data-held=\"1\""), std::string::npos);

  ASSERT_TRUE(ReleaseRootLock("mon", host, 4242));
  EXPECT_EQ(Scrape().at("volumed_volume_locks_held{volume=\"mon\"}"), 0);
}

TEST_F(MonitorTest, PagesListVolumesAndUnknownOnesAre404) {
  auto index = Get("/?refresh=3");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("data-volume=\"mon\""), std::string::npos);
  EXPECT_NE(index->body.find("data-volume=\"other\""), std::string::npos);
  EXPECT_NE(index->body.find("content=\"3\""), std::string::npos);
  for (const char* path : {"/volume/nosuch", "/volume/%3Cscript%3E", "/volume/..", "/nothing"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body.find("<script>"), std::string::npos) << path;
  }
}

TEST_F(MonitorTest, VolumectlTopShowsRatesFromMetrics) {
  // GETATTRs for the whole frame, from this thread, while top measures.
  std::atomic<bool> done{false};
  ToolResult top;
  std::thread runner([&] {
    top = RunTool(Volumectl(), {"top", "--json", "--count", "1", "--interval", "1", "--volume",
                                "mon", "--http", "127.0.0.1:" + std::to_string(kHttpPort)});
    done = true;
  });
  int calls = 0;
  while (!done) {
    ASSERT_TRUE(Getattr());
    ++calls;
  }
  runner.join();
  ASSERT_EQ(top.exit_code, 0) << top.err;
  const auto frame = nlohmann::json::parse(top.out);
  EXPECT_GT(frame["calls_per_second"].get<double>(), 0);
  EXPECT_GT(frame["procedures"]["nfs GETATTR"].get<double>(), 0);
  ASSERT_EQ(frame["volumes"].size(), 1u);
  EXPECT_EQ(frame["volumes"][0]["name"], "mon");
  EXPECT_GT(frame["volumes"][0]["procedures"]["GETATTR"].get<double>(), 0);
  EXPECT_GT(calls, 0);

  const ToolResult missing =
      RunTool(Volumectl(), {"top", "--count", "1", "--interval", "0.1", "--volume", "nosuch",
                            "--http", "127.0.0.1:" + std::to_string(kHttpPort)});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  const ToolResult no_server =
      RunTool(Volumectl(), {"top", "--count", "1", "--http", "127.0.0.1:1"});
  EXPECT_EQ(no_server.exit_code, 6) << no_server.err;
}

// Sends `request` on a fresh connection and returns the reply's first line ("" when the
// server closed the connection without one).
std::string RawExchange(const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(kHttpPort);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "connect failed";
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close before reading it all
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  pollfd pfd{fd, POLLIN, 0};
  while (poll(&pfd, 1, 10000) > 0) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

bool IsClientError(const std::string& status_line) {
  return status_line.empty() || status_line.starts_with("HTTP/1.1 4");
}

TEST_F(MonitorTest, HostileHttpGetsAnErrorOrACloseAndNfsKeepsAnswering) {
  const std::string huge(1 << 20, 'a');
  const std::string line = RawExchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n");
  EXPECT_TRUE(IsClientError(line)) << line;
  const std::string garbage =
      RawExchange(std::string("\x16\x03\x01\x02\x00\xff\xfe garbage\r\n\r\n", 21));
  EXPECT_TRUE(IsClientError(garbage)) << garbage;
  for (const char* path : {"/../../etc/passwd", "/volume/../../etc/passwd", "/volume/%2e%2e"}) {
    const std::string reply = RawExchange(std::string("GET ") + path +
                                          " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(IsClientError(reply)) << path << ": " << reply;
  }
  EXPECT_TRUE(
      IsClientError(RawExchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                "99999999\r\n\r\n")));

  // 1,000 idle connections to the HTTP port: NFS still answers at once.
  struct rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(kHttpPort);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << i;
    idle.push_back(fd);
  }
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Getattr());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  for (int fd : idle) close(fd);

  // Once they are gone the listener serves again (idle ones are dropped after 5 s each).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    auto res = Get("/metrics");
    served = res && res->status == 200;
  }
  EXPECT_TRUE(served);
  EXPECT_TRUE(Getattr());
}

}  // namespace
}  // namespace volumed::testing
