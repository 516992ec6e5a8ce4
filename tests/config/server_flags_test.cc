// ServerFlags: the config file holds every flag and round-trips through --print-config;
// unknown keys and bad values fail with one line naming the key and the file; flags on the
// command line override the file; the default file is read only when it exists.
#include "config/server_flags.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace volumed::config {
namespace {

using volumed::testing::TempDir;

ParsedFlags Parse(std::vector<std::string> args, const std::string& default_config = "") {
  args.insert(args.begin(), "volumed");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseServerFlags(static_cast<int>(argv.size()), argv.data(), default_config);
}

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

// A value for every flag, each different from its default.
constexpr const char* kEveryKey = R"(# every flag of volumed
data = "/srv/volumed"
listen = "127.0.0.2"
nfs-port = 12049
mount-port = 12048
nlm-port = 12803
nsm-port = 12765
admin-socket = "/tmp/volumed-admin.sock"
threads = 7
no-rpcbind = true
require-privileged-port = true
log-level = "debug"
volume = ["alpha", "beta"]
max-connections = 99
max-open-volumes = 12
volume-idle-close = 5
idle-timeout = 77
grace-period = 3
nsm-name = "server.example"
admin-tcp-port = 7001
admin-secret-file = "/etc/volumed/secret"
admin-allow-uid = [1000, 1001]
boot-id = "0123-boot"
store = "rados"
ceph-conf = "/etc/ceph/other.conf"
ceph-user = "volumed"
ceph-pool = "volumes"
ceph-namespace = "site-a"
ceph-gateway-id = "gw1"
ceph-lease = 45
http = "127.0.0.1:9049"
service-address = "10.77.0.11/24"
service-interface = "eth1"
)";

TEST(ServerFlagsTest, EveryKeyIsReadAndRoundTripsThroughPrintConfig) {
  TempDir dir("volumed-config");
  const std::string file = WriteFile(dir, "every.conf", kEveryKey);
  const ParsedFlags first = Parse({"--config", file, "--print-config"});
  ASSERT_EQ(first.action, ParsedFlags::Action::kPrintConfig) << first.output;
  const ServerFlags& f = first.flags;
  EXPECT_EQ(f.data_dir, "/srv/volumed");
  EXPECT_EQ(f.listen, "127.0.0.2");
  EXPECT_EQ(f.nfs_port, 12049);
  EXPECT_EQ(f.mount_port, 12048);
  EXPECT_EQ(f.nlm_port, 12803);
  EXPECT_EQ(f.nsm_port, 12765);
  EXPECT_EQ(f.admin_socket, "/tmp/volumed-admin.sock");
  EXPECT_EQ(f.threads, 7u);
  EXPECT_TRUE(f.no_rpcbind);
  EXPECT_TRUE(f.require_privileged_port);
  EXPECT_EQ(f.log_level, "debug");
  EXPECT_EQ(f.volumes, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(f.max_connections, 99u);
  EXPECT_EQ(f.max_open_volumes, 12u);
  EXPECT_EQ(f.volume_idle_close_s, 5u);
  EXPECT_EQ(f.idle_timeout_s, 77u);
  EXPECT_EQ(f.grace_period_s, 3u);
  EXPECT_EQ(f.nsm_name, "server.example");
  EXPECT_EQ(f.admin_tcp_port, 7001);
  EXPECT_EQ(f.admin_secret_file, "/etc/volumed/secret");
  EXPECT_EQ(f.admin_allow_uids, (std::vector<uint32_t>{1000, 1001}));
  EXPECT_EQ(f.boot_id, "0123-boot");
  EXPECT_EQ(f.store, "rados");
  EXPECT_EQ(f.ceph_conf, "/etc/ceph/other.conf");
  EXPECT_EQ(f.ceph_user, "volumed");
  EXPECT_EQ(f.ceph_pool, "volumes");
  EXPECT_EQ(f.ceph_namespace, "site-a");
  EXPECT_EQ(f.ceph_gateway_id, "gw1");
  EXPECT_EQ(f.ceph_lease_s, 45);
  EXPECT_EQ(f.http, "127.0.0.1:9049");
  EXPECT_EQ(f.service_address, "10.77.0.11/24");
  EXPECT_EQ(f.service_interface, "eth1");

  // What --print-config printed is itself a config file that reads back to the same flags.
  const std::string printed = WriteFile(dir, "printed.conf", first.output);
  const ParsedFlags second = Parse({"--config", printed});
  ASSERT_EQ(second.action, ParsedFlags::Action::kServe) << second.output;
  EXPECT_EQ(second.flags, first.flags) << first.output;
}

TEST(ServerFlagsTest, DefaultsRoundTripThroughPrintConfig) {
  TempDir dir("volumed-config");
  const ParsedFlags first = Parse({"--print-config"});
  ASSERT_EQ(first.action, ParsedFlags::Action::kPrintConfig) << first.output;
  EXPECT_EQ(first.flags, ServerFlags{});
  const ParsedFlags second = Parse({"--config", WriteFile(dir, "d.conf", first.output)});
  ASSERT_EQ(second.action, ParsedFlags::Action::kServe) << second.output;
  EXPECT_EQ(second.flags, ServerFlags{});
}

TEST(ServerFlagsTest, CommandLineOverridesTheFile) {
  TempDir dir("volumed-config");
  const std::string file = WriteFile(dir, "v.conf", "nfs-port = 3000\nlog-level = \"warn\"\n");
  const ParsedFlags p = Parse({"--config", file, "--nfs-port", "4000"});
  ASSERT_EQ(p.action, ParsedFlags::Action::kServe) << p.output;
  EXPECT_EQ(p.flags.nfs_port, 4000);
  EXPECT_EQ(p.flags.log_level, "warn");  // from the file
  EXPECT_EQ(p.config_file, file);
}

TEST(ServerFlagsTest, UnknownKeyIsOneLineNamingKeyAndFile) {
  TempDir dir("volumed-config");
  const std::string file = WriteFile(dir, "u.conf", "nfs-port = 3000\nnfs-prot = 3001\n");
  const ParsedFlags p = Parse({"--config", file});
  ASSERT_EQ(p.action, ParsedFlags::Action::kExit);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.output, "volumed: " + file + ": unknown key 'nfs-prot'");
}

TEST(ServerFlagsTest, BadValueIsOneLineNamingKeyAndFile) {
  TempDir dir("volumed-config");
  const std::string file = WriteFile(dir, "b.conf", "nfs-port = \"many\"\n");
  const ParsedFlags p = Parse({"--config", file});
  ASSERT_EQ(p.action, ParsedFlags::Action::kExit);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_TRUE(p.output.starts_with("volumed: " + file + ": bad value for key 'nfs-port'"))
      << p.output;
  EXPECT_EQ(p.output.find('\n'), std::string::npos);

  // A value out of a flag's range is a bad value too.
  const std::string range = WriteFile(dir, "r.conf", "ceph-lease = 1\n");
  const ParsedFlags q = Parse({"--config", range});
  EXPECT_TRUE(q.output.starts_with("volumed: " + range + ": bad value for key 'ceph-lease'"))
      << q.output;
}

TEST(ServerFlagsTest, ServiceAddressIsIpv4WithPrefixOnAnInterface) {
  const ParsedFlags good =
      Parse({"--service-address", "10.77.0.12/24", "--service-interface", "veth-gw2"});
  ASSERT_EQ(good.action, ParsedFlags::Action::kServe) << good.output;
  EXPECT_EQ(good.flags.service_address, "10.77.0.12/24");
  EXPECT_EQ(good.flags.service_interface, "veth-gw2");

  for (const char* bad : {"10.77.0.12", "10.77.0.12/33", "10.77.0.12/0", "fd00::12/64",
                          "gw2.example/24", "10.77.0/24"}) {
    const ParsedFlags p = Parse({"--service-address", bad, "--service-interface", "eth0"});
    EXPECT_EQ(p.action, ParsedFlags::Action::kExit) << bad;
    EXPECT_EQ(p.exit_code, 2) << bad;
    EXPECT_NE(p.output.find(std::string("service address '") + bad + "'"), std::string::npos)
        << p.output;
  }
  for (const char* bad : {"eth0:1", "a-name-too-long", "eth 0", ".."}) {
    const ParsedFlags p = Parse({"--service-address", "10.0.0.1/8", "--service-interface", bad});
    EXPECT_EQ(p.action, ParsedFlags::Action::kExit) << bad;
    EXPECT_NE(p.output.find(std::string("service interface '") + bad + "'"), std::string::npos)
        << p.output;
  }

  // One without the other is an error, from the file too.
  const ParsedFlags alone = Parse({"--service-address", "10.77.0.12/24"});
  EXPECT_EQ(alone.action, ParsedFlags::Action::kExit);
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_EQ(alone.output, "volumed: --service-address and --service-interface go together");
  TempDir dir("volumed-config");
  const std::string file = WriteFile(dir, "s.conf", "service-interface = \"eth0\"\n");
  EXPECT_EQ(Parse({"--config", file}).action, ParsedFlags::Action::kExit);
  const std::string bad_file = WriteFile(dir, "t.conf", "service-address = \"10.1.2.3\"\n");
  const ParsedFlags from_file = Parse({"--config", bad_file});
  EXPECT_TRUE(from_file.output.starts_with("volumed: " + bad_file +
                                           ": bad value for key 'service-address'"))
      << from_file.output;
}

TEST(ServerFlagsTest, DefaultFileIsReadOnlyWhenItExists) {
  TempDir dir("volumed-config");
  const ParsedFlags absent = Parse({}, dir / "missing.conf");
  ASSERT_EQ(absent.action, ParsedFlags::Action::kServe) << absent.output;
  EXPECT_EQ(absent.flags, ServerFlags{});
  EXPECT_EQ(absent.config_file, "");

  const std::string file = WriteFile(dir, "volumed.conf", "http = \"127.0.0.1:9\"\n");
  const ParsedFlags present = Parse({}, file);
  ASSERT_EQ(present.action, ParsedFlags::Action::kServe) << present.output;
  EXPECT_EQ(present.flags.http, "127.0.0.1:9");
  EXPECT_EQ(present.config_file, file);

  // --config "" reads no file, not even the default one.
  const ParsedFlags none = Parse({"--config", ""}, file);
  ASSERT_EQ(none.action, ParsedFlags::Action::kServe) << none.output;
  EXPECT_EQ(none.flags.http, "");
  EXPECT_EQ(none.config_file, "");

  // A file named with --config must exist.
  const ParsedFlags named = Parse({"--config", dir / "missing.conf"});
  EXPECT_EQ(named.action, ParsedFlags::Action::kExit);
  EXPECT_NE(named.output.find("missing.conf"), std::string::npos) << named.output;
}

TEST(ServerFlagsTest, HelpMentionsHttpAndConfig) {
  const ParsedFlags p = Parse({"--help"});
  ASSERT_EQ(p.action, ParsedFlags::Action::kExit);
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.output.find("--http"), std::string::npos);
  EXPECT_NE(p.output.find("--config"), std::string::npos);
  EXPECT_NE(p.output.find("--print-config"), std::string::npos);
}

}  // namespace
}  // namespace volumed::config
