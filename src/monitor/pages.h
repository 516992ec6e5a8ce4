// The monitor's documents, rendered from a StatusSource snapshot:
//   /metrics          Prometheus text exposition 0.0.4 (metrics/exposition.h): the RPC
//                     engine's counters, per-volume figures, storage syncs, the process;
//   /                 the status page: server summary and a table of volumes;
//   /volume/NAME      one volume: policy, mounts, lock holders, busiest procedures.
// The pages are plain server-rendered HTML5 with inline CSS, no scripts and no external
// assets, refreshing themselves with <meta http-equiv="refresh"> every `refresh_s`
// seconds (0: never). Every string that comes from a user or a client (volume names,
// host names, lock holders, export patterns) is HTML-escaped. Cells carry data-*
// attributes with the raw figures so that tools and tests can read them from the DOM.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <string_view>

#include "monitor/status_source.h"

namespace volumed::monitor {

// What the pages say about the build (meson project version and git revision).
struct BuildInfo {
  std::string version;
  std::string revision;
};

std::string RenderMetrics(const ServerStatus& status, const BuildInfo& build);
std::string RenderIndexPage(const ServerStatus& status, const BuildInfo& build, int refresh_s);
std::string RenderVolumePage(const ServerStatus& server, const VolumeStatus& volume,
                             const BuildInfo& build, int refresh_s);
// A 404 page for `what` (e.g. "volume 'x'"), escaped.
std::string RenderNotFoundPage(std::string_view what);

// "persisted" or "ephemeral", as the pages and the metrics' kind label say it.
const char* VolumeKindName(storage::VolumeKind kind);

// This build: the meson project version and `git describe` at build time.
BuildInfo ThisBuild();

// &, <, >, " and ' as character references.
std::string EscapeHtml(std::string_view text);

}  // namespace volumed::monitor
