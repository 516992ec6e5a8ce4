// volumectl's small parts: durations, sizes, NAME[:PATH], the JSON writer, the chunked
// copy loop of put/get.
#include <gtest/gtest.h>

#include <errno.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "duration.h"
#include "json_writer.h"
#include "lifecycle_commands.h"
#include "remote_path.h"
#include "transfer_parts.h"

namespace volumectl {
namespace {

using std::chrono::milliseconds;

TEST(Duration, Parses) {
  EXPECT_EQ(ParseDuration("90"), milliseconds(90'000));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(ParseDuration("2d"), milliseconds(172'800'000));
  for (const char* bad : {"", "s", "5x", "1h30", "-5s", "1.5s", "99999999999999999999"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(450)), "450ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0ms");
  EXPECT_EQ(FormatDuration(milliseconds(61'000)), "1m1s");
}

TEST(Size, Parses) {
  EXPECT_EQ(ParseSize("1048576"), 1048576u);
  EXPECT_EQ(ParseSize("512K"), 512u << 10);
  EXPECT_EQ(ParseSize("10M"), 10u << 20);
  EXPECT_EQ(ParseSize("2GiB"), uint64_t{2} << 30);
  EXPECT_EQ(ParseSize("1T"), uint64_t{1} << 40);
  for (const char* bad : {"", "M", "10X", "1.5G", "99999999999999999999T"}) {
    EXPECT_FALSE(ParseSize(bad).has_value()) << bad;
  }
}

TEST(LifecycleFlags, BadSizesAreRefusedBeforeAnyConnection) {
  AdminTarget nowhere;
  nowhere.socket_path = "/nonexistent/admin.sock";  // a connection attempt would say so
  CreateFlags create;
  create.name = "vol";
  create.quota_bytes = "10X";
  CliStatus st = CreateCommand(nowhere, create);
  EXPECT_EQ(st.exit, Exit::kUsage);
  EXPECT_EQ(st.message, "'10X' is not a size (try 1048576, 512M, 10G)");
  PolicyFlags policy;
  policy.name = "vol";
  policy.quota_bytes = "1.5G";
  st = PolicyCommand(nowhere, policy);
  EXPECT_EQ(st.exit, Exit::kUsage);
  EXPECT_EQ(st.message, "'1.5G' is not a size (try 1048576, 512M, 10G)");
  create.quota_bytes = "1G";
  EXPECT_EQ(CreateCommand(nowhere, create).exit, Exit::kNoServer);
}

TEST(RemotePath, Parses) {
  auto p = ParseRemotePath("vol");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->volume, "vol");
  EXPECT_EQ(p->path, "/");
  p = ParseRemotePath("vol:dir/x/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->path, "/dir/x");
  EXPECT_TRUE(p->trailing_slash);
  p = ParseRemotePath("vol:/a");
  EXPECT_EQ(p->path, "/a");
  EXPECT_EQ(p->Display(), "vol:/a");
  auto bad = ParseRemotePath("bad name:/x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().exit, Exit::kUsage);
  EXPECT_EQ(JoinPath("/", "a"), "/a");
  EXPECT_EQ(JoinPath("/x", "a"), "/x/a");
  EXPECT_EQ(BaseName("/x/y"), "y");
  EXPECT_EQ(BaseName("/"), "/");
}

TEST(Json, Writes) {
  JsonWriter j;
  j.BeginObject()
      .Key("a")
      .Int(-1)
      .Key("b")
      .BeginArray()
      .String("x\"\n\x01")
      .Bool(true)
      .Null()
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .EndObject();
  EXPECT_EQ(j.str(), R"({"a":-1,"b":["x\"\n\u0001",true,null],"c":{}})");
}

TEST(CopyChunks, MovesEveryByteAtItsOffsetAndCountsIt) {
  std::string source(2'500'000, '\0');
  for (size_t i = 0; i < source.size(); ++i) source[i] = static_cast<char>(i * 7);
  std::string copy;
  std::map<uint64_t, size_t> writes;            // offset → length
  Progress progress("test", 1, source.size());  // not a terminal: counts, draws nothing
  CliStatus st = CopyChunks(
      [&](char* buf, size_t size, uint64_t offset) -> CliResult<size_t> {
        const size_t n = std::min(size, source.size() - offset);
        std::memcpy(buf, source.data() + offset, n);
        return n;
      },
      [&](const char* buf, size_t n, uint64_t offset) {
        EXPECT_EQ(offset, copy.size());
        copy.append(buf, n);
        writes[offset] = n;
        return CliStatus::Ok();
      },
      &progress);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(copy, source);
  EXPECT_EQ(writes, (std::map<uint64_t, size_t>{
                        {0, 1 << 20}, {1 << 20, 1 << 20}, {2 << 20, 2'500'000 - (2 << 20)}}));
}

TEST(CopyChunks, StopsAtTheFirstFailure) {
  int reads = 0, writes = 0;
  CliStatus st = CopyChunks(
      [&](char*, size_t size, uint64_t) -> CliResult<size_t> {
        ++reads;
        return size;  // an endless source
      },
      [&](const char*, size_t, uint64_t offset) {
        ++writes;
        return offset == 0 ? CliStatus::Ok() : Fail(Exit::kFailure, "disk full");
      },
      nullptr);
  EXPECT_EQ(st.exit, Exit::kFailure);
  EXPECT_EQ(st.message, "disk full");
  EXPECT_EQ(reads, 2);
  EXPECT_EQ(writes, 2);
  st = CopyChunks(
      [](char*, size_t, uint64_t) -> CliResult<size_t> {
        return Fail(Exit::kDenied, "x: permission denied");
      },
      [](const char*, size_t, uint64_t) { return CliStatus::Ok(); }, nullptr);
  EXPECT_EQ(st.exit, Exit::kDenied);
}

TEST(LocalError, WordsTheErrnoAndPicksTheExitCode) {
  EXPECT_EQ(LocalError(ENOENT, "/x").message, "/x: no such file or directory");
  EXPECT_EQ(LocalError(ENOENT, "/x").exit, Exit::kNotFound);
  EXPECT_EQ(LocalError(EEXIST, "/x").exit, Exit::kExists);
  EXPECT_EQ(LocalError(EACCES, "/x").exit, Exit::kDenied);
  EXPECT_EQ(LocalError(EIO, "/x").message, "/x: Input/output error");
}

}  // namespace
}  // namespace volumectl
