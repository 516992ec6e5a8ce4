// FakeCatalog: an in-memory VolumeCatalog for the admin program's unit tests. It keeps
// only the catalog entries (no volume contents: OpenByName answers kNotSupported) and
// applies the same lifecycle rules the real catalog documents.
//
// Gateways (README "Scaling out"): after SetGateways the store is shared. New volumes are
// owned by the gateway marked `self`, Gateways() lists them with each one's load, and the
// calls that need the volume served here (OpenByName, Delete, SetPolicy, RenewLease,
// Move) answer kElsewhere for a volume another gateway owns, as the real catalog does.
//
// Thread-safety: thread-safe (one mutex).
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "storage/catalog.h"

namespace volumed::admin::testing {

class FakeCatalog : public storage::VolumeCatalog {
 public:
  explicit FakeCatalog(std::function<int64_t()> now) : now_(std::move(now)) {}

  void SetGateways(std::vector<storage::GatewayInfo> gateways) {
    std::lock_guard<std::mutex> lock(mu_);
    gateways_ = std::move(gateways);
  }
  // Gives volume `name` (which must exist) to gateway `owner`.
  void SetOwner(const std::string& name, const std::string& owner) {
    std::lock_guard<std::mutex> lock(mu_);
    volumes_.at(name).owner = owner;
  }

  Result<storage::VolumeInfo> Create(const storage::CreateVolumeRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (volumes_.count(req.name) != 0) return Exists("volume " + req.name);
    storage::VolumeInfo v;
    v.name = req.name;
    v.id = ++next_id_;
    v.epoch = 1;
    v.kind = req.kind;
    v.policy = req.policy;
    v.quota = req.quota;
    v.created_ns = now_();
    v.owner = SelfLocked();
    if (req.kind == storage::VolumeKind::kEphemeral) v.lease_expiry_ns = now_() + req.lease_ttl_ns;
    volumes_[req.name] = v;
    return v;
  }
  Result<std::vector<storage::VolumeInfo>> List() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<storage::VolumeInfo> out;
    for (const auto& [name, v] : volumes_) out.push_back(v);
    return out;
  }
  Result<storage::VolumeInfo> Describe(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end()) return NotFound("volume " + std::string(name));
    return it->second;
  }
  Status Delete(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    VOLUMED_RETURN_IF_ERROR(ServedHereLocked(name));
    if (volumes_.erase(std::string(name)) == 0) return NotFound();
    return Status::Ok();
  }
  Status SetPolicy(std::string_view name, const storage::ExportPolicy& policy,
                   const storage::Quota& quota) override {
    std::lock_guard<std::mutex> lock(mu_);
    VOLUMED_RETURN_IF_ERROR(ServedHereLocked(name));
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end()) return NotFound();
    it->second.policy = policy;
    it->second.quota = quota;
    return Status::Ok();
  }
  Status RenewLease(std::string_view name, int64_t ttl_ns) override {
    std::lock_guard<std::mutex> lock(mu_);
    VOLUMED_RETURN_IF_ERROR(ServedHereLocked(name));
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end()) return NotFound();
    if (it->second.kind != storage::VolumeKind::kEphemeral) return InvalidArgument("persisted");
    it->second.lease_expiry_ns = now_() + ttl_ns;
    return Status::Ok();
  }
  Result<std::vector<std::string>> CollectExpired(int64_t now_ns) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (auto it = volumes_.begin(); it != volumes_.end();) {
      if (it->second.kind == storage::VolumeKind::kEphemeral &&
          it->second.lease_expiry_ns < now_ns) {
        out.push_back(it->first);
        it = volumes_.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
  Result<std::shared_ptr<storage::Volume>> OpenByName(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    VOLUMED_RETURN_IF_ERROR(ServedHereLocked(name));
    return Status(Status::Code::kNotSupported, "fake catalog keeps no contents");
  }
  Result<std::shared_ptr<storage::Volume>> OpenById(uint64_t) override {
    return Status(Status::Code::kNotSupported, "fake catalog keeps no contents");
  }
  Result<std::shared_ptr<const storage::ServedVolume>> Serve(uint64_t) override {
    return Status(Status::Code::kNotSupported, "fake catalog keeps no contents");
  }
  Result<storage::VolumeInfo> DescribeById(uint64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, v] : volumes_) {
      if (v.id == id) return v;
    }
    return Status(Status::Code::kStale, "no such id");
  }
  storage::StoreLocation Locate(uint64_t id) override {
    return {storage::StoreKind::kEmbedded, "memory (fake catalog) volume " + std::to_string(id)};
  }
  Result<std::vector<storage::GatewayInfo>> Gateways() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<storage::GatewayInfo> out = gateways_;
    for (storage::GatewayInfo& g : out) {
      g.volumes = static_cast<uint32_t>(std::count_if(
          volumes_.begin(), volumes_.end(), [&](const auto& v) { return v.second.owner == g.id; }));
    }
    return out;
  }
  Status Move(std::string_view name, std::string_view gateway) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (gateways_.empty()) return Status(Status::Code::kNotSupported, "not shared");
    VOLUMED_RETURN_IF_ERROR(ServedHereLocked(name));
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end()) return NotFound();
    it->second.owner = gateway;
    return Status::Ok();
  }

 private:
  std::string SelfLocked() const {
    for (const storage::GatewayInfo& g : gateways_) {
      if (g.self) return g.id;
    }
    return "";
  }
  // kElsewhere when another gateway owns volume `name`.
  Status ServedHereLocked(std::string_view name) const {
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end() || it->second.owner == SelfLocked()) return Status::Ok();
    return Status(Status::Code::kElsewhere, "served by gateway '" + it->second.owner + "'");
  }

  std::function<int64_t()> now_;
  std::mutex mu_;
  std::map<std::string, storage::VolumeInfo> volumes_;
  std::vector<storage::GatewayInfo> gateways_;
  uint64_t next_id_ = 0;
};

}  // namespace volumed::admin::testing
