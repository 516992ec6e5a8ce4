// FakeCatalog: a VolumeCatalog holding one VolumeImpl on LevelDB's in-memory Env, for
// handler tests that must not depend on the real catalog. Policy and epoch are public
// so tests can change them; Delete makes the volume unknown (its handles go STALE).
//
// Thread-safety: not thread-safe beyond what the tests need (one thread).
#pragma once

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>

#include "storage/catalog.h"
#include "storage/kv.h"
#include "storage/volume_impl.h"

namespace volumed::testing {

class FakeCatalog : public storage::VolumeCatalog {
 public:
  FakeCatalog()
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())),
        factory_(env_.get(), storage::KvTuning{}, 1 << 20) {
    info.name = "vol";
    info.id = 7;
    info.epoch = 3;
    info.policy.squash = storage::Squash::kNone;
    (void)factory_.CreateDir("/v");
    auto kv = factory_.Open("/v/db");
    storage::VolumeImpl::Options o;
    o.id = info.id;
    o.epoch = info.epoch;
    o.background_reclaim = false;
    volume = storage::VolumeImpl::Open(std::move(kv).value(), o).value();
  }
  ~FakeCatalog() override { volume->Close(); }

  Result<storage::VolumeInfo> Create(const storage::CreateVolumeRequest&) override {
    return Status(Status::Code::kNotSupported);
  }
  Result<std::vector<storage::VolumeInfo>> List() override {
    if (deleted) return std::vector<storage::VolumeInfo>{};
    return std::vector<storage::VolumeInfo>{info};
  }
  Result<storage::VolumeInfo> Describe(std::string_view name) override {
    if (deleted || name != info.name) return NotFound("no such volume");
    return info;
  }
  Status Delete(std::string_view) override { return Status(Status::Code::kNotSupported); }
  Status SetPolicy(std::string_view, const storage::ExportPolicy&, const storage::Quota&) override {
    return Status(Status::Code::kNotSupported);
  }
  Status RenewLease(std::string_view, int64_t) override {
    return Status(Status::Code::kNotSupported);
  }
  Result<std::vector<std::string>> CollectExpired(int64_t) override {
    return std::vector<std::string>{};
  }
  Result<std::shared_ptr<storage::Volume>> OpenByName(std::string_view name) override {
    if (deleted || name != info.name) return NotFound("no such volume");
    return std::shared_ptr<storage::Volume>(volume);
  }
  Result<std::shared_ptr<storage::Volume>> OpenById(uint64_t id) override {
    if (deleted || id != info.id) return Status(Status::Code::kStale, "no such volume id");
    return std::shared_ptr<storage::Volume>(volume);
  }
  Result<storage::VolumeInfo> DescribeById(uint64_t id) override {
    if (deleted || id != info.id) return NotFound("no such volume id");
    return info;
  }
  // Built afresh from the public fields on every call, so a test's change shows at once.
  Result<std::shared_ptr<const storage::ServedVolume>> Serve(uint64_t id) override {
    if (deleted || id != info.id) return Status(Status::Code::kStale, "no such volume id");
    return std::make_shared<const storage::ServedVolume>(
        storage::ServedVolume{volume, info, ParseCidrs(info.policy.allowed_cidrs)});
  }
  storage::StoreLocation Locate(uint64_t) override {
    return {storage::StoreKind::kEmbedded, "LevelDB's in-memory Env"};
  }

  storage::VolumeInfo info;
  bool deleted = false;
  std::shared_ptr<storage::VolumeImpl> volume;

 private:
  std::unique_ptr<leveldb::Env> env_;
  storage::KvFactory factory_;
};

}  // namespace volumed::testing
