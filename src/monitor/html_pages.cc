// The status pages (pages.h): RenderIndexPage, RenderVolumePage, RenderNotFoundPage.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "monitor/pages.h"
#include "nfs3/nfs_service.h"
#include "nlm/lock_types.h"

namespace volumed::monitor {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* VolumeKindName(storage::VolumeKind kind) {
  switch (kind) {
    case storage::VolumeKind::kPersisted:
      return "persisted";
    case storage::VolumeKind::kEphemeral:
      return "ephemeral";
  }
  return "unknown";
}

namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em}
.summary{color:#555;margin:0 0 1em}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0002}
th,td{padding:.35em .7em;border-bottom:1px solid #e4e4e4;text-align:left;white-space:nowrap}
th{background:#f0f0f0;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:8em;height:.7em;background:#e8e8e8;border-radius:3px;
vertical-align:middle;margin-right:.5em;overflow:hidden}
.bar span{display:block;height:100%;background:#4a8}.bar span.full{background:#d54}
.bad{color:#c22;font-weight:600}.muted{color:#888}a{color:#236}
)";

std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string FormatTime(int64_t wall_ns) {
  const time_t secs = static_cast<time_t>(wall_ns / 1'000'000'000);
  struct tm utc;
  char buf[32];
  gmtime_r(&secs, &utc);
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &utc);
  return buf;
}

std::string FormatDuration(int64_t ns) {
  int64_t s = std::max<int64_t>(0, ns / 1'000'000'000);
  const int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  s %= 60;
  if (d > 0) return fmt::format("{}d {}h {}m", d, h, m);
  if (h > 0) return fmt::format("{}h {}m", h, m);
  if (m > 0) return fmt::format("{}m {}s", m, s);
  return fmt::format("{}s", s);
}

const char* SquashName(storage::Squash squash) {
  switch (squash) {
    case storage::Squash::kNone:
      return "none";
    case storage::Squash::kRoot:
      return "root";
    case storage::Squash::kAll:
      return "all";
  }
  return "unknown";
}

std::string Head(std::string_view title, int refresh_s) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  if (refresh_s > 0) out += fmt::format("<meta http-equiv=\"refresh\" content=\"{}\">", refresh_s);
  out +=
      fmt::format("<title>{}</title><style>{}</style></head><body>\n", EscapeHtml(title), kStyle);
  return out;
}

// The volume count only where `s` lists the volumes (the index page).
std::string Summary(const ServerStatus& s, const BuildInfo& build, bool count_volumes) {
  return fmt::format(
      "<p class=\"summary\" id=\"summary\">volumed {} ({}) &middot; up <span "
      "id=\"uptime\">{}</span>"
      " &middot; <span id=\"ops\" data-ops=\"{:.3f}\">{:.1f}</span> calls/s over the last minute"
      "{}{} &middot; {}</p>\n",
      EscapeHtml(build.version), EscapeHtml(build.revision),
      FormatDuration(s.now_ns - s.started_ns), s.calls_per_second, s.calls_per_second,
      count_volumes
          ? fmt::format(" &middot; {} volume{}", s.volumes.size(), s.volumes.size() == 1 ? "" : "s")
          : std::string(),
      s.grace_active ? " &middot; <span class=\"bad\">NLM grace period</span>" : "",
      FormatTime(s.now_ns));
}

// "used / quota" with a bar when there is a quota (the inside of a cell).
std::string UsageHtml(const VolumeStatus& v) {
  if (!v.usage_known) return "<span class=\"muted\">not opened since start</span>";
  std::string html;
  const uint64_t quota = v.info.quota.max_bytes;
  if (quota != 0) {
    const double fraction =
        std::min(1.0, static_cast<double>(v.used_bytes) / static_cast<double>(quota));
    html +=
        fmt::format("<span class=\"bar\"><span class=\"{}\" style=\"width:{:.1f}%\"></span></span>",
                    fraction >= 0.9 ? "full" : "", fraction * 100);
    html += fmt::format("{} / {}", FormatBytes(v.used_bytes), FormatBytes(quota));
  } else {
    html += fmt::format("{} <span class=\"muted\">(no quota)</span>", FormatBytes(v.used_bytes));
  }
  if (!v.open) html += " <span class=\"muted\">(closed; as last seen)</span>";
  return html;
}

std::string UsageCell(const VolumeStatus& v) {
  return fmt::format("<td class=\"used\" data-known=\"{}\" data-bytes=\"{}\">{}</td>",
                     v.usage_known ? 1 : 0, v.used_bytes, UsageHtml(v));
}

std::string FilesText(const VolumeStatus& v) {
  if (!v.usage_known) return "&ndash;";
  if (v.info.quota.max_files == 0) return fmt::format("{}", v.used_files);
  return fmt::format("{} / {}", v.used_files, v.info.quota.max_files);
}

std::string LeaseText(const VolumeStatus& v, int64_t now_ns) {
  if (v.info.kind != storage::VolumeKind::kEphemeral) return "&ndash;";
  const int64_t left = v.info.lease_expiry_ns - now_ns;
  return fmt::format("{} ({})", FormatTime(v.info.lease_expiry_ns),
                     left >= 0 ? "in " + FormatDuration(left) : "lapsed");
}

std::string VolumeLink(std::string_view name) {
  // Names are [A-Za-z0-9._-] (storage/volume_name.h), so they need no URL escaping; they
  // are escaped for HTML all the same.
  return fmt::format("<a href=\"/volume/{0}\">{0}</a>", EscapeHtml(name));
}

}  // namespace

std::string RenderIndexPage(const ServerStatus& s, const BuildInfo& build, int refresh_s) {
  std::string out = Head("volumed status", refresh_s);
  out += "<h1>volumed</h1>\n";
  out += Summary(s, build, /*count_volumes=*/true);
  if (!s.catalog_ok) {
    out += fmt::format("<p class=\"bad\">The volume list cannot be read: {}</p>\n",
                       EscapeHtml(s.catalog_error));
  }
  out +=
      "<table id=\"volumes\"><thead><tr><th>Volume</th><th>Kind</th><th>Used / quota</th>"
      "<th>Files</th><th>Mounts</th><th>Locks</th><th>Lease expires</th><th>Read-only</th>"
      "<th>Damaged</th><th>Read</th><th>Written</th></tr></thead><tbody>\n";
  for (const VolumeStatus& v : s.volumes) {
    out += fmt::format("<tr class=\"volume\" data-volume=\"{}\"><td class=\"name\">{}</td>",
                       EscapeHtml(v.info.name), VolumeLink(v.info.name));
    out += fmt::format("<td>{}</td>", VolumeKindName(v.info.kind));
    out += UsageCell(v);
    out += fmt::format("<td class=\"num files\" data-files=\"{}\">{}</td>", v.used_files,
                       FilesText(v));
    out += fmt::format("<td class=\"num mounts\" data-mounts=\"{0}\">{0}</td>", v.mounts.size());
    out += fmt::format(
        "<td class=\"num locks\" data-held=\"{0}\" data-waiting=\"{1}\">{0}{2}</td>", v.locks_held,
        v.locks_waiting,
        v.locks_waiting != 0 ? fmt::format(" (+{} waiting)", v.locks_waiting) : std::string());
    out += fmt::format("<td>{}</td>", LeaseText(v, s.now_ns));
    out += fmt::format("<td>{}</td>", v.info.policy.read_only ? "yes" : "no");
    out += fmt::format("<td class=\"damaged\" data-damaged=\"{}\">{}</td>", v.damaged ? 1 : 0,
                       v.damaged ? "<span class=\"bad\">DAMAGED</span>" : "no");
    out += fmt::format("<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                       FormatBytes(v.bytes_read), FormatBytes(v.bytes_written));
  }
  if (s.volumes.empty()) out += "<tr><td colspan=\"11\" class=\"muted\">no volumes</td></tr>\n";
  out +=
      "</tbody></table>\n<p class=\"muted\">Prometheus metrics: <a "
      "href=\"/metrics\">/metrics</a></p>\n";
  out += "</body></html>\n";
  return out;
}

std::string RenderVolumePage(const ServerStatus& s, const VolumeStatus& v, const BuildInfo& build,
                             int refresh_s) {
  const storage::VolumeInfo& info = v.info;
  std::string out = Head("volume " + info.name + " - volumed", refresh_s);
  out += fmt::format("<p><a href=\"/\">&larr; all volumes</a></p><h1 id=\"volume-name\">{}</h1>\n",
                     EscapeHtml(info.name));
  out += Summary(s, build, /*count_volumes=*/false);

  out += "<h2>Volume</h2><table id=\"policy\"><tbody>\n";
  auto row = [&](std::string_view key, const std::string& value_html) {
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", key, value_html);
  };
  row("Kind", VolumeKindName(info.kind));
  row("Created", FormatTime(info.created_ns));
  row("Lease expires", LeaseText(v, s.now_ns));
  row("Used / quota", UsageHtml(v));
  row("Files", FilesText(v));
  row("Damaged", v.damaged ? "<span class=\"bad\">yes: its store failed to open</span>" : "no");
  row("Read / written", FormatBytes(v.bytes_read) + " / " + FormatBytes(v.bytes_written));
  std::string clients;
  for (const std::string& c : info.policy.allowed_cidrs) {
    clients += (clients.empty() ? "" : ", ") + EscapeHtml(c);
  }
  row("Clients allowed", clients.empty() ? "every client" : clients);
  row("Access", info.policy.read_only ? "read-only" : "read-write");
  row("Squash", fmt::format("{} (anonymous uid {}, gid {})", SquashName(info.policy.squash),
                            info.policy.anon_uid, info.policy.anon_gid));
  out += "</tbody></table>\n";

  out += fmt::format("<h2>Mounts ({})</h2>", v.mounts.size());
  out +=
      "<table "
      "id=\"mounts\"><thead><tr><th>Client</th><th>Path</th><th>Since</th></tr></thead><tbody>\n";
  for (const mount::MountEntry& m : v.mounts) {
    out += fmt::format("<tr class=\"mount\"><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       EscapeHtml(m.host), EscapeHtml(m.path),
                       m.mounted_ns != 0 ? FormatTime(m.mounted_ns) : "&ndash;");
  }
  if (v.mounts.empty())
    out += "<tr><td colspan=\"3\" class=\"muted\">no client has it mounted</td></tr>\n";
  out += "</tbody></table>\n";

  out += fmt::format(
      "<h2>Locks (<span id=\"locks-held\" data-held=\"{0}\">{0}</span> held, {1} waiting)</h2>",
      v.locks_held, v.locks_waiting);
  out +=
      "<table id=\"locks\"><thead><tr><th>Holder</th><th>Pid</th><th>File (inode)</th>"
      "<th>Range</th><th>Mode</th><th>State</th></tr></thead><tbody>\n";
  for (const nlm::LockReportEntry& e : v.locks) {
    const nlm::ByteRange& r = e.lock.range;
    const std::string range = r.last == nlm::kToEof ? fmt::format("{}&ndash;EOF", r.first)
                                                    : fmt::format("{}&ndash;{}", r.first, r.last);
    out += fmt::format(
        "<tr class=\"lock\"><td class=\"holder\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        EscapeHtml(e.lock.owner.host), e.lock.owner.svid, e.inode, range,
        e.lock.mode == nlm::LockMode::kExclusive ? "exclusive" : "shared",
        e.waiting ? "waiting" : "held");
  }
  if (v.locks.empty()) out += "<tr><td colspan=\"6\" class=\"muted\">no locks</td></tr>\n";
  out += "</tbody></table>\n";

  std::vector<std::pair<uint64_t, const char*>> busiest;
  for (const rpc::Procedure& p : nfs3::NfsProcedures()) {
    if (p.number < v.calls.size() && v.calls[p.number] != 0) {
      busiest.emplace_back(v.calls[p.number], p.name);
    }
  }
  std::sort(busiest.begin(), busiest.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  if (busiest.size() > 8) busiest.resize(8);
  out += "<h2>Busiest procedures (calls since the server started)</h2>";
  out +=
      "<table id=\"procedures\"><thead><tr><th>Procedure</th><th>Calls</th></tr></thead><tbody>\n";
  for (const auto& [calls, name] : busiest) {
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td></tr>\n", name, calls);
  }
  if (busiest.empty()) out += "<tr><td colspan=\"2\" class=\"muted\">no calls yet</td></tr>\n";
  out += "</tbody></table>\n</body></html>\n";
  return out;
}

std::string RenderNotFoundPage(std::string_view what) {
  std::string out = Head("not found - volumed", 0);
  out +=
      fmt::format("<h1>Not found</h1><p>{} does not exist.</p><p><a href=\"/\">all volumes</a></p>",
                  EscapeHtml(what));
  return out + "</body></html>\n";
}

}  // namespace volumed::monitor
