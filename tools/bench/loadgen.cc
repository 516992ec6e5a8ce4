// loadgen: an NFSv3 load generator (libnfs raw async calls, a poll loop per client) that
// runs ONE workload against any NFSv3 server and prints one machine-readable line:
//
//   workload=create clients=4 inflight=16 units=10000 items=10000 seconds=7.230
//   rate=1383.1 unit=files/s p50_us=9120 p99_us=30211 max_us=41022 finish_us=0
//
// (one line; `rate` is items per second, scaled to `unit`; latencies are per unit;
// finish_us is the longest closing step of any client, on the clock: the COMMIT that
// ends an UNSTABLE write workload).
//
//   loadgen WORKLOAD [--server 127.0.0.1 --nfs-port 2049 --mount-port 20048]
//           [--export /bench] [--dir loadgen] [--clients 1] [--inflight 1] [--seconds 5] …
//
// Each client is a thread with its own TCP connections (NFS and MOUNT) keeping up to
// --inflight units outstanding. Workloads (a unit in brackets):
//   null         NULL calls for --seconds                                [call]
//   create       CREATE (GUARDED) --files files f<first>… (--first 0) in --dir, each
//                followed by a WRITE of --file-kib at offset 0 (FILE_SYNC, or --stable);
//                clients share the numbering                              [file]
//   unlink       REMOVE the same names (what create made)                  [file]
//   getattr      GETATTR of random files of --dir for --seconds            [call]
//   lookup       LOOKUP of random names among those for --seconds          [call]
//   readdirplus  one complete READDIRPLUS listing of --dir per client      [entries]
//   randwrite    WRITE of --io-kib (4) at random aligned offsets into one --file-mib file
//                ("rand", made and filled first when missing), FILE_SYNC or --stable;
//                UNSTABLE runs end with a COMMIT, on the clock               [write]
//   randread     READ of --io-kib (4) at random aligned offsets of that file [read]
//   seqwrite     per client, "seq-<client>" of --seq-mib written from 0 in --io-kib
//                (1024) writes, UNSTABLE unless --stable, then COMMIT       [MB]
//   seqread      per client, "seq-<client>" read from 0 in --io-kib (1024)   [MB]
//   touch        per volume <--volume-prefix><--first…+--count>: MNT, create "touched",
//                WRITE 4 KiB FILE_SYNC, READ it back                         [volume]
// A figure, not a test: it fails (exit 1) on any error, never on slowness.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "percentile.h"
#include "workloads.h"

namespace {

using namespace volumed::bench;

struct Kind {
  std::function<std::unique_ptr<Workload>(const WorkloadOptions&)> make;
  bool timed;  // runs for --seconds (else until its units run out)
};

const std::map<std::string, Kind>& Kinds() {
  static const std::map<std::string, Kind> kinds = {
      {"null", {[](const WorkloadOptions&) { return MakeNullWorkload(); }, true}},
      {"create", {MakeCreateWorkload, false}},
      {"unlink", {MakeUnlinkWorkload, false}},
      {"getattr", {MakeGetattrWorkload, true}},
      {"lookup", {MakeLookupWorkload, true}},
      {"readdirplus", {MakeReadDirPlusWorkload, false}},
      {"randwrite", {MakeRandomWriteWorkload, true}},
      {"randread", {MakeRandomReadWorkload, true}},
      {"seqwrite", {MakeSequentialWriteWorkload, false}},
      {"seqread", {MakeSequentialReadWorkload, false}},
      {"touch", {MakeTouchVolumesWorkload, false}},
  };
  return kinds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name;
  RunOptions run;
  WorkloadOptions o;
  std::string stable;
  CLI::App app{"loadgen: one NFSv3 workload, one result line"};
  std::vector<std::string> names;
  for (const auto& [n, k] : Kinds()) names.push_back(n);
  app.add_option("workload", name, "Workload")->required()->check(CLI::IsMember(names));
  app.add_option("--server", run.server.host, "Server address")->capture_default_str();
  app.add_option("--nfs-port", run.server.nfs_port, "NFS port")->capture_default_str();
  app.add_option("--mount-port", run.server.mount_port, "MOUNT port")->capture_default_str();
  app.add_option("--uid", run.server.uid, "AUTH_SYS uid")->capture_default_str();
  app.add_option("--gid", run.server.gid, "AUTH_SYS gid")->capture_default_str();
  app.add_option("--export", o.export_path, "Export (MNT path)")->capture_default_str();
  app.add_option("--dir", o.dir, "Working directory under the export")->capture_default_str();
  app.add_option("--clients", run.clients, "Clients (threads, each with its own connections)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--inflight", run.in_flight, "Units in flight per client")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--seconds", run.seconds, "Duration of timed workloads")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--files", o.files, "create/unlink/lookup: number of files")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  app.add_option("--file-kib", o.file_kib, "create: KiB written into each file")
      ->capture_default_str()
      ->check(CLI::Range(0, 16384));
  app.add_option("--file", o.file, "rand*/seq*: file name (default rand / seq-<client>)");
  app.add_option("--file-mib", o.file_mib, "rand*: file size (MiB)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  app.add_option("--seq-mib", o.seq_mib, "seq*: MiB per client")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  app.add_option("--io-kib", o.io_kib, "I/O size (default 4 random, 1024 sequential)")
      ->check(CLI::Range(1, 16384));
  app.add_option("--stable", stable, "WRITE stability: unstable, data_sync or file_sync")
      ->check(CLI::IsMember({"unstable", "data_sync", "file_sync"}));
  app.add_option("--readdir-kib", o.readdir_kib, "READDIRPLUS dircount and maxcount (KiB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--volume-prefix", o.volume_prefix, "touch: volume name prefix")
      ->capture_default_str();
  app.add_option("--first", o.first, "create/unlink/lookup: first file number; touch: first volume")
      ->capture_default_str();
  app.add_option("--count", o.count, "touch: number of volumes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!stable.empty()) {
    o.stable_given = true;
    o.stable = stable == "unstable" ? UNSTABLE : stable == "data_sync" ? DATA_SYNC : FILE_SYNC;
  }
  o.clients = run.clients;
  const Kind& kind = Kinds().at(name);
  if (!kind.timed) run.seconds = 0;
  std::unique_ptr<Workload> workload = kind.make(o);
  auto result = Run(*workload, run);
  if (!result.ok()) {
    std::fprintf(stderr, "loadgen %s: %s\n", name.c_str(), result.status().ToString().c_str());
    return 1;
  }
  RunResult& r = *result;
  const double rate =
      r.seconds > 0 ? static_cast<double>(r.items) / r.seconds / workload->ItemsPerUnit() : 0;
  const uint32_t p50 = Percentile(r.latencies_us, 50);
  const uint32_t p99 = Percentile(r.latencies_us, 99);
  const uint32_t max = Percentile(r.latencies_us, 100);
  std::printf(
      "workload=%s clients=%d inflight=%d units=%llu items=%llu seconds=%.3f rate=%.1f "
      "unit=%s p50_us=%u p99_us=%u max_us=%u finish_us=%llu\n",
      name.c_str(), run.clients, std::min(run.in_flight, workload->MaxInFlight()),
      static_cast<unsigned long long>(r.units), static_cast<unsigned long long>(r.items), r.seconds,
      rate, workload->Unit(), p50, p99, max, static_cast<unsigned long long>(r.finish_us));
  return 0;
}
