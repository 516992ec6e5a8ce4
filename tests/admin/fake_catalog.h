// FakeCatalog: an in-memory VolumeCatalog for the admin program's unit tests. It keeps
// only the catalog entries (no volume contents: OpenByName answers kNotSupported) and
// applies the same lifecycle rules the real catalog documents.
//
// Thread-safety: thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "storage/catalog.h"

namespace volumed::admin::testing {

class FakeCatalog : public storage::VolumeCatalog {
 public:
  explicit FakeCatalog(std::function<int64_t()> now) : now_(std::move(now)) {}

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
    if (volumes_.erase(std::string(name)) == 0) return NotFound();
    return Status::Ok();
  }
  Status SetPolicy(std::string_view name, const storage::ExportPolicy& policy,
                   const storage::Quota& quota) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = volumes_.find(std::string(name));
    if (it == volumes_.end()) return NotFound();
    it->second.policy = policy;
    it->second.quota = quota;
    return Status::Ok();
  }
  Status RenewLease(std::string_view name, int64_t ttl_ns) override {
    std::lock_guard<std::mutex> lock(mu_);
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
  Result<std::shared_ptr<storage::Volume>> OpenByName(std::string_view) override {
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

 private:
  std::function<int64_t()> now_;
  std::mutex mu_;
  std::map<std::string, storage::VolumeInfo> volumes_;
  uint64_t next_id_ = 0;
};

}  // namespace volumed::admin::testing
