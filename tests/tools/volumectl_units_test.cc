// volumectl's small parts: durations, size flags, NAME[:PATH], JSON output (and its
// policy for names that are not UTF-8), the chunked copy loop of put/get, where the admin
// program of the gateway serving a volume is.
#include <gtest/gtest.h>

#include <errno.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "admin_command.h"
#include "cli_context.h"
#include "duration.h"
#include "json_output.h"
#include "lifecycle_commands.h"
#include "remote_entry.h"
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

// Parses `args` (after the program name) into a command with one --size flag.
template <typename T>
bool ParseSizeFlag(std::vector<std::string> args, T& value) {
  CLI::App app;
  AddSizeOption(&app, "--size", value, "a size");
  args.insert(args.begin(), "volumectl");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    return true;
  } catch (const CLI::ParseError&) {
    return false;
  }
}

TEST(SizeFlag, ParsesBinaryUnits) {
  const std::map<std::string, uint64_t> good = {{"1048576", 1048576u},
                                                {"512K", 512u << 10},
                                                {"10M", 10u << 20},
                                                {"2GiB", uint64_t{2} << 30},
                                                {"1T", uint64_t{1} << 40}};
  for (const auto& [text, bytes] : good) {
    uint64_t value = 0;
    ASSERT_TRUE(ParseSizeFlag({"--size", text}, value)) << text;
    EXPECT_EQ(value, bytes) << text;
  }
  std::optional<uint64_t> maybe;
  ASSERT_TRUE(ParseSizeFlag({}, maybe));
  EXPECT_FALSE(maybe.has_value());  // not given: no change
  ASSERT_TRUE(ParseSizeFlag({"--size", "0"}, maybe));
  EXPECT_EQ(maybe, uint64_t{0});
}

TEST(SizeFlag, RefusesWhatIsNotASize) {
  for (const char* bad : {"", "M", "10X", "1.5G", "lots", "99999999999999999999T"}) {
    uint64_t value = 0;
    EXPECT_FALSE(ParseSizeFlag({"--size", bad}, value)) << bad;
  }
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

TEST(Json, WritesOneCompactLineInKeyOrder) {
  const Json doc = {
      {"z", -1}, {"b", Json::array({"x\"\n\x01", true, nullptr})}, {"c", Json::object()}};
  EXPECT_EQ(JsonText(doc), R"({"z":-1,"b":["x\"\n\u0001",true,null],"c":{}})");
  EXPECT_EQ(JsonText(Json("naïve")), "\"naïve\"");  // UTF-8 passes as it is
}

// The policy of json_output.h: output stays valid JSON; the exact bytes ride along.
TEST(Json, NamesThatAreNotUtf8) {
  EXPECT_TRUE(IsUtf8("plain"));
  EXPECT_TRUE(IsUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsUtf8("caf\xe9"));   // Latin-1
  EXPECT_FALSE(IsUtf8("\xff\xfe"));  // never UTF-8
  EXPECT_FALSE(IsUtf8("\xc3"));      // a sequence cut short

  RemoteEntry file;
  file.name = "caf\xe9.txt";
  file.type = '-';
  const std::string text = JsonText(EntryJson(file));
  const Json back = Json::parse(text);             // valid JSON: a strict parser accepts it
  EXPECT_EQ(back["name"], "caf\xef\xbf\xbd.txt");  // the bad byte is U+FFFD
  EXPECT_EQ(back["name_hex"], "636166e92e747874");
  EXPECT_FALSE(back.contains("target"));

  RemoteEntry link;
  link.name = "ok";
  link.type = 'l';
  link.target = "\x80/x";
  const Json l = Json::parse(JsonText(EntryJson(link)));
  EXPECT_EQ(l["name"], "ok");
  EXPECT_FALSE(l.contains("name_hex"));  // only where the bytes are not UTF-8
  EXPECT_EQ(l["target"], "\xef\xbf\xbd/x");
  EXPECT_EQ(l["target_hex"], "802f78");
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

TEST(AdminTargetAt, TheOwnersAddressOnTheSamePortWithTheSameSecret) {
  AdminTarget tcp;
  tcp.tcp = "gw1.example:7049";
  tcp.secret = "s3cret-s3cret-s3cret";
  std::optional<AdminTarget> there = AdminTargetAt(tcp, "10.77.0.12");
  ASSERT_TRUE(there.has_value());
  EXPECT_EQ(there->tcp, "10.77.0.12:7049");
  EXPECT_EQ(there->secret, tcp.secret);
  there = AdminTargetAt(tcp, "fd00::12");
  ASSERT_TRUE(there.has_value());
  EXPECT_EQ(there->tcp, "[fd00::12]:7049");
  // Nowhere else to go: no address, the same one, or a Unix socket (on its own machine).
  EXPECT_FALSE(AdminTargetAt(tcp, "").has_value());
  tcp.tcp = "10.77.0.12:7049";
  EXPECT_FALSE(AdminTargetAt(tcp, "10.77.0.12").has_value());
  AdminTarget socket;
  socket.socket_path = "/run/volumed/admin.sock";
  EXPECT_FALSE(AdminTargetAt(socket, "10.77.0.12").has_value());
}

}  // namespace
}  // namespace volumectl
