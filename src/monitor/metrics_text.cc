// RenderMetrics (pages.h): the /metrics exposition. Family names follow the Prometheus
// conventions: the volumed_ namespace, base units in the name (_bytes, _seconds), _total
// for counters; labels are bounded (program/version/procedure/outcome from fixed sets,
// volume names from the catalog, transport, result), never file names or client ports.
#include <atomic>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "metrics/exposition.h"
#include "metrics/forwarded_calls.h"
#include "metrics/heap_stats.h"
#include "metrics/process_stats.h"
#include "metrics/storage_metrics.h"
#include "monitor/pages.h"
#include "nfs3/nfs_service.h"
#include "rpc/call_metrics.h"

namespace volumed::monitor {
namespace {

using metrics::ExpositionWriter;
using metrics::MetricType;

// A gauge or counter family of one unlabelled sample.
void Single(ExpositionWriter& out, const char* name, MetricType type, const char* help,
            double value) {
  out.Family(name, type, help);
  out.Sample(name, {}, value);
}

// A counter family of one sample per value of `label`.
void ByLabel(ExpositionWriter& out, const char* name, const char* help, std::string_view label,
             std::initializer_list<std::pair<std::string_view, double>> samples) {
  out.Family(name, MetricType::kCounter, help);
  for (const auto& [value, x] : samples) out.Sample(name, {{label, value}}, x);
}

// One gauge or counter family with a sample per volume; `value` returns false to skip.
template <typename Fn>
void PerVolume(ExpositionWriter& out, const ServerStatus& status, const char* name, MetricType type,
               const char* help, Fn value) {
  out.Family(name, type, help);
  for (const VolumeStatus& v : status.volumes) {
    double x = 0;
    if (value(v, &x)) out.Sample(name, {{"volume", v.info.name}}, x);
  }
}

void WriteVolumes(ExpositionWriter& out, const ServerStatus& status) {
  out.Family("volumed_volumes", MetricType::kGauge, "Volumes in the catalog.");
  out.Sample("volumed_volumes", {}, static_cast<double>(status.volumes.size()));
  out.Family("volumed_catalog_readable", MetricType::kGauge,
             "1 when the catalog's volume list could be read for this scrape.");
  out.Sample("volumed_catalog_readable", {}, status.catalog_ok ? 1 : 0);

  out.Family("volumed_volume_info", MetricType::kGauge,
             "Always 1; the volume's kind (persisted or ephemeral) as a label.");
  for (const VolumeStatus& v : status.volumes) {
    out.Sample("volumed_volume_info",
               {{"volume", v.info.name}, {"kind", VolumeKindName(v.info.kind)}}, 1);
  }
  PerVolume(out, status, "volumed_volume_used_bytes", MetricType::kGauge,
            "Bytes stored in the volume's files (live while the volume is open, else as last "
            "seen open; absent when not seen open since the server started).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.used_bytes);
              return v.usage_known;
            });
  PerVolume(out, status, "volumed_volume_used_files", MetricType::kGauge,
            "Files (inodes) in the volume; same sources as volumed_volume_used_bytes.",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.used_files);
              return v.usage_known;
            });
  PerVolume(out, status, "volumed_volume_open", MetricType::kGauge,
            "1 when the volume's store is open now (its usage figures are live).",
            [](const VolumeStatus& v, double* x) {
              *x = v.open ? 1 : 0;
              return true;
            });
  PerVolume(out, status, "volumed_volume_quota_bytes", MetricType::kGauge,
            "The volume's byte quota (absent: unlimited).", [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.info.quota.max_bytes);
              return v.info.quota.max_bytes != 0;
            });
  PerVolume(out, status, "volumed_volume_quota_files", MetricType::kGauge,
            "The volume's file quota (absent: unlimited).", [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.info.quota.max_files);
              return v.info.quota.max_files != 0;
            });
  PerVolume(out, status, "volumed_volume_read_only", MetricType::kGauge,
            "1 when the volume's export policy is read-only.",
            [](const VolumeStatus& v, double* x) {
              *x = v.info.policy.read_only ? 1 : 0;
              return true;
            });
  PerVolume(out, status, "volumed_volume_mounts", MetricType::kGauge,
            "Clients holding a MOUNT record of the volume (advisory in NFSv3).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.mounts.size());
              return true;
            });
  PerVolume(out, status, "volumed_volume_locks_held", MetricType::kGauge,
            "NLM byte-range locks held in the volume.", [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.locks_held);
              return true;
            });
  PerVolume(out, status, "volumed_volume_locks_waiting", MetricType::kGauge,
            "Blocking NLM lock requests queued in the volume.",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.locks_waiting);
              return true;
            });
  PerVolume(out, status, "volumed_volume_lease_expiry_timestamp_seconds", MetricType::kGauge,
            "When an ephemeral volume's lease lapses (Unix time); absent for persisted volumes.",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.info.lease_expiry_ns) / 1e9;
              return v.info.kind == storage::VolumeKind::kEphemeral;
            });
  PerVolume(out, status, "volumed_volume_read_bytes_total", MetricType::kCounter,
            "Bytes returned by NFS READ from the volume since the server started.",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.bytes_read);
              return true;
            });
  PerVolume(out, status, "volumed_volume_written_bytes_total", MetricType::kCounter,
            "Bytes written by NFS WRITE to the volume since the server started.",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.bytes_written);
              return true;
            });
  PerVolume(out, status, "volumed_volume_damaged", MetricType::kGauge,
            "1 when the volume's store failed to open and the volume is isolated.",
            [](const VolumeStatus& v, double* x) {
              *x = v.damaged ? 1 : 0;
              return true;
            });

  PerVolume(out, status, "volumed_volume_leveldb_table_files", MetricType::kGauge,
            "Table files of the volume's LevelDB (open volumes only).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.store.table_files);
              return v.open;
            });
  PerVolume(out, status, "volumed_volume_leveldb_table_bytes", MetricType::kGauge,
            "Approximate size of the volume's LevelDB table files (open volumes only).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.store.table_bytes);
              return v.open;
            });
  PerVolume(out, status, "volumed_volume_leveldb_memtable_bytes", MetricType::kGauge,
            "Memory of the volume's LevelDB memtables (open volumes only).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.store.memtable_bytes);
              return v.open;
            });
  PerVolume(out, status, "volumed_volume_leveldb_compaction_read_bytes_total", MetricType::kCounter,
            "Bytes LevelDB compactions read since the volume was opened (whole MiB, as "
            "LevelDB counts them; restarts from 0 when the volume reopens).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.store.compaction_read_bytes);
              return v.open;
            });
  PerVolume(out, status, "volumed_volume_leveldb_compaction_written_bytes_total",
            MetricType::kCounter,
            "Bytes LevelDB compactions wrote since the volume was opened (whole MiB; "
            "restarts from 0 when the volume reopens).",
            [](const VolumeStatus& v, double* x) {
              *x = static_cast<double>(v.store.compaction_written_bytes);
              return v.open;
            });
  out.Family("volumed_storage_block_cache_bytes", MetricType::kGauge,
             "Bytes held by the LevelDB block cache shared by the catalog and every volume.");
  out.Sample("volumed_storage_block_cache_bytes", {},
             static_cast<double>(status.block_cache_bytes));

  out.Family("volumed_volume_nfs_calls_total", MetricType::kCounter,
             "NFS calls on the volume since the server started, by procedure (procedures "
             "never called on it are absent).");
  const auto procedures = nfs3::NfsProcedures();
  for (const VolumeStatus& v : status.volumes) {
    for (const rpc::Procedure& p : procedures) {
      if (p.number >= v.calls.size() || v.calls[p.number] == 0) continue;
      out.Sample("volumed_volume_nfs_calls_total", {{"volume", v.info.name}, {"procedure", p.name}},
                 static_cast<double>(v.calls[p.number]));
    }
  }
  out.Family("volumed_volume_activity_untracked_total", MetricType::kCounter,
             "Volumes whose activity could not be counted because the per-volume table was "
             "full (metrics/volume_activity.h).");
  out.Sample("volumed_volume_activity_untracked_total", {},
             static_cast<double>(metrics::VolumeActivity::Global().Untracked()));
}

// The READDIRPLUS listing cache (nfs3/listing_cache.h) and the volumes' read-ahead
// (storage/read_ahead.h): whether they earn their memory and threads.
void WriteCaches(ExpositionWriter& out, const ServerStatus& status) {
  const nfs3::ListingCacheStats& lc = status.listing_cache;
  ByLabel(out, "volumed_nfs_listing_cache_lookups_total",
          "READDIRPLUS calls looked up in the listing cache, by result: hit (a reply encoded "
          "while the volume was as it is now; sent once the caller may read the directory) "
          "or miss (the directory is walked).",
          "result",
          {{"hit", static_cast<double>(lc.hits)}, {"miss", static_cast<double>(lc.misses)}});
  ByLabel(
      out, "volumed_nfs_listing_cache_evictions_total",
      "Listing cache entries dropped, by reason: stale (their volume changed since) or "
      "capacity (least recently used, to make room).",
      "reason",
      {{"stale", static_cast<double>(lc.stale)}, {"capacity", static_cast<double>(lc.evictions)}});
  Single(out, "volumed_nfs_listing_cache_oversized_total", MetricType::kCounter,
         "READDIRPLUS replies not kept in the listing cache: larger than an eighth of its "
         "capacity.",
         static_cast<double>(lc.oversized));
  Single(out, "volumed_nfs_listing_cache_entries", MetricType::kGauge,
         "READDIRPLUS replies held by the listing cache.", static_cast<double>(lc.entries));
  Single(out, "volumed_nfs_listing_cache_bytes", MetricType::kGauge,
         "Bytes of encoded READDIRPLUS replies held by the listing cache.",
         static_cast<double>(lc.bytes));
  Single(out, "volumed_nfs_listing_cache_capacity_bytes", MetricType::kGauge,
         "The most bytes the listing cache holds.", static_cast<double>(lc.capacity));

  const storage::ReadAheadStats& ra = status.read_ahead;
  Single(out, "volumed_storage_read_ahead_sequential_reads_total", MetricType::kCounter,
         "READs that continued a sequential stream of their file (read-ahead candidates).",
         static_cast<double>(ra.sequential_reads));
  Single(out, "volumed_storage_read_ahead_windows_started_total", MetricType::kCounter,
         "Read-ahead windows posted to the background threads.",
         static_cast<double>(ra.prefetches));
  Single(out, "volumed_storage_read_ahead_windows_stopped_total", MetricType::kCounter,
         "Read-ahead windows that ended early: the reader passed them, the file was no "
         "longer read, or its volume closed.",
         static_cast<double>(ra.stopped));
  Single(out, "volumed_storage_read_ahead_windows_skipped_total", MetricType::kCounter,
         "Read-ahead windows due but not started because a cap on prefetches in flight was "
         "reached (per volume or across volumes).",
         static_cast<double>(ra.skipped));
  Single(out, "volumed_storage_read_ahead_warmed_bytes_total", MetricType::kCounter,
         "Stored bytes read-ahead walked into the caches ahead of the readers.",
         static_cast<double>(ra.prefetched_bytes));
  Single(out, "volumed_storage_read_ahead_windows_in_flight", MetricType::kGauge,
         "Read-ahead windows queued or running now, across every volume.",
         static_cast<double>(status.read_ahead_in_flight));
}

void WriteProcess(ExpositionWriter& out, const ServerStatus& status, const BuildInfo& build) {
  const metrics::ProcessStats p = metrics::ReadProcessStats();
  Single(out, "volumed_process_resident_memory_bytes", MetricType::kGauge, "Resident memory size.",
         static_cast<double>(p.resident_bytes));
  Single(out, "volumed_process_virtual_memory_bytes", MetricType::kGauge, "Virtual memory size.",
         static_cast<double>(p.virtual_bytes));
  if (const std::optional<metrics::HeapStats> heap = metrics::ReadHeapStats()) {
    Single(out, "volumed_process_heap_allocated_bytes", MetricType::kGauge,
           "Heap bytes in live allocations (jemalloc's stats.allocated): what a leak grows.",
           static_cast<double>(heap->allocated_bytes));
    Single(out, "volumed_process_heap_resident_bytes", MetricType::kGauge,
           "Heap pages the allocator keeps resident, freed ones not yet returned to the "
           "kernel included (jemalloc's stats.resident).",
           static_cast<double>(heap->resident_bytes));
  }
  Single(out, "volumed_process_open_fds", MetricType::kGauge, "Open file descriptors.",
         static_cast<double>(p.open_fds));
  Single(out, "volumed_process_max_fds", MetricType::kGauge, "The descriptor limit (soft).",
         static_cast<double>(p.max_fds));
  Single(out, "volumed_process_threads", MetricType::kGauge, "Threads of the process.",
         static_cast<double>(p.threads));
  Single(out, "volumed_process_cpu_seconds_total", MetricType::kCounter,
         "User and system CPU time.", p.cpu_seconds);
  Single(out, "volumed_process_start_time_seconds", MetricType::kGauge,
         "When the process started (Unix time).", p.start_time_seconds);
  Single(out, "volumed_nlm_grace_period_active", MetricType::kGauge,
         "1 while the NLM grace period after a restart lasts (only lock reclaims granted).",
         status.grace_active ? 1 : 0);
  const metrics::ForwardedCalls& fwd = metrics::ForwardedCalls::Global();
  auto load = [](const std::atomic<uint64_t>& n) {
    return static_cast<double>(n.load(std::memory_order_relaxed));
  };
  ByLabel(out, "volumed_forwarded_calls_total",
          "NFS and MOUNT calls on volumes another gateway owns, by result: relayed (sent to "
          "the owner, its answer returned), declined (not sent: owner unknown, not live, or "
          "the call came from a gateway) and failed (the owner did not answer); the last two "
          "were answered JUKEBOX.",
          "result",
          {{"relayed", load(fwd.relayed)},
           {"declined", load(fwd.declined)},
           {"failed", load(fwd.failed)}});
  out.Family("volumed_build_info", MetricType::kGauge,
             "Always 1; the server's version and git revision as labels.");
  out.Sample("volumed_build_info", {{"version", build.version}, {"revision", build.revision}}, 1);
}

}  // namespace

std::string RenderMetrics(const ServerStatus& status, const BuildInfo& build) {
  ExpositionWriter out;
  rpc::CallMetrics::Global().WriteTo(out);
  metrics::StorageMetrics::Global().WriteTo(out);
  WriteVolumes(out, status);
  WriteCaches(out, status);
  WriteProcess(out, status, build);
  return out.text();
}

}  // namespace volumed::monitor
