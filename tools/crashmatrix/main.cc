// crashmatrix: proves that volumed never loses what it acknowledged. Starts volumed on a
// fresh data directory, then for each round drives a mixed NFS workload, SIGKILLs the
// server at a random moment, checks the volume with storage fsck, restarts it and verifies
// every acknowledged-stable byte and namespace change (see round_driver.h, model.h).
//
//   crashmatrix --rounds 100 --seed 7 [--volumed build/src/volumed] [--port 22049]
//               [--clients 4 --depth 4]
//               [--store rados --ceph-conf C --ceph-pool P [--ceph-user U] [--ceph-namespace N]]
//
// By default one connection makes one call at a time, so exactly one call is in flight at
// the kill. --clients N --depth D runs the concurrent workload instead: N connections with
// D calls in flight each, observers that look at each other's unacknowledged changes, and
// a check that every change a reply revealed survived (concurrent_workload.h).
//
// --lose-unsynced preloads libcrashmatrix_lose_unsynced.so (built next to this binary)
// into volumed, so that each SIGKILL also loses every LevelDB log byte not yet fsync'ed, as
// a power failure would (lose_unsynced.cc); without it a kill -9 loses only what volumed
// had not yet handed to the kernel.
//
// --store rados runs volumed on a Ceph pool (its usual --store/--ceph-* flags; --ceph-conf,
// --ceph-pool and --ceph-user default to $CEPH_CONF, $CEPH_POOL and $CEPH_USER, which
// tests/support/with_ceph.sh sets) and fscks through the same store. Its namespaces default to
// "crashmatrix/<work dir name>", so runs never meet in a pool. Unsynced bytes live in
// volumed's memory there, so every kill loses them and --lose-unsynced does not apply.
//
// Exit status: 0 when every round passed, 1 when a problem was found, 2 on a harness
// failure. The last line is a one-line summary.
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "round_driver.h"
#include "server.h"
#include "storage/rados/rados_store.h"

int main(int argc, char** argv) {
  using namespace volumed::crashmatrix;
  CLI::App app{"Crash matrix: SIGKILL volumed under a mixed workload and verify what it acked"};
  DriverOptions options;
  std::string volumed_bin = std::getenv("VOLUMED_BIN") ? std::getenv("VOLUMED_BIN") : "";
  uint16_t port = 22049;
  std::string work_dir;
  bool keep = false;
  app.add_option("--rounds", options.rounds, "kill/restart rounds")->capture_default_str();
  app.add_option("--seed", options.seed, "random seed (workload and kill moments)")
      ->capture_default_str();
  app.add_option("--volumed", volumed_bin, "volumed binary (default: $VOLUMED_BIN)");
  app.add_option("--port", port, "NFS port; MOUNT, NLM, NSM take the next three")
      ->capture_default_str();
  app.add_option("--kill-max-ms", options.kill_max_ms, "latest kill moment in a round (ms)")
      ->capture_default_str();
  app.add_option("--work-dir", work_dir, "where the data directory goes (default: a temp dir)");
  app.add_flag("--keep", keep, "keep the data directory and server log");
  app.add_option("--clients", options.clients, "NFS connections (concurrent workload if > 1)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--depth", options.depth, "calls in flight per connection (concurrent if > 1)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  bool lose_unsynced = false;
  app.add_flag("--lose-unsynced", lose_unsynced,
               "kills also lose unsynced log bytes, as a power failure would");
  app.add_flag("-v,--verbose", options.verbose, "one line per round");
  std::string store = "embedded";
  volumed::storage::rados::RadosStoreOptions ceph;
  ceph.conf_path = std::getenv("CEPH_CONF") ? std::getenv("CEPH_CONF") : "/etc/ceph/ceph.conf";
  ceph.pool = std::getenv("CEPH_POOL") ? std::getenv("CEPH_POOL") : "";
  if (std::getenv("CEPH_USER") != nullptr) ceph.user = std::getenv("CEPH_USER");
  app.add_option("--store", store, "volumed's store: 'embedded' or 'rados'")
      ->check(CLI::IsMember({"embedded", "rados"}))
      ->capture_default_str();
  app.add_option("--ceph-conf", ceph.conf_path, "ceph.conf for --store rados (default $CEPH_CONF)")
      ->capture_default_str();
  app.add_option("--ceph-user", ceph.user, "cephx user for --store rados (default $CEPH_USER)")
      ->capture_default_str();
  app.add_option("--ceph-pool", ceph.pool, "RADOS pool for --store rados (default $CEPH_POOL)");
  app.add_option("--ceph-namespace", ceph.namespace_prefix,
                 "namespace prefix for --store rados (default crashmatrix/<work dir name>)");
  CLI11_PARSE(app, argc, argv);
  if (volumed_bin.empty()) {
    fmt::print(stderr, "crashmatrix: give --volumed or set VOLUMED_BIN\n");
    return 2;
  }
  if (options.kill_max_ms < options.kill_min_ms) options.kill_max_ms = options.kill_min_ms;

  bool temp = false;
  if (work_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "crashmatrix.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      fmt::print(stderr, "crashmatrix: mkdtemp failed\n");
      return 2;
    }
    work_dir = tmpl;
    temp = true;
  }
  ServerConfig config;
  config.binary = volumed_bin;
  config.data_dir = work_dir + "/data";
  config.log_path = work_dir + "/volumed.log";
  config.volume = "cm";
  config.nfs_port = port;
  if (lose_unsynced) {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    const auto preload = self.parent_path() / "libcrashmatrix_lose_unsynced.so";
    if (ec || !std::filesystem::exists(preload)) {
      fmt::print(stderr, "crashmatrix: --lose-unsynced needs {}\n", preload.string());
      return 2;
    }
    config.extra_env.push_back("LD_PRELOAD=" + preload.string());
  }
  std::unique_ptr<volumed::storage::StoreEnv> store_env;  // outlives the driver
  if (store == "rados") {
    if (lose_unsynced) {
      fmt::print(stderr, "crashmatrix: --lose-unsynced applies to the embedded store only\n");
      return 2;
    }
    if (ceph.pool.empty()) {
      fmt::print(stderr, "crashmatrix: --store rados needs --ceph-pool (or $CEPH_POOL)\n");
      return 2;
    }
    if (ceph.namespace_prefix.empty()) {
      ceph.namespace_prefix = "crashmatrix/" + std::filesystem::path(work_dir).filename().string();
    }
    ceph.root = config.data_dir;  // the gateway id, like volumed's, is host name + --data
    config.extra_args = {
        "--store", "rados",       "--ceph-conf", ceph.conf_path,     "--ceph-user",
        ceph.user, "--ceph-pool", ceph.pool,     "--ceph-namespace", ceph.namespace_prefix};
    auto connected = volumed::storage::rados::ConnectRadosStore(ceph);
    if (!connected.ok()) {
      fmt::print(stderr, "crashmatrix: {}\n", connected.status().ToString());
      return 2;
    }
    store_env = std::move(*connected);
  }

  DriverSummary summary;
  volumed::Status harness;
  {
    ServerLauncher server(config);
    RoundDriver driver(&server, config.data_dir, store_env.get(), options);
    harness = driver.Run(&summary);
  }
  for (const auto& p : summary.problems) fmt::print("PROBLEM {}\n", p);
  if (!harness.ok()) fmt::print("HARNESS {}\n", harness.ToString());
  const auto& o = summary.ops;
  fmt::print(
      "crashmatrix: seed {}{}{}: {}/{} rounds; {} ops (create {}, write unstable {}, write sync "
      "{}, "
      "commit {}, truncate {}, rename {}, remove {}); {:.1f} MiB acked stable; in-flight "
      "namespace ops applied {} / not applied {}; {} files, {:.1f} MiB verified; {} problems\n",
      options.seed, lose_unsynced ? " (kills lose unsynced log bytes)" : "",
      store_env ? fmt::format(" (store rados, pool '{}')", ceph.pool) : "", summary.rounds,
      options.rounds, o.ops(), o.creates, o.unstable_writes, o.sync_writes, o.commits, o.truncates,
      o.renames, o.removes, static_cast<double>(o.stable_bytes) / (1 << 20),
      summary.inflight_applied, summary.inflight_not_applied, summary.files_checked,
      static_cast<double>(summary.bytes_checked) / (1 << 20), summary.problems.size());
  if (options.concurrent()) {
    const auto& c = summary.concurrency;
    fmt::print(
        "crashmatrix: {} clients x {} in flight: {} calls unanswered at the kills ({} changes, "
        "most at one kill {}); {} observations revealed {} unacknowledged changes ({} to "
        "another client), {} of them still in flight at a kill\n",
        options.clients, options.depth, c.unanswered, c.unanswered_changes, c.max_unanswered,
        c.observations, c.reveals, c.cross_client_reveals, c.revealed_at_kill);
  }
  const bool passed = harness.ok() && summary.problems.empty();
  if (temp && !keep && passed) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir, ec);
  } else {
    fmt::print("crashmatrix: data and server log kept in {}\n", work_dir);
  }
  if (!harness.ok()) return 2;
  return passed ? 0 : 1;
}
