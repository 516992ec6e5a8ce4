#include "storage/rados/rados_capacity.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "storage/rados/rados_errors.h"

namespace volumed::storage::rados {
namespace {

// A non-negative integer member of `obj`, or nullopt (never throws).
std::optional<uint64_t> Unsigned(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

}  // namespace

Result<StoreSpace> PoolSpaceFromDf(const std::string& df_json, const std::string& pool) {
  const nlohmann::json df = nlohmann::json::parse(df_json, nullptr, /*allow_exceptions=*/false);
  if (df.is_discarded() || !df.is_object()) return IoError("ceph df: not JSON");
  auto pools = df.find("pools");
  if (pools == df.end() || !pools->is_array()) return IoError("ceph df: no pool list");
  for (const auto& p : *pools) {
    auto name = p.find("name");
    if (!p.is_object() || name == p.end() || !name->is_string() || *name != pool) continue;
    auto stats = p.find("stats");
    if (stats == p.end() || !stats->is_object()) break;
    auto stored = Unsigned(*stats, "stored");
    auto max_avail = Unsigned(*stats, "max_avail");
    if (!stored || !max_avail) break;
    if (*stored == 0 && *max_avail == 0) {
      return NotFound(
          fmt::format("ceph df: no figures for pool '{}' yet (is a ceph-mgr running?)", pool));
    }
    StoreSpace s;
    s.total_bytes = *stored + *max_avail;
    s.avail_bytes = *max_avail;
    return s;
  }
  return NotFound(fmt::format("ceph df: no figures for pool '{}'", pool));
}

RadosPoolCapacity::RadosPoolCapacity(librados::Rados* cluster, std::string pool,
                                     std::chrono::milliseconds refresh)
    : cluster_(cluster),
      pool_(std::move(pool)),
      refresh_(refresh),
      last_(NotFound("the pool's capacity has not been answered yet")),
      refresher_([this](std::stop_token stop) { Refresh(stop); }) {}

RadosPoolCapacity::~RadosPoolCapacity() {
  refresher_.request_stop();
  cv_.notify_all();
}

Result<StoreSpace> RadosPoolCapacity::Capacity() {
  std::lock_guard<std::mutex> l(mu_);
  return last_;
}

void RadosPoolCapacity::Refresh(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Result<StoreSpace> fetched = Fetch();  // may block: never under mu_
    std::unique_lock<std::mutex> l(mu_);
    last_ = std::move(fetched);
    if (!last_.ok() && !reported_unknown_) {
      reported_unknown_ = true;
      LOG_INFO("rados: FSSTAT reports a nominal capacity until the pool's is known: {}",
               last_.status().ToString());
    }
    cv_.wait_for(l, stop, refresh_, [] { return false; });
  }
}

Result<StoreSpace> RadosPoolCapacity::Fetch() {
  librados::bufferlist in, out;
  std::string status;
  const int r = cluster_->mon_command(R"({"prefix": "df", "format": "json"})", in, &out, &status);
  if (r < 0) return IoError(RadosError(r, "mon command df", status).ToString());
  return PoolSpaceFromDf(out.to_str(), pool_);
}

}  // namespace volumed::storage::rados
