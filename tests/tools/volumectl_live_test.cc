// volumectl against a live volumed (tests/support ServerProcess, run under netns_run.sh):
// the file commands through NFS — put/get round trips of a tree of many small files and
// one large file (identical bytes, modes and mtimes as NFS carries them), symlinks link
// for link (relative, absolute, dangling, to a directory), ls, du, rm, globs, stdout,
// --force, --json summaries, the progress line on a terminal only — plus what the server
// enforces and volumectl must report plainly: missing volumes, local paths and servers,
// read-only volumes, client address policy, leases that lapse (a live libnfs handle then
// gets STALE), `run`, and leases that lapsed while the server was down.
//
// Sizes: VOLUMECTL_TREE_FILES (default 5000) small files and one VOLUMECTL_BIG_MIB
// (default 512) MiB file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nfsc/libnfs.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gateway_admin_server.h"
#include "live_server_test.h"
#include "run_tool.h"
#include "support/read_file.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace volumed::testing {
namespace {

namespace fs = std::filesystem;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

class VolumectlLiveTest : public LiveServerTest<VolumectlLiveTest> {
 protected:
  static ToolResult Run(const std::vector<std::string>& args) {
    return RunTool(Volumectl(), args, VolumectlEnv());
  }
  // Runs volumectl and expects it to fail with `exit_code` and the one line `message`.
  static void ExpectFailure(const std::vector<std::string>& args, int exit_code,
                            const std::string& message) {
    const ToolResult r = Run(args);
    EXPECT_EQ(r.exit_code, exit_code) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err, "volumectl: " + message + "\n") << args[0];
  }
  static std::string NfsUrl(const std::string& volume) {
    return "nfs://127.0.0.1/" + volume + "?nfsport=" + std::to_string(server_->nfs_port()) +
           "&mountport=" + std::to_string(server_->mount_port());
  }

  const TempDir tmp_{"volumectl-live"};
  const std::string dir_ = tmp_.path();
};

void WriteFile(const std::string& path, const std::string& data, mode_t mode, time_t mtime) {
  {
    std::ofstream out(path, std::ios::binary);
    out << data;
  }
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
  const timeval tv[2] = {{mtime - 100, 250000}, {mtime, 123456}};
  ASSERT_EQ(utimes(path.c_str(), tv), 0);
}

using volumed::testing::ReadFile;

size_t CountEntries(const std::string& dir) {
  size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    ++n;
  }
  return n;
}

// Compares two local trees: the same entries; files with the same bytes, permission bits
// and mtimes to the microsecond (libnfs sets times as struct timeval); symlinks with the
// same target. `b` holds nothing `a` lacks.
void ExpectSameTree(const std::string& a, const std::string& b, size_t* files) {
  ASSERT_EQ(CountEntries(a), CountEntries(b));
  for (auto it = fs::recursive_directory_iterator(a); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string rel = it->path().lexically_relative(a).string();  // links not followed
    const std::string other = (fs::path(b) / rel).string();
    if (it->is_symlink()) {
      ASSERT_TRUE(fs::is_symlink(other)) << rel << " is not a symlink";
      EXPECT_EQ(fs::read_symlink(it->path()), fs::read_symlink(other)) << rel;
      continue;
    }
    struct stat sa {
    }, sb{};
    ASSERT_EQ(lstat(it->path().c_str(), &sa), 0);
    ASSERT_EQ(lstat(other.c_str(), &sb), 0) << rel << " missing";
    ASSERT_EQ(sa.st_mode, sb.st_mode) << rel;
    EXPECT_EQ(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec) << rel;
    EXPECT_EQ(sa.st_mtim.tv_nsec / 1000, sb.st_mtim.tv_nsec / 1000) << rel;
    if (S_ISREG(sa.st_mode)) {
      ASSERT_EQ(sa.st_size, sb.st_size) << rel;
      if (sa.st_size <= (1 << 20)) {
        EXPECT_EQ(ReadFile(it->path()), ReadFile(other)) << rel;
      } else {
        std::ifstream fa(it->path(), std::ios::binary), fb(other, std::ios::binary);
        std::vector<char> ba(1 << 20), bb(1 << 20);
        while (fa && fb) {
          fa.read(ba.data(), ba.size());
          fb.read(bb.data(), bb.size());
          ASSERT_EQ(fa.gcount(), fb.gcount());
          ASSERT_EQ(0, std::memcmp(ba.data(), bb.data(), static_cast<size_t>(fa.gcount()))) << rel;
        }
      }
      ++*files;
    }
  }
}

TEST_F(VolumectlLiveTest, PutGetRoundTripOfATreeAndABigFile) {
  const int n_files = EnvInt("VOLUMECTL_TREE_FILES", 5000);
  const int big_mib = EnvInt("VOLUMECTL_BIG_MIB", 512);
  const std::string src = dir_ + "/src/tree";
  fs::create_directories(src);
  std::mt19937 rng(42);
  const mode_t modes[] = {0644, 0600, 0755, 0444, 0640};
  for (int i = 0; i < n_files; ++i) {
    const std::string d = src + "/d" + std::to_string(i % 50) + "/e" + std::to_string(i % 7);
    fs::create_directories(d);
    std::string data(rng() % 4096, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    WriteFile(d + "/f" + std::to_string(i), data, modes[i % 5], 1'600'000'000 + i);
  }
  fs::create_symlink("d0/e0/f0", src + "/link");
  {
    const std::string big = src + "/big.bin";
    std::ofstream out(big, std::ios::binary);
    std::vector<char> block(1 << 20);
    for (int m = 0; m < big_mib; ++m) {
      for (size_t k = 0; k < block.size(); k += 8) {
        const uint64_t v = rng();
        std::memcpy(&block[k], &v, 8);
      }
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }
  ASSERT_EQ(chmod((src + "/d3").c_str(), 0750), 0);

  ASSERT_EQ(Run({"create", "files"}).exit_code, 0);
  auto t0 = std::chrono::steady_clock::now();
  ToolResult r = Run({"put", "-j", "4", src, "files:/"});
  const double put_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress line without a terminal

  r = Run({"ls", "files"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tree/\n");
  r = Run({"ls", "files:tree/d1/e1", "-l"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("f1\n"), std::string::npos) << r.out;
  r = Run({"ls", "files:/tree", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("{\"name\":\"big.bin\",\"type\":\"file\",\"mode\":420"), std::string::npos)
      << r.out.substr(0, 400);

  r = Run({"du", "files", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  uint64_t expect_bytes = 0;
  for (auto& e : fs::recursive_directory_iterator(src)) {
    if (e.is_regular_file() && !e.is_symlink()) expect_bytes += e.file_size();
  }
  EXPECT_NE(r.out.find("\"bytes\":" + std::to_string(expect_bytes) + ","), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"files\":" + std::to_string(n_files + 1) + ","), std::string::npos)
      << r.out;  // the small files and big.bin
  EXPECT_NE(r.out.find("\"symlinks\":1,"), std::string::npos) << r.out;

  const std::string out = dir_ + "/out";
  fs::create_directories(out);
  t0 = std::chrono::steady_clock::now();
  r = Run({"get", "files:/tree", out});
  const double get_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t compared = 0;
  ExpectSameTree(src, out + "/tree", &compared);
  EXPECT_EQ(compared, static_cast<size_t>(n_files + 1));
  std::fprintf(stderr, "[measure] put %d files + %d MiB: %.1fs; get: %.1fs\n", n_files, big_mib,
               put_s, get_s);
  ASSERT_EQ(Run({"delete", "files", "--yes"}).exit_code, 0);
}

TEST_F(VolumectlLiveTest, GetGlobsStdoutForceAndRm) {
  ASSERT_EQ(Run({"create", "small"}).exit_code, 0);
  fs::create_directories(dir_ + "/in/sub");
  WriteFile(dir_ + "/in/a.txt", "alpha", 0644, 1'700'000'000);
  WriteFile(dir_ + "/in/b.txt", "beta", 0600, 1'700'000'001);
  WriteFile(dir_ + "/in/c.dat", "gamma", 0644, 1'700'000'002);
  WriteFile(dir_ + "/in/sub/d.txt", "delta", 0644, 1'700'000'003);
  ToolResult r = Run({"put", dir_ + "/in/a.txt", dir_ + "/in/b.txt", dir_ + "/in/c.dat",
                      dir_ + "/in/sub", "small:docs/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run({"ls", "small:docs"});
  EXPECT_EQ(r.out, "a.txt\nb.txt\nc.dat\nsub/\n");

  r = Run({"get", "small:docs/*.txt", dir_ + "/got"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir_ + "/got/a.txt"), "alpha");
  EXPECT_EQ(ReadFile(dir_ + "/got/b.txt"), "beta");
  EXPECT_FALSE(fs::exists(dir_ + "/got/c.dat"));

  r = Run({"get", "small:docs/a.txt", dir_ + "/got"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err,
            "volumectl: " + dir_ + "/got/a.txt: already exists (use --force to overwrite)\n");
  r = Run({"get", "--force", "small:docs/c.dat", dir_ + "/got/a.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(dir_ + "/got/a.txt"), "gamma");

  r = Run({"get", "small:docs/sub/d.txt", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "delta");
  ExpectFailure({"get", "small:docs/*.none", dir_ + "/got"}, 3, "no match for small:/docs/*.none");
  ExpectFailure({"get", "small:docs/missing", dir_ + "/x"}, 3,
                "small:/docs/missing: no such file or directory");
  ExpectFailure({"ls", "nosuchvolume"}, 3, "no volume named 'nosuchvolume' on 127.0.0.1");

  r = Run({"du", "small:docs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("19 bytes in 4 files, 1 directories"), std::string::npos) << r.out;

  r = Run({"rm", "small:docs/sub"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "volumectl: small:/docs/sub is a directory (use -r to remove it and all it holds)\n");
  ASSERT_EQ(Run({"rm", "small:docs/a.txt"}).exit_code, 0);
  ASSERT_EQ(Run({"rm", "-r", "small:docs/sub"}).exit_code, 0);
  r = Run({"ls", "small:docs"});
  EXPECT_EQ(r.out, "b.txt\nc.dat\n");
  r = Run({"rm", "small:docs/a.txt"});
  EXPECT_EQ(r.exit_code, 3);
  ASSERT_EQ(Run({"delete", "small", "--yes"}).exit_code, 0);
}

TEST_F(VolumectlLiveTest, SymlinksRoundTripLinkForLink) {
  const std::string src = dir_ + "/links";
  fs::create_directories(src + "/sub/deeper");
  WriteFile(src + "/a.txt", "alpha", 0644, 1'700'000'000);
  WriteFile(src + "/sub/b.bin", std::string(70000, 'b'), 0600, 1'700'000'001);
  WriteFile(src + "/sub/deeper/c.txt", "gamma", 0640, 1'700'000'002);
  fs::create_symlink("a.txt", src + "/rel");
  fs::create_symlink("../a.txt", src + "/sub/up");
  fs::create_symlink("/etc/hostname", src + "/sub/deeper/abs");
  fs::create_symlink("no/such/file", src + "/dangling");
  fs::create_symlink("sub", src + "/dirlink");

  ASSERT_EQ(Run({"create", "ln"}).exit_code, 0);
  ToolResult r = Run({"put", "--json", src, "ln:/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("{\"files\":3,\"directories\":3,\"symlinks\":5,\"bytes\":70010,"
                        "\"elapsed_ms\":",
                        0),
            0u)
      << r.out;

  // Each link sits in its own directory, with its target verbatim.
  r = Run({"ls", "-l", "ln:links"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" rel -> a.txt\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" dangling -> no/such/file\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" dirlink -> sub\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" up -> "), std::string::npos) << r.out;
  r = Run({"ls", "ln:links/sub"});
  EXPECT_EQ(r.out, "b.bin\ndeeper/\nup\n");
  r = Run({"ls", "--json", "ln:links/sub/deeper/abs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("[{\"name\":\"abs\",\"type\":\"symlink\",", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(",\"target\":\"/etc/hostname\"}]"), std::string::npos) << r.out;
  r = Run({"du", "--json", "ln:links"});
  EXPECT_NE(r.out.find("\"bytes\":70010,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"files\":3,\"directories\":2,\"symlinks\":5,"), std::string::npos)
      << r.out;

  const std::string out = dir_ + "/out";
  fs::create_directories(out);
  r = Run({"get", "--json", "ln:/links", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"files\":3,\"directories\":3,\"symlinks\":5,\"bytes\":70010,", 0), 0u)
      << r.out;
  size_t compared = 0;
  ExpectSameTree(src, out + "/links", &compared);
  EXPECT_EQ(compared, 3u);

  // put replaces a link like a file; get keeps a local link unless --force.
  fs::remove(src + "/rel");
  fs::create_symlink("sub/b.bin", src + "/rel");
  r = Run({"put", src + "/rel", "ln:/links/rel"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run({"ls", "-l", "ln:links/rel"});
  EXPECT_NE(r.out.find(" rel -> sub/b.bin\n"), std::string::npos) << r.out;
  r = Run({"get", "ln:/links/rel", out + "/links/rel"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err, "volumectl: " + out + "/links/rel: already exists (use --force to overwrite)\n");
  r = Run({"get", "--force", "ln:/links/rel", out + "/links/rel"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::read_symlink(out + "/links/rel"), "sub/b.bin");

  // rm removes a link itself, never what it points to; rm -r takes links with the tree.
  ASSERT_EQ(Run({"rm", "ln:links/rel"}).exit_code, 0);
  ASSERT_EQ(Run({"rm", "ln:links/dirlink"}).exit_code, 0);
  r = Run({"ls", "ln:links"});
  EXPECT_EQ(r.out, "a.txt\ndangling\nsub/\n");
  ASSERT_EQ(Run({"rm", "-r", "ln:links"}).exit_code, 0);
  r = Run({"ls", "ln:/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(Run({"delete", "ln", "--yes"}).exit_code, 0);
}

TEST_F(VolumectlLiveTest, ProgressOnlyOnATerminal) {
  ASSERT_EQ(Run({"create", "prog"}).exit_code, 0);
  WriteFile(dir_ + "/f", std::string(300000, 'p'), 0644, 1'700'000'000);
  ToolOptions o = VolumectlEnv();
  o.stderr_tty = true;
  ToolResult r = RunTool(Volumectl(), {"put", dir_ + "/f", "prog:/f"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("put 1/1 files, 293.0 KiB/293.0 KiB (100%)"), std::string::npos) << r.err;
  r = RunTool(Volumectl(), {"get", "prog:/f", dir_ + "/g"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("get 1/1 files, 293.0 KiB/293.0 KiB (100%)"), std::string::npos) << r.err;
  // The same commands into a pipe print nothing at all.
  r = Run({"get", "--force", "prog:/f", dir_ + "/g"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(Run({"delete", "prog", "--yes"}).exit_code, 0);
}

TEST_F(VolumectlLiveTest, MissingThingsAreOneLineErrors) {
  WriteFile(dir_ + "/f", "x", 0644, 1'700'000'000);
  ExpectFailure({"put", dir_ + "/f", "ghost:/f"}, 3, "no volume named 'ghost' on 127.0.0.1");
  ExpectFailure({"get", "ghost:/f", dir_ + "/g"}, 3, "no volume named 'ghost' on 127.0.0.1");
  ExpectFailure({"info", "ghost"}, 3, "no volume named 'ghost'");

  ASSERT_EQ(Run({"create", "here"}).exit_code, 0);
  ExpectFailure({"put", dir_ + "/f", dir_ + "/missing", "here:/"}, 3,
                dir_ + "/missing: no such file or directory");
  EXPECT_EQ(Run({"ls", "here"}).out, "");  // nothing was copied
  ASSERT_EQ(Run({"put", dir_ + "/f", "here:/f"}).exit_code, 0);
  ExpectFailure({"get", "here:/f", dir_ + "/no/such/dir/f"}, 3,
                dir_ + "/no/such/dir/f: no such file or directory");
  ExpectFailure({"get", "--json", "here:/f", "-"}, 2,
                "get to stdout ('-') takes no --json: stdout holds the file");
  ASSERT_EQ(Run({"delete", "here", "--yes"}).exit_code, 0);

  // No server: nothing listens on these ports.
  ToolOptions o = VolumectlEnv();
  for (auto& [key, value] : o.env) {
    if (key == "VOLUMED_NFS_PORT" || key == "VOLUMED_MOUNT_PORT") value = "1";
    if (key == "VOLUMED_ADMIN_SOCKET") value = dir_ + "/none.sock";
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{"ls", "here"},
                                               {"put", dir_ + "/f", "here:/f"},
                                               {"get", "here:/f", dir_ + "/h"},
                                               {"list"}}) {
    const ToolResult r = RunTool(Volumectl(), args, o);
    EXPECT_EQ(r.exit_code, 6) << args[0] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(args[0] == "list" ? "no volumed is answering at "
                                           : "no NFS server answers at 127.0.0.1"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(VolumectlLiveTest, PolicyIsEnforcedAndReportedPlainly) {
  WriteFile(dir_ + "/f", "data", 0644, 1'700'000'000);
  ASSERT_EQ(Run({"create", "ro", "--read-only"}).exit_code, 0);
  ToolResult r = Run({"put", dir_ + "/f", "ro:/f"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err, "volumectl: ro:/f: the volume is read-only\n");

  ASSERT_EQ(Run({"policy", "ro", "--read-write"}).exit_code, 0);
  r = Run({"put", dir_ + "/f", "ro:/f"});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // Only 10.9.9.9 may mount: this client (127.0.0.1) is refused.
  ASSERT_EQ(Run({"policy", "ro", "--allow", "10.9.9.9/32"}).exit_code, 0);
  r = Run({"ls", "ro"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.err,
            "volumectl: 127.0.0.1 does not let this client mount volume 'ro' (its export policy "
            "refuses this address)\n");
  ASSERT_EQ(Run({"policy", "ro", "--allow", "127.0.0.0/8"}).exit_code, 0);
  EXPECT_EQ(Run({"ls", "ro"}).out, "f\n");
  ASSERT_EQ(Run({"delete", "ro", "--yes"}).exit_code, 0);
}

TEST_F(VolumectlLiveTest, InfoShowsUseAndMounts) {
  ASSERT_EQ(Run({"create", "used", "--quota-bytes", "1M"}).exit_code, 0);
  WriteFile(dir_ + "/f", std::string(100000, 'x'), 0644, 1'700'000'000);
  ASSERT_EQ(Run({"put", dir_ + "/f", "used:/f"}).exit_code, 0);
  ToolResult r = Run({"info", "used", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"quota\":{\"bytes\":1048576"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"used_bytes\":null"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"lock_count\":0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"mounts\":["), std::string::npos) << r.out;
  r = Run({"locks", "list", "used"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no locks in 'used'\n");
  r = Run({"locks", "break", "used", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "broke 0 lock(s) in 'used'\n");
  r = Run({"fsck", "used"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("used: "), std::string::npos);
  EXPECT_NE(r.out.find("inodes checked, 0 problems found"), std::string::npos) << r.out;
  // Over quota: the server refuses and volumectl says so.
  WriteFile(dir_ + "/big", std::string(2 << 20, 'y'), 0644, 1'700'000'000);
  r = Run({"put", dir_ + "/big", "used:/big"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "volumectl: used:/big: the volume's quota is used up\n");
  ASSERT_EQ(Run({"delete", "used", "--yes"}).exit_code, 0);
}

// Several gateways (README "Scaling out"): the file commands mount from the address the
// admin program places the volume at when the server given does not serve it. The admin
// program here is a pretend one (gateway_admin_server.h) that places "followed" on gw2 at
// 127.0.0.1 (the live server) and "astray" on gw1 at 127.0.0.2, where nothing listens.
TEST_F(VolumectlLiveTest, FileCommandsFollowTheVolumeToTheGatewayServingIt) {
  ASSERT_EQ(Run({"create", "followed"}).exit_code, 0);
  WriteFile(dir_ + "/f", "followed bytes", 0644, 1'700'000'000);
  ASSERT_EQ(Run({"put", dir_ + "/f", "followed:/f"}).exit_code, 0);

  storage::GatewayInfo gw1;
  gw1.id = "gw1";
  gw1.address = "127.0.0.2/8";
  gw1.live = gw1.self = true;
  storage::GatewayInfo gw2;
  gw2.id = "gw2";
  gw2.address = "127.0.0.1/8";
  gw2.live = true;
  const std::string socket = dir_ + "/gateway-admin.sock";
  auto admin =
      GatewayAdminServer::Start(socket, {gw1, gw2}, {{"followed", "gw2"}, {"astray", "gw1"}});
  ASSERT_NE(admin, nullptr);
  ToolOptions o = VolumectlEnv();
  for (auto& [name, value] : o.env) {
    if (name == "VOLUMED_ADMIN_SOCKET") value = socket;
    if (name == "VOLUMED_SERVER") value = "127.0.0.2";  // gw1's address: nothing answers
  }
  ToolResult r = RunTool(Volumectl(), {"ls", "followed:/"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "f\n");
  r = RunTool(Volumectl(), {"get", "followed:/f", "-"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "followed bytes");
  WriteFile(dir_ + "/g", "more", 0644, 1'700'000'000);
  r = RunTool(Volumectl(), {"put", dir_ + "/g", "followed:/"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Run({"ls", "followed:/"}).out, "f\ng\n");
  // A tree on 4 workers: each worker's session goes where the first one found the volume.
  fs::create_directory(dir_ + "/tree");
  for (int i = 0; i < 16; ++i) {
    WriteFile(dir_ + "/tree/" + std::to_string(i), std::string(1000, 'a' + i), 0644, 1'700'000'000);
  }
  r = RunTool(Volumectl(), {"put", "-j", "4", dir_ + "/tree", "followed:/", "--json"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"files\":16"), std::string::npos) << r.out;
  r = RunTool(Volumectl(), {"du", "followed:/tree", "--json"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"bytes\":16000"), std::string::npos) << r.out;

  // A volume the admin program does not know: the host given's answer, as without gateways.
  r = RunTool(Volumectl(), {"ls", "unknown:/"}, o);
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.err.rfind("volumectl: no NFS server answers at 127.0.0.2", 0), 0u) << r.err;
  // The live server answers MOUNT NOENT for "astray": volumectl goes to 127.0.0.2, where the
  // admin program places it, and says that nobody answers there.
  for (auto& [name, value] : o.env) {
    if (name == "VOLUMED_SERVER") value = "127.0.0.1";
  }
  r = RunTool(Volumectl(), {"ls", "astray:/"}, o);
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_EQ(r.err.rfind("volumectl: no NFS server answers at 127.0.0.2", 0), 0u) << r.err;
  ASSERT_EQ(Run({"delete", "followed", "--yes"}).exit_code, 0);
}

TEST_F(VolumectlLiveTest, ALapsedLeaseDeletesTheVolumeAndStalesLiveHandles) {
  ASSERT_EQ(Run({"create", "brief", "--ephemeral", "--ttl", "2s"}).exit_code, 0);
  const ToolResult renewed = Run({"renew", "brief", "--ttl", "2s", "--json"});
  ASSERT_EQ(renewed.exit_code, 0) << renewed.err;
  EXPECT_EQ(renewed.out.rfind("{\"name\":\"brief\",\"lease_expiry_ns\":", 0), 0u) << renewed.out;
  WriteFile(dir_ + "/f", "soon gone", 0644, 1'700'000'000);
  ASSERT_EQ(Run({"put", dir_ + "/f", "brief:/f"}).exit_code, 0);

  nfs_context* nfs = nfs_init_context();
  ASSERT_NE(nfs, nullptr);
  nfs_url* url = nfs_parse_url_dir(nfs, NfsUrl("brief").c_str());
  ASSERT_NE(url, nullptr);
  ASSERT_EQ(nfs_mount(nfs, url->server, url->path), 0) << nfs_get_error(nfs);
  nfs_destroy_url(url);
  nfsfh* fh = nullptr;
  ASSERT_EQ(nfs_open(nfs, "/f", O_RDONLY, &fh), 0) << nfs_get_error(nfs);
  char buf[32] = {};
  ASSERT_EQ(nfs_pread(nfs, fh, 0, sizeof buf, buf), 9);

  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = Run({"info", "brief"}).exit_code == 3;
  }
  ASSERT_TRUE(gone) << "the lease lapsed but the volume is still there";
  // libnfs 4.0 reports a failed READ as -EFAULT; GETATTR carries the status itself.
  EXPECT_LT(nfs_pread(nfs, fh, 0, sizeof buf, buf), 0);
  nfs_stat_64 st{};
  EXPECT_EQ(nfs_fstat64(nfs, fh, &st), -ESTALE) << nfs_get_error(nfs);
  nfs_close(nfs, fh);
  nfs_destroy_context(nfs);
}

TEST_F(VolumectlLiveTest, RunGivesTheCommandAVolumeAndDeletesIt) {
  WriteFile(dir_ + "/f", "job input", 0644, 1'700'000'000);
  ToolOptions o = VolumectlEnv();
  ToolResult r = RunTool(Volumectl(),
                         {"run", "--volume", "job", "--ttl", "3s", "--", "sh", "-c",
                          Volumectl() + " put " + dir_ + "/f $VOLUMED_VOLUME:/in && " +
                              Volumectl() + " ls $VOLUMED_VOLUME && echo $VOLUMED_MOUNT_SOURCE"},
                         o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "in\n127.0.0.1:/job\n");
  r = Run({"info", "job"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'job'\n");
}

TEST_F(VolumectlLiveTest, ALeaseThatLapsedWhileTheServerWasDownIsCollectedAtStart) {
  ASSERT_EQ(Run({"create", "orphan", "--ephemeral", "--ttl", "1s"}).exit_code, 0);
  ASSERT_TRUE(server_->Stop().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(server_->Restart().ok());
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = Run({"info", "orphan"}).exit_code == 3;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone);
  EXPECT_EQ(Run({"list"}).out.find("orphan"), std::string::npos);
}

TEST_F(VolumectlLiveTest, OfflineFsckReadsAStoppedServersDataDirectory) {
  ASSERT_EQ(Run({"create", "offline"}).exit_code, 0);
  WriteFile(dir_ + "/f", "checked", 0644, 1'700'000'000);
  ASSERT_EQ(Run({"put", dir_ + "/f", "offline:/f"}).exit_code, 0);
  ToolResult r = Run({"fsck", "offline", "--data", server_->data_dir()});
  EXPECT_EQ(r.exit_code, 1);  // the running server holds the store
  EXPECT_NE(r.err.find("if volumed is running, use `volumectl fsck offline`"), std::string::npos)
      << r.err;
  ASSERT_TRUE(server_->Stop().ok());
  r = Run({"fsck", "offline", "--data", server_->data_dir()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 problems found"), std::string::npos) << r.out;
  r = Run({"fsck", "ghost", "--data", server_->data_dir()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "volumectl: no volume named 'ghost' in " + server_->data_dir() + "\n");
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_EQ(Run({"delete", "offline", "--yes"}).exit_code, 0);
}

}  // namespace
}  // namespace volumed::testing
