// The status page in a real browser: a live volumed (private network namespace) with
// three volumes — one with a quota and data in it, an ephemeral one, one holding an NLM
// lock whose holder's name is HTML — loaded by headless Chromium. The DOM Chromium built
// (--dump-dom) must list every volume with its usage and lock count, show the holder's
// name as text (no <script> element), and screenshots (--screenshot) of / and
// /volume/NAME are saved into the test log directory ($VOLUMED_SCREENSHOT_DIR).
// Suite 'slow': Chromium is Debian's `chromium` (tools/install-deps.sh vm).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "monitor/lock_helper.h"
#include "support/server_process.h"
#include "support/temp_dir.h"
#include "tools/run_tool.h"

namespace volumed::testing {
namespace {

constexpr int kHttpPort = 9049;
const std::string kBase = "http://127.0.0.1:" + std::to_string(kHttpPort);

std::string Chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

// Chromium as root in a namespace: no sandbox, no GPU, a profile of its own.
ToolResult RunChromium(const TempDir& profile, std::vector<std::string> args) {
  std::vector<std::string> all = {"--headless",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--disable-dev-shm-usage",
                                  "--no-first-run",
                                  "--hide-scrollbars",
                                  "--user-data-dir=" + profile.path()};
  all.insert(all.end(), args.begin(), args.end());
  ToolOptions options;
  options.env = {{"HOME", profile.path()}};
  return RunTool(Chromium(), all, options);
}

std::string ScreenshotDir() {
  const char* dir = std::getenv("VOLUMED_SCREENSHOT_DIR");
  return dir != nullptr && *dir != '\0' ? dir : std::filesystem::temp_directory_path().string();
}

// The <tr> of volume `name` in the dumped DOM.
std::string RowOf(const std::string& dom, const std::string& name) {
  const size_t start = dom.find("<tr class=\"volume\" data-volume=\"" + name + "\"");
  if (start == std::string::npos) return {};
  return dom.substr(start, dom.find("</tr>", start) - start);
}

TEST(StatusPageBrowserTest, ChromiumShowsVolumesUsageLocksAndEscapedNames) {
  if (Chromium().empty()) GTEST_SKIP() << "chromium is not installed (tools/install-deps.sh vm)";
  ServerProcessOptions options;
  options.extra_args = {"--volume", "plain", "--http", "127.0.0.1:" + std::to_string(kHttpPort)};
  auto server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  ToolOptions admin;
  admin.env = {{"VOLUMED_ADMIN_SOCKET", (*server)->admin_socket()},
               {"VOLUMED_NFS_PORT", "2049"},
               {"VOLUMED_MOUNT_PORT", "20048"}};
  ToolResult r = RunTool(Volumectl(), {"create", "datasets", "--quota-bytes", "4M"}, admin);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunTool(Volumectl(), {"create", "scratch", "--ephemeral", "--ttl", "10m"}, admin);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  TempDir local("volumed-browser");
  {
    std::ofstream(local / "blob") << std::string(1536 * 1024, 'b');  // 1.5 MiB
  }
  r = RunTool(Volumectl(), {"put", local / "blob", "datasets:/blob"}, admin);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string holder = "<script>document.title='owned'</script>";
  ASSERT_TRUE(TakeRootLock("plain", holder, 77));

  TempDir profile("volumed-chromium");
  const ToolResult index = RunChromium(profile, {"--dump-dom", kBase + "/?refresh=0"});
  ASSERT_EQ(index.exit_code, 0) << index.err;
  const std::string& dom = index.out;
  for (const char* name : {"datasets", "plain", "scratch"}) {
    EXPECT_NE(RowOf(dom, name), "") << name << "\n" << dom;
  }
  const std::string datasets = RowOf(dom, "datasets");
  EXPECT_NE(datasets.find("data-bytes=\"1572864\""), std::string::npos) << datasets;
  EXPECT_NE(datasets.find("1.5 MiB / 4.0 MiB"), std::string::npos) << datasets;
  EXPECT_NE(datasets.find("style=\"width:37.5%\""), std::string::npos) << datasets;  // the bar
  EXPECT_NE(RowOf(dom, "plain").find("class=\"num locks\" data-held=\"1\""), std::string::npos);
  EXPECT_NE(RowOf(dom, "datasets").find("class=\"num locks\" data-held=\"0\""), std::string::npos);
  EXPECT_NE(RowOf(dom, "scratch").find("ephemeral"), std::string::npos);

  const ToolResult volume = RunChromium(profile, {"--dump-dom", kBase + "/volume/plain?refresh=0"});
  ASSERT_EQ(volume.exit_code, 0) << volume.err;
  // The holder is text in a cell, so the DOM holds no <script> element and the title
  // stayed the page's own.
  EXPECT_EQ(volume.out.find("<script"), std::string::npos) << volume.out;
  EXPECT_NE(volume.out.find("&lt;script&gt;document.title='owned'&lt;/script&gt;"),
            std::string::npos)
      << volume.out;
  EXPECT_NE(volume.out.find("<title>volume plain - volumed</title>"), std::string::npos);
  EXPECT_NE(volume.out.find("id=\"locks-held\" data-held=\"1\""), std::string::npos);

  const ToolResult missing = RunChromium(profile, {"--dump-dom", kBase + "/volume/nosuch"});
  EXPECT_NE(missing.out.find("does not exist"), std::string::npos) << missing.out;

  for (const auto& [file, path] : std::vector<std::pair<std::string, std::string>>{
           {"status-page.png", "/?refresh=0"}, {"status-volume.png", "/volume/plain?refresh=0"}}) {
    const std::string size = file == "status-page.png" ? "1280,360" : "1280,900";
    const std::string out = ScreenshotDir() + "/" + file;
    std::filesystem::remove(out);
    const ToolResult shot =
        RunChromium(profile, {"--window-size=" + size, "--screenshot=" + out, kBase + path});
    EXPECT_EQ(shot.exit_code, 0) << shot.err;
    EXPECT_GT(std::filesystem::exists(out) ? std::filesystem::file_size(out) : 0, 5000u) << out;
    std::printf("screenshot: %s\n", out.c_str());
  }
  EXPECT_TRUE(ReleaseRootLock("plain", holder, 77));
}

}  // namespace
}  // namespace volumed::testing
