// VolumeCatalog over its table (storage/catalog_table.h: its own LevelDB, DATA/catalog, or
// on a store several gateways share the table they all read), with one LevelDB per volume
// (DATA/volumes/<id>), all opened through one KvFactory.
//
// On a shared store (README "Scaling out") each volume has an owner gateway
// (storage/gateway_registry.h) and only the owner opens it or changes its record; a change
// of the table holds it (CatalogTable::Exclusive) from its checks to its write, and the id
// counter is read under that hold. Doomed ids keep their owner key, so each gateway
// finishes only its own interrupted deletes (and those of gateways it adopts).
//
// Ids come from a persisted counter and are never reused. The epoch is a random 64-bit
// value chosen at creation, so a handle survives restarts but never matches a volume
// re-created under the same name, nor one in a data directory built afresh.
// Deleting a volume first records its id as doomed (with the name and record removed, in
// one synced batch), then closes and destroys its directory, then drops the doomed mark;
// Open finishes any destroy a crash interrupted.
// A volume whose LevelDB cannot be opened (corrupted or unreadable files) is isolated:
// every open of it fails with that status, the others keep serving, and the first failure
// is logged once as an error naming the volume.
//
// Open volumes are bounded (StoreOptions::idle_close, max_open_volumes): a volume is
// "held" while anyone but the catalog holds its shared_ptr or its ServedVolume (a request
// in progress, a reply waiting for a sync, a tool), and only an unheld one is closed.
// Copies leave the catalog only under mu_ or under served_mu_ (shared), and the holder
// check runs under both (served_mu_ exclusive), so no request can pick a volume up while
// it is being judged unheld. Closing (which may sync and waits for LevelDB's background
// work) runs outside the locks; meanwhile the id is in closing_ and an open of it waits,
// so two LevelDBs never open one directory.
#include <leveldb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <thread>

#include "base/clock.h"
#include "base/executor.h"
#include "base/logging.h"
#include "base/periodic_thread.h"
#include "storage/catalog.h"
#include "storage/catalog_table.h"
#include "storage/coding.h"
#include "storage/database_cloner.h"
#include "storage/gateway_registry.h"
#include "storage/key_codec.h"
#include "storage/kv.h"
#include "storage/records.h"
#include "storage/volume_impl.h"
#include "storage/volume_name.h"

namespace volumed::storage {
namespace {

constexpr size_t kMaxCidrs = 1024;
constexpr size_t kMaxCidrChars = 64;

Status ValidatePolicy(const ExportPolicy& policy) {
  if (policy.allowed_cidrs.size() > kMaxCidrs) return InvalidArgument("too many client CIDRs");
  for (const auto& c : policy.allowed_cidrs) {
    if (c.empty() || c.size() > kMaxCidrChars) return InvalidArgument("bad client CIDR");
  }
  return Status::Ok();
}

uint64_t NewEpoch() {
  std::random_device rd;
  uint64_t e = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(WallNowNs());
  return e == 0 ? 1 : e;
}

Status StaleId(uint64_t id) {
  return Status(Status::Code::kStale, "volume " + std::to_string(id) + " no longer exists");
}

// Log syncs of all volumes run on these threads, and one volume may have this many syncs
// running at once: the kernel folds concurrent fdatasyncs of one file into one journal
// commit, so overlapping syncs cut the wait of operations that arrive during a slow sync.
// A further sync starts beside a running one only when this many operations wait for it:
// on a fast disk fewer syncs, each shared by more operations, cost less CPU
// (storage/TUNING.md, "Overlapping syncs"). 16 threads measured no better than 4 and worse
// with four clients.
constexpr size_t kSyncThreads = 4;
constexpr size_t kOverlapWaiters = 8;

// How long Restore waits for requests in flight on the volume before closing it.
constexpr std::chrono::seconds kRetireWait{10};

// How often idle volumes are looked for: a quarter of the idle time, within these bounds.
constexpr std::chrono::milliseconds kMinIdleSweep{10};
constexpr std::chrono::milliseconds kMaxIdleSweep{10'000};

class CatalogImpl final : public VolumeCatalog {
 public:
  explicit CatalogImpl(const StoreOptions& options)
      : options_(options),
        factory_(options.store != nullptr ? options.store->env() : options.env, KvTuning{},
                 options.block_cache_bytes),
        background_executor_(options.background_threads, Executor::OnShutdown::kDropQueued),
        read_ahead_budget_(std::make_shared<ReadAheadBudget>(options.read_ahead_in_flight)),
        own_cloner_(MakeCloner(options, factory_.env())),
        cloner_(own_cloner_ != nullptr ? own_cloner_.get() : options.store->cloner()) {}

  ~CatalogImpl() override {
    if (idle_sweeper_ != nullptr) idle_sweeper_->Stop();
    std::unique_lock<std::mutex> l(mu_);
    closed_cv_.wait(l, [&] { return closing_.empty(); });
    for (auto& [id, entry] : open_) entry->volume->Close();
    // Every volume's log is synced now: a machine crash from here on loses nothing.
    if (table_ != nullptr) {
      leveldb::WriteBatch batch;
      batch.Put(keys::CatalogRun(self_), Encode(RunRecord{boot_id_, true}));
      Status s = table_->Write(&batch);
      if (!s.ok()) LOG_WARN("catalog: cannot record the clean shutdown: {}", s.ToString());
    }
  }

  Status Init() {
    VOLUMED_RETURN_IF_ERROR(factory_.CreateDir(options_.data_dir));
    VOLUMED_RETURN_IF_ERROR(factory_.CreateDir(VolumesDir()));
    if (options_.store != nullptr) {
      VOLUMED_ASSIGN_OR_RETURN(table_, options_.store->OpenCatalogTable());
      if (table_ != nullptr) VOLUMED_RETURN_IF_ERROR(MigrateCatalogDatabase());
    }
    if (table_ == nullptr) {
      VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open(options_.data_dir + "/catalog"));
      table_ = NewKvCatalogTable(std::move(kv));
    }
    if (!self_.empty()) {
      registry_ = std::make_unique<GatewayRegistry>(table_.get(), options_.store, factory_.env(),
                                                    options_.data_dir);
    }
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_RETURN_IF_ERROR(FinishInterrupted(l));
    VOLUMED_RETURN_IF_ERROR(StartRun(l));
    if (options_.idle_close.count() > 0) {
      const auto period = std::clamp(options_.idle_close / 4, kMinIdleSweep, kMaxIdleSweep);
      idle_sweeper_ = std::make_unique<PeriodicThread>(period, PeriodicThread::First::kAfterPeriod,
                                                       [this] { CloseIdle(); });
    }
    return Status::Ok();
  }

  Result<VolumeInfo> Create(const CreateVolumeRequest& req) override {
    VOLUMED_RETURN_IF_ERROR(ValidateVolumeName(req.name));
    VOLUMED_RETURN_IF_ERROR(ValidatePolicy(req.policy));
    if (req.kind == VolumeKind::kEphemeral && req.lease_ttl_ns <= 0) {
      return InvalidArgument("an ephemeral volume needs a positive lease");
    }
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
    VOLUMED_ASSIGN_OR_RETURN(auto existing, table_->Get(keys::CatalogName(req.name)));
    if (existing) return Exists("volume '" + req.name + "' exists");
    VOLUMED_RETURN_IF_ERROR(RefuseNameWithSnapshots(req.name));
    VolumeInfo info;
    info.name = req.name;
    VOLUMED_ASSIGN_OR_RETURN(info.id, NextId());
    if (registry_ != nullptr) {
      VOLUMED_ASSIGN_OR_RETURN(info.owner, registry_->PlaceNew());
    }
    info.epoch = NewEpoch();
    info.kind = req.kind;
    info.created_ns = WallNowNs();
    info.lease_expiry_ns =
        req.kind == VolumeKind::kEphemeral ? info.created_ns + req.lease_ttl_ns : 0;
    info.policy = req.policy;
    info.quota = req.quota;
    std::string id_value;
    coding::PutU64(&id_value, info.id);
    std::string next_value;
    coding::PutU64(&next_value, info.id + 1);
    leveldb::WriteBatch batch;
    batch.Put(keys::CatalogName(info.name), id_value);
    batch.Put(keys::CatalogVolume(info.id), Encode(info));
    batch.Put(keys::CatalogNextId(), next_value);
    batch.Delete(keys::CatalogDropped(info.name));
    if (!info.owner.empty()) batch.Put(keys::CatalogOwner(info.id), info.owner);
    VOLUMED_RETURN_IF_ERROR(table_->Write(&batch));
    // Format the volume now so that creation errors surface here, not at first use; one
    // another gateway owns is closed again at once (its owner opens it on first use).
    Status formatted = Status::Ok();
    if (info.owner.empty() || info.owner == self_) {
      auto v = OpenLocked(l, info);
      formatted = v.status();
    } else {
      auto v = OpenVolumeDb(info);
      formatted = v.status();
      if (v.ok()) (*v)->Close();
    }
    if (!formatted.ok()) {
      leveldb::WriteBatch undo;
      undo.Delete(keys::CatalogName(info.name));
      undo.Delete(keys::CatalogVolume(info.id));
      undo.Put(keys::CatalogDoomed(info.id), "");
      (void)table_->Write(&undo);
      hold.reset();  // Destroy may wait for mu_ (WaitNotClosing)
      (void)Destroy(l, info.id, 0);
      return formatted;
    }
    // Closing volumes over the cap lets go of mu_: a change holding mu_ and waiting for
    // the table's hold would otherwise deadlock against this one.
    hold.reset();
    CloseOverCap(l);
    return info;
  }

  Result<std::vector<VolumeInfo>> List() override {
    VOLUMED_ASSIGN_OR_RETURN(auto all, AllRecords());
    std::erase_if(all, [](const VolumeInfo& info) { return !info.snapshot.empty(); });
    return all;
  }

  Result<std::vector<VolumeInfo>> ListSnapshots(std::string_view volume) override {
    VOLUMED_RETURN_IF_ERROR(ValidateVolumeName(volume));
    VOLUMED_ASSIGN_OR_RETURN(auto all, AllRecords());
    std::erase_if(
        all, [&](const VolumeInfo& info) { return info.snapshot.empty() || info.name != volume; });
    std::sort(all.begin(), all.end(), [](const VolumeInfo& a, const VolumeInfo& b) {
      return a.created_ns != b.created_ns ? a.created_ns < b.created_ns : a.id < b.id;
    });
    return all;
  }

  Result<CloneResult> CreateSnapshot(std::string_view volume, std::string_view snapshot) override {
    VOLUMED_RETURN_IF_ERROR(ValidateVolumeName(volume));
    VOLUMED_RETURN_IF_ERROR(ValidateSnapshotName(snapshot));
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo source, Describe(volume));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(source));
    VolumeInfo info = source;  // its name, policy and quota
    info.snapshot = std::string(snapshot);
    info.origin_id = source.id;
    // A snapshot is synced when it is made, so it is persisted whatever its volume is.
    info.kind = VolumeKind::kPersisted;
    info.lease_expiry_ns = 0;
    info.policy.read_only = true;
    return CloneLocked(l, source, std::move(info));
  }

  Result<CloneResult> Fork(std::string_view source_name, std::string_view name,
                           bool persisted) override {
    VOLUMED_RETURN_IF_ERROR(ValidateExportName(source_name));
    VOLUMED_RETURN_IF_ERROR(ValidateVolumeName(name));
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo source, Describe(source_name));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(source));
    VolumeInfo info = source;  // its policy, quota, kind and lease
    info.name = std::string(name);
    info.origin_id = source.id;
    if (!source.snapshot.empty()) {
      // A fork of a snapshot is writable: read-only was the snapshot's, not the volume's.
      info.snapshot.clear();
      info.policy.read_only = false;
    }
    if (persisted) {
      info.kind = VolumeKind::kPersisted;
      info.lease_expiry_ns = 0;
    }
    return CloneLocked(l, source, std::move(info));
  }

  Result<DatabaseSpace> Space(uint64_t id) override {
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DescribeById(id));
    return cloner_->Space(VolumeDir(info.id, info.incarnation));
  }

  Result<VolumeInfo> Restore(std::string_view volume, std::string_view snapshot) override {
    VOLUMED_RETURN_IF_ERROR(ValidateVolumeName(volume));
    VOLUMED_RETURN_IF_ERROR(ValidateSnapshotName(snapshot));
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, Describe(volume));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(info));
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo snap, Describe(SnapshotExportName(volume, snapshot)));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(snap));
    if (snap.origin_id != info.id) {
      return InvalidArgument("snapshot '" + SourceName(snap) +
                             "' was taken of an earlier volume '" + info.name +
                             "' (since deleted), not of this one");
    }
    const uint32_t old_incarnation = info.incarnation;
    const uint32_t new_incarnation = old_incarnation + 1;
    const std::string dir = VolumeDir(info.id, new_incarnation);
    // 1. The new directory is doomed until the record names it.
    {
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      leveldb::WriteBatch mark;
      mark.Put(keys::CatalogDoomed(info.id), DoomedValue(new_incarnation));
      VOLUMED_RETURN_IF_ERROR(table_->Write(&mark));
    }
    // 2. The snapshot (never written) is copied beside the volume.
    Status s = [&]() -> Status {
      VOLUMED_ASSIGN_OR_RETURN(std::shared_ptr<VolumeImpl> source, OpenLocked(l, snap));
      return source->CloneTo(cloner_, dir, nullptr);
    }();
    if (!s.ok()) {
      (void)DestroyDirectory(info.id, new_incarnation);
      return s;
    }
    ReachedStep("restore-cloned");
    // 3. The volume is taken out of service; the copy gets its id, epoch and an inode
    // counter past every number the volume handed out; one synced write switches the
    // record to it and dooms the old directory.
    TakeOutOfService(l, info.id);
    s = [&]() -> Status {
      VOLUMED_ASSIGN_OR_RETURN(uint64_t next_ino, NextInodeOf(VolumeDir(info.id, old_incarnation)));
      {
        VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open(dir));
        VOLUMED_RETURN_IF_ERROR(VolumeImpl::Reidentify(kv.get(), info.id, info.epoch, next_ino));
      }
      info.incarnation = new_incarnation;
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      leveldb::WriteBatch record;
      record.Put(keys::CatalogVolume(info.id), Encode(info));
      record.Put(keys::CatalogDoomed(info.id), DoomedValue(old_incarnation));
      return table_->Write(&record);
    }();
    if (s.ok()) ReachedStep("restore-switched");
    // 4. Whichever directory lost goes; requests waiting for the volume go on.
    (void)DestroyDirectory(info.id, s.ok() ? old_incarnation : new_incarnation);
    closing_.erase(info.id);
    closed_cv_.notify_all();
    if (!s.ok()) return s;
    return info;
  }

  Result<VolumeInfo> Describe(std::string_view name) override {
    VOLUMED_ASSIGN_OR_RETURN(uint64_t id, IdOf(name));
    auto info = DescribeById(id);
    if (!info.ok() && info.status().code() == Status::Code::kStale) {
      return NotFound("volume '" + std::string(name) + "' does not exist");
    }
    return info;
  }

  Result<VolumeInfo> DescribeById(uint64_t id) override {
    VOLUMED_ASSIGN_OR_RETURN(auto v, table_->Get(keys::CatalogVolume(id)));
    if (!v) return StaleId(id);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DecodeVolume(*v));
    if (registry_ != nullptr) {
      VOLUMED_ASSIGN_OR_RETURN(info.owner, registry_->OwnerOf(id));
    }
    return info;
  }

  Status Delete(std::string_view name) override {
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
    VOLUMED_ASSIGN_OR_RETURN(uint64_t id, IdOf(name));
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DescribeById(id));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(info));
    leveldb::WriteBatch batch;
    batch.Delete(keys::CatalogName(name));
    batch.Delete(keys::CatalogVolume(id));
    batch.Put(keys::CatalogDoomed(id), DoomedValue(info.incarnation));
    VOLUMED_RETURN_IF_ERROR(table_->Write(&batch));
    hold.reset();  // the destroy takes long and writes the table by itself
    return Destroy(l, id, info.incarnation);
  }

  Status SetPolicy(std::string_view name, const ExportPolicy& policy, const Quota& quota) override {
    VOLUMED_RETURN_IF_ERROR(ValidatePolicy(policy));
    std::lock_guard<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DescribeLocked(name));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(info));
    info.policy = policy;
    info.quota = quota;
    VOLUMED_RETURN_IF_ERROR(PutInfo(info));
    auto it = open_.find(info.id);
    if (it != open_.end()) it->second->volume->SetQuota(quota);
    ReplaceServed(info);
    return Status::Ok();
  }

  Status RenewLease(std::string_view name, int64_t ttl_ns) override {
    if (ttl_ns <= 0) return InvalidArgument("lease must be positive");
    std::lock_guard<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DescribeLocked(name));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(info));
    if (info.kind != VolumeKind::kEphemeral) {
      return InvalidArgument("volume '" + info.name + "' is persisted and has no lease");
    }
    info.lease_expiry_ns = WallNowNs() + ttl_ns;
    VOLUMED_RETURN_IF_ERROR(PutInfo(info));
    ReplaceServed(info);
    return Status::Ok();
  }

  Result<std::vector<std::string>> CollectExpired(int64_t now_ns) override {
    VOLUMED_ASSIGN_OR_RETURN(auto all, List());
    std::vector<std::string> gone;
    for (const auto& info : all) {
      if (info.kind != VolumeKind::kEphemeral || info.lease_expiry_ns >= now_ns) continue;
      if (!CheckOwned(info).ok()) continue;  // its owner collects it
      Status s = Delete(info.name);
      if (s.ok()) {
        gone.push_back(info.name);
      } else if (s.code() != Status::Code::kNotFound) {
        return s;
      }
    }
    return gone;
  }

  Result<std::shared_ptr<Volume>> OpenByName(std::string_view name) override {
    VOLUMED_ASSIGN_OR_RETURN(uint64_t id, IdOf(name));
    auto v = OpenById(id);
    if (!v.ok() && v.status().code() == Status::Code::kStale) {
      return NotFound("volume '" + std::string(name) + "' does not exist");
    }
    return v;
  }

  Result<std::shared_ptr<Volume>> OpenById(uint64_t id) override {
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(auto v, table_->Get(keys::CatalogVolume(id)));
    if (!v) return StaleId(id);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DecodeVolume(*v));
    VOLUMED_ASSIGN_OR_RETURN(std::shared_ptr<VolumeImpl> volume, OpenLocked(l, info));
    CloseOverCap(l);
    return std::shared_ptr<Volume>(std::move(volume));
  }

  Result<std::shared_ptr<const ServedVolume>> Serve(uint64_t id) override {
    if (auto served = FindServed(id)) return served;
    // On a shared store, a volume another gateway owns — its owner read afresh, as
    // ClaimOrRefuse reads it — is refused at the cost of that one read, without the
    // catalog's lock: its calls are forwarded to the owner (services/gateway_forwarder.h),
    // and this is all each of them costs here. (A volume deleted meanwhile keeps its owner
    // key until it is destroyed: the owner answers for it.)
    if (registry_ != nullptr) {
      VOLUMED_ASSIGN_OR_RETURN(std::string owner, registry_->OwnerOf(id));
      if (!owner.empty() && owner != self_) {
        return ServedElsewhere("volume " + std::to_string(id), owner, "");
      }
    }
    std::unique_lock<std::mutex> l(mu_);
    // Another request may have served it meanwhile (entries change only under mu_).
    if (auto served = FindServed(id)) return served;
    VOLUMED_ASSIGN_OR_RETURN(auto v, table_->Get(keys::CatalogVolume(id)));
    if (!v) return StaleId(id);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, DecodeVolume(*v));
    VOLUMED_ASSIGN_OR_RETURN(std::shared_ptr<VolumeImpl> volume, OpenLocked(l, info));
    auto served = MakeServed(std::move(volume), std::move(info));
    {
      std::unique_lock lock(served_mu_);
      open_.at(id)->served = served;
    }
    CloseOverCap(l);
    return served;
  }

  size_t BlockCacheBytes() override { return factory_.BlockCacheBytes(); }
  ReadAheadStats TotalReadAhead() override { return read_ahead_totals_->Read(); }
  size_t ReadAheadInFlight() override { return read_ahead_budget_->in_flight(); }

  Result<std::vector<GatewayInfo>> Gateways() override {
    if (registry_ == nullptr) return std::vector<GatewayInfo>{};
    return registry_->List();
  }

  std::string MembershipDir() override {
    return registry_ != nullptr ? registry_->MembershipDir(self_) : std::string();
  }

  bool HoldsMembership() override {
    return registry_ == nullptr || options_.store->HoldsLease(registry_->MembershipDir(self_));
  }

  Status PublishGateway(const std::string& address, const std::vector<std::string>& held) override {
    if (registry_ == nullptr) return VolumeCatalog::PublishGateway(address, held);
    return registry_->Publish(address, held);
  }

  Result<std::optional<GatewayAdoption>> AdoptGateway(std::string_view gateway) override {
    if (registry_ == nullptr) return VolumeCatalog::AdoptGateway(gateway);
    VOLUMED_ASSIGN_OR_RETURN(auto adopted, registry_->Adopt(gateway));
    if (adopted) {
      std::unique_lock<std::mutex> l(mu_);
      VOLUMED_RETURN_IF_ERROR(FinishInterrupted(l));
    }
    return adopted;
  }

  Status Move(std::string_view name, std::string_view gateway) override {
    if (registry_ == nullptr) return VolumeCatalog::Move(name, gateway);
    std::unique_lock<std::mutex> l(mu_);
    VOLUMED_ASSIGN_OR_RETURN(VolumeInfo info, Describe(name));
    VOLUMED_RETURN_IF_ERROR(CheckOwned(info));
    if (gateway == self_) return Status::Ok();
    VOLUMED_ASSIGN_OR_RETURN(bool live, registry_->Live(gateway));
    if (!live) {
      return InvalidArgument("gateway '" + std::string(gateway) + "' is not a live gateway");
    }
    // Calls in flight finish and the volume closes (its log synced, its lease released);
    // new calls wait (closing_). Only then is the table held (TakeOutOfService lets go of
    // mu_ meanwhile, and a change holding mu_ may be waiting for the table), the owner
    // checked again and one write names the new one.
    TakeOutOfService(l, info.id);
    Status s = [&]() -> Status {
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      VOLUMED_ASSIGN_OR_RETURN(info.owner, registry_->OwnerOf(info.id));
      VOLUMED_RETURN_IF_ERROR(CheckOwned(info));
      leveldb::WriteBatch batch;
      batch.Put(keys::CatalogOwner(info.id), std::string(gateway));
      return table_->Write(&batch);
    }();
    closing_.erase(info.id);
    closed_cv_.notify_all();
    if (s.ok()) LOG_INFO("volume '{}' moved to gateway {}", info.name, gateway);
    return s;
  }

  PeekResult Peek(uint64_t id) override {
    PeekResult out;
    {
      std::lock_guard damaged_lock(damaged_mu_);
      out.damaged = damaged_.count(id) != 0;
    }
    std::shared_lock lock(served_mu_);  // a copy may leave under served_mu_ (see the top)
    auto it = open_.find(id);
    if (it != open_.end()) out.volume = it->second->volume;
    return out;
  }

  StoreLocation Locate(uint64_t id) override {
    auto info = DescribeById(id);
    const std::string dir = VolumeDir(id, info.ok() ? info->incarnation : 0);
    if (options_.store == nullptr) return {StoreKind::kEmbedded, dir};
    return {options_.store->kind(), options_.store->Describe(dir)};
  }

 private:
  // Every volume and snapshot record.
  Result<std::vector<VolumeInfo>> AllRecords() {
    std::map<uint64_t, std::string> owners;
    if (registry_ != nullptr) {
      VOLUMED_ASSIGN_OR_RETURN(auto list, registry_->Owners());
      owners.insert(list.begin(), list.end());
    }
    std::vector<VolumeInfo> out;
    Status decode;
    std::string prefix = keys::TagPrefix(keys::kCatalogVolumeTag);
    VOLUMED_RETURN_IF_ERROR(
        table_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view, std::string_view v) {
          auto info = DecodeVolume(v);
          if (!info.ok()) {
            decode = info.status();
            return false;
          }
          auto owner = owners.find(info->id);
          if (owner != owners.end()) info->owner = owner->second;
          out.push_back(std::move(*info));
          return true;
        }));
    VOLUMED_RETURN_IF_ERROR(decode);
    return out;
  }

  // A snapshot belongs to the volume it was taken of (origin_id), and "NAME@SNAP" must
  // name a snapshot of one volume only: so while snapshots of a deleted volume NAME are
  // left, no new volume (Create, Fork) may take the name NAME. `mu_` is held.
  Status RefuseNameWithSnapshots(std::string_view name) {
    const std::string prefix = keys::CatalogName(SnapshotExportName(name, ""));
    const size_t tag_size = keys::CatalogName("").size();
    std::string left;
    VOLUMED_RETURN_IF_ERROR(
        table_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view) {
          left += (left.empty() ? "" : ", ") + std::string(k.substr(tag_size));
          return true;
        }));
    if (left.empty()) return Status::Ok();
    return Exists("the name '" + std::string(name) +
                  "' is still used by snapshots of a deleted volume: " + left +
                  " (delete them first)");
  }

  // `l` holds mu_. Makes a new snapshot or volume described by `info` (everything but
  // its id, epoch and creation time, set here) a copy of `source`, in three steps:
  //  1. the id is reserved and marked doomed (one synced catalog write), so that from
  //     here until step 3 a crash leaves only a directory that Init destroys;
  //  2. the source's database is cloned at one instant (VolumeImpl::CloneTo) and the copy
  //     made to belong to the new id and epoch (synced);
  //  3. one synced catalog write drops the doomed mark and adds the name and record.
  // So after a crash at any point the copy exists complete or not at all, and the source
  // is never written.
  Result<CloneResult> CloneLocked(std::unique_lock<std::mutex>& l, const VolumeInfo& source,
                                  VolumeInfo info) {
    const std::string name =
        info.snapshot.empty() ? info.name : SnapshotExportName(info.name, info.snapshot);
    // The name is free (checked again when it is recorded: the copy runs without the
    // table's hold) and the copy made by this gateway is ours.
    auto name_free = [&]() -> Status {
      VOLUMED_ASSIGN_OR_RETURN(auto existing, table_->Get(keys::CatalogName(name)));
      if (existing) {
        return Exists((info.snapshot.empty() ? "volume '" : "snapshot '") + name + "' exists");
      }
      if (info.snapshot.empty()) VOLUMED_RETURN_IF_ERROR(RefuseNameWithSnapshots(name));
      return Status::Ok();
    };
    info.owner = self_;
    {
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      VOLUMED_RETURN_IF_ERROR(name_free());
      VOLUMED_ASSIGN_OR_RETURN(info.id, NextId());
      info.epoch = NewEpoch();
      info.created_ns = WallNowNs();
      info.incarnation = 0;
      std::string next_value;
      coding::PutU64(&next_value, info.id + 1);
      leveldb::WriteBatch reserve;
      reserve.Put(keys::CatalogNextId(), next_value);
      reserve.Put(keys::CatalogDoomed(info.id), "");
      if (!self_.empty()) reserve.Put(keys::CatalogOwner(info.id), self_);
      VOLUMED_RETURN_IF_ERROR(table_->Write(&reserve));
    }
    ReachedStep("reserved");

    CloneResult out;
    Status s = [&]() -> Status {
      VOLUMED_ASSIGN_OR_RETURN(std::shared_ptr<VolumeImpl> volume, OpenLocked(l, source));
      VOLUMED_RETURN_IF_ERROR(volume->CloneTo(cloner_, VolumeDir(info.id, 0), &out.pause_ns));
      ReachedStep("cloned");
      {
        VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open(VolumeDir(info.id, 0)));
        VOLUMED_RETURN_IF_ERROR(VolumeImpl::Reidentify(kv.get(), info.id, info.epoch, 0));
      }
      ReachedStep("reidentified");
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      VOLUMED_RETURN_IF_ERROR(name_free());
      std::string id_value;
      coding::PutU64(&id_value, info.id);
      leveldb::WriteBatch record;
      record.Delete(keys::CatalogDoomed(info.id));
      record.Put(keys::CatalogName(name), id_value);
      record.Put(keys::CatalogVolume(info.id), Encode(info));
      return table_->Write(&record);
    }();
    if (!s.ok()) {
      LOG_WARN("catalog: copying '{}' to '{}' failed: {}", SourceName(source), name, s.ToString());
      (void)Destroy(l, info.id, 0);
      return s;
    }
    ReachedStep("recorded");
    CloseOverCap(l);
    out.info = std::move(info);
    return out;
  }

  static std::string SourceName(const VolumeInfo& info) {
    return info.snapshot.empty() ? info.name : SnapshotExportName(info.name, info.snapshot);
  }

  void ReachedStep(std::string_view step) {
    if (options_.clone_step) options_.clone_step(step);
  }

  // An open volume, and its ServedVolume once a request asked for it.
  struct OpenVolume {
    std::shared_ptr<VolumeImpl> volume;
    std::shared_ptr<const ServedVolume> served;  // null until served
    std::atomic<int64_t> last_used_ns{0};        // steady clock; updated under either lock
  };

  // Drops the ephemeral volumes when the machine crashed under the last run (see
  // StoreOptions::boot_id), then records this run as not yet shut down cleanly.
  // `l` holds mu_.
  Status StartRun(std::unique_lock<std::mutex>& l) {
    boot_id_ = options_.boot_id.empty() ? ReadBootId() : options_.boot_id;
    VOLUMED_ASSIGN_OR_RETURN(auto last, table_->Get(keys::CatalogRun(self_)));
    if (last) {
      VOLUMED_ASSIGN_OR_RETURN(RunRecord run, DecodeRun(*last));
      if (!run.clean && run.boot_id != boot_id_) VOLUMED_RETURN_IF_ERROR(DropEphemeral(l));
    }
    leveldb::WriteBatch batch;
    batch.Put(keys::CatalogRun(self_), Encode(RunRecord{boot_id_, false}));
    return table_->Write(&batch);
  }

  static std::string ReadBootId() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
  }

  // `l` holds mu_.
  Status DropEphemeral(std::unique_lock<std::mutex>& l) {
    VOLUMED_ASSIGN_OR_RETURN(auto all, List());
    for (const auto& info : all) {
      if (info.kind != VolumeKind::kEphemeral || !CheckOwned(info).ok()) continue;
      LOG_WARN(
          "volume '{}' (ephemeral) is dropped: the machine restarted without a clean shutdown "
          "and ephemeral volumes are never synced to disk",
          info.name);
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      leveldb::WriteBatch batch;
      batch.Delete(keys::CatalogName(info.name));
      batch.Delete(keys::CatalogVolume(info.id));
      batch.Put(keys::CatalogDoomed(info.id), DoomedValue(info.incarnation));
      batch.Put(keys::CatalogDropped(info.name), Encode(DroppedRecord{WallNowNs()}));
      VOLUMED_RETURN_IF_ERROR(table_->Write(&batch));
      hold.reset();
      VOLUMED_RETURN_IF_ERROR(Destroy(l, info.id, info.incarnation));
    }
    return Status::Ok();
  }

  static std::shared_ptr<const ServedVolume> MakeServed(std::shared_ptr<Volume> volume,
                                                        VolumeInfo info) {
    auto served = std::make_shared<ServedVolume>();
    served->clients = ParseCidrs(info.policy.allowed_cidrs);
    served->volume = std::move(volume);
    served->info = std::move(info);
    return served;
  }

  // Caller holds mu_. A served volume's record changed: its holders keep the old object,
  // new requests get the new one.
  void ReplaceServed(const VolumeInfo& info) {
    std::unique_lock lock(served_mu_);
    auto it = open_.find(info.id);
    if (it != open_.end() && it->second->served != nullptr) {
      it->second->served = MakeServed(it->second->volume, info);
    }
  }

  // The request path: an open, served volume, found under served_mu_ alone; null if none.
  std::shared_ptr<const ServedVolume> FindServed(uint64_t id) {
    std::shared_lock lock(served_mu_);
    auto it = open_.find(id);
    if (it == open_.end() || it->second->served == nullptr) return nullptr;
    it->second->last_used_ns.store(MonotonicNowNs(), std::memory_order_relaxed);
    return it->second->served;
  }

  std::string VolumesDir() const { return options_.data_dir + "/volumes"; }
  std::string VolumeDir(uint64_t id, uint32_t incarnation) const {
    std::string dir = VolumesDir() + "/" + std::to_string(id);
    if (incarnation != 0) dir += "." + std::to_string(incarnation);
    return dir;
  }

  // A doomed record's value: which directory of the id is to go.
  static std::string DoomedValue(uint32_t incarnation) {
    std::string out;
    if (incarnation != 0) coding::PutU32(&out, incarnation);
    return out;
  }
  static Result<uint32_t> DecodeDoomed(std::string_view value) {
    if (value.empty()) return 0u;
    coding::Reader r(value);
    const uint32_t incarnation = r.U32();
    if (!r.ok() || !r.AtEnd()) return Corruption("bad doomed record");
    return incarnation;
  }

  // `l` holds mu_ (released while in-flight requests finish). Closes volume `id` and
  // leaves it in closing_, so that every open of it waits until the caller erases it.
  // Requests holding the volume are waited for (up to kRetireWait), so that none of them
  // meets a closed volume.
  void TakeOutOfService(std::unique_lock<std::mutex>& l, uint64_t id) {
    WaitNotClosing(l, id);
    std::shared_ptr<VolumeImpl> volume = Detach(id);
    closing_.insert(id);
    if (volume == nullptr) return;
    l.unlock();
    const int64_t deadline = MonotonicNowNs() + kRetireWait.count() * 1'000'000;
    while (volume.use_count() > 1 && MonotonicNowNs() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    volume->Close();
    volume.reset();
    l.lock();
  }

  // The inode counter of the (closed) database in `dir`.
  Result<uint64_t> NextInodeOf(const std::string& dir) {
    VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open(dir));
    VOLUMED_ASSIGN_OR_RETURN(auto value, kv->Get(keys::Super(keys::kSuperCounters)));
    if (!value) return Corruption("volume in " + dir + " has no counters record");
    VOLUMED_ASSIGN_OR_RETURN(CountersRecord counters, DecodeCounters(*value));
    return counters.next_ino;
  }

  Result<uint64_t> IdOf(std::string_view name) {
    VOLUMED_ASSIGN_OR_RETURN(auto v, table_->Get(keys::CatalogName(name)));
    if (!v) return NoSuchVolume(name);
    coding::Reader r(*v);
    uint64_t id = r.U64();
    if (!r.ok() || !r.AtEnd()) return Corruption("bad catalog name record");
    return id;
  }

  // kNotFound, saying why when the name was an ephemeral volume lost to a machine crash.
  Status NoSuchVolume(std::string_view name) {
    const std::string missing = "volume '" + std::string(name) + "' does not exist";
    auto dropped = table_->Get(keys::CatalogDropped(name));
    if (!dropped.ok() || !dropped->has_value()) return NotFound(missing);
    auto rec = DecodeDropped(**dropped);
    if (!rec.ok()) return NotFound(missing);
    return NotFound(missing + ": it was ephemeral and was dropped at the server's start (" +
                    FormatTime(rec->dropped_ns) +
                    ") because the machine had restarted without a clean shutdown");
  }

  static std::string FormatTime(int64_t ns) {
    const time_t secs = static_cast<time_t>(ns / 1000000000);
    struct tm utc;
    char buf[32];
    gmtime_r(&secs, &utc);
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &utc);
    return buf;
  }

  Result<VolumeInfo> DescribeLocked(std::string_view name) { return Describe(name); }

  Status PutInfo(const VolumeInfo& info) {
    leveldb::WriteBatch batch;
    batch.Put(keys::CatalogVolume(info.id), Encode(info));
    return table_->Write(&batch);
  }

  // Before this gateway opens volume `info` on a shared store: Ok when it owns it, or
  // when nobody does (a volume from before the store was shared: it becomes ours); else
  // kElsewhere. The owner is read afresh: `info` may be older than a move or adoption.
  Status ClaimOrRefuse(const VolumeInfo& info) {
    if (registry_ == nullptr) return Status::Ok();
    VOLUMED_ASSIGN_OR_RETURN(std::string owner, registry_->OwnerOf(info.id));
    if (owner.empty()) {
      VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
      VOLUMED_ASSIGN_OR_RETURN(owner, registry_->OwnerOf(info.id));
      if (owner.empty()) {
        leveldb::WriteBatch batch;
        batch.Put(keys::CatalogOwner(info.id), self_);
        VOLUMED_RETURN_IF_ERROR(table_->Write(&batch));
        owner = self_;
      }
    }
    VolumeInfo current = info;
    current.owner = owner;
    return CheckOwned(current);
  }

  // `l` holds mu_ (released while waiting for a close of this volume to finish).
  Result<std::shared_ptr<VolumeImpl>> OpenLocked(std::unique_lock<std::mutex>& l,
                                                 const VolumeInfo& info) {
    WaitNotClosing(l, info.id);
    auto it = open_.find(info.id);
    if (it != open_.end()) {
      it->second->last_used_ns.store(MonotonicNowNs(), std::memory_order_relaxed);
      return it->second->volume;
    }
    VOLUMED_RETURN_IF_ERROR(ClaimOrRefuse(info));
    auto vol = OpenVolumeDb(info);
    if (!vol.ok()) {
      bool first_failure;
      {
        std::lock_guard damaged_lock(damaged_mu_);
        first_failure = damaged_.insert(info.id).second;
      }
      if (first_failure) {
        LOG_ERROR(
            "volume '{}' (id {}) cannot be opened and is isolated, other volumes keep "
            "serving: {} (details: volumectl fsck {}; volumectl delete {} removes it)",
            info.name, info.id, vol.status().ToString(), info.name, info.name);
      }
      return vol.status();
    }
    {
      std::lock_guard damaged_lock(damaged_mu_);
      damaged_.erase(info.id);
    }
    auto entry = std::make_unique<OpenVolume>();
    entry->volume = *vol;
    entry->last_used_ns.store(MonotonicNowNs(), std::memory_order_relaxed);
    std::unique_lock lock(served_mu_);
    open_.emplace(info.id, std::move(entry));
    return vol;
  }

  // `l` holds mu_; returns with it held, once no close of volume `id` is in progress.
  void WaitNotClosing(std::unique_lock<std::mutex>& l, uint64_t id) {
    closed_cv_.wait(l, [&] { return closing_.count(id) == 0; });
  }

  // Caller holds mu_ and served_mu_ exclusively. Nobody but the catalog holds the volume
  // or its current ServedVolume (an older ServedVolume still held holds the volume too).
  static bool Unheld(const OpenVolume& entry) {
    const long catalog_refs = entry.served != nullptr ? 2 : 1;  // open_ and served->volume
    return entry.volume.use_count() == catalog_refs &&
           (entry.served == nullptr || entry.served.use_count() == 1);
  }

  // `l` holds mu_. Closes the unheld volumes last used before `idle_before_ns` and, while
  // more than max_open_volumes are open, the least recently used unheld ones; the closes
  // run with mu_ released.
  void CloseUnheld(std::unique_lock<std::mutex>& l, int64_t idle_before_ns) {
    std::vector<std::shared_ptr<VolumeImpl>> victims;
    {
      std::unique_lock lock(served_mu_);
      std::vector<std::pair<int64_t, uint64_t>> unheld;  // last use, id
      for (const auto& [id, entry] : open_) {
        if (Unheld(*entry)) {
          unheld.emplace_back(entry->last_used_ns.load(std::memory_order_relaxed), id);
        }
      }
      std::sort(unheld.begin(), unheld.end());
      const size_t cap = options_.max_open_volumes;
      size_t excess = cap != 0 && open_.size() > cap ? open_.size() - cap : 0;
      for (const auto& [last_used, id] : unheld) {
        if (excess == 0 && last_used >= idle_before_ns) break;
        if (excess > 0) --excess;
        auto it = open_.find(id);
        victims.push_back(std::move(it->second->volume));
        open_.erase(it);
        closing_.insert(id);
      }
    }
    if (victims.empty()) return;
    std::vector<uint64_t> ids;
    l.unlock();
    for (const auto& v : victims) {
      v->Close();
      ids.push_back(v->id());
    }
    victims.clear();  // the last references
    l.lock();
    for (uint64_t id : ids) closing_.erase(id);
    closed_cv_.notify_all();
  }

  // `l` holds mu_: enforces max_open_volumes after an open.
  void CloseOverCap(std::unique_lock<std::mutex>& l) {
    if (options_.max_open_volumes != 0 && open_.size() > options_.max_open_volumes) {
      CloseUnheld(l, std::numeric_limits<int64_t>::min());
    }
  }

  // The idle sweeper's tick.
  void CloseIdle() {
    std::unique_lock<std::mutex> l(mu_);
    const int64_t idle_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.idle_close).count();
    CloseUnheld(l, MonotonicNowNs() - idle_ns);
  }

  Result<std::shared_ptr<VolumeImpl>> OpenVolumeDb(const VolumeInfo& info) {
    VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open(VolumeDir(info.id, info.incarnation)));
    VolumeImpl::Options o;
    o.id = info.id;
    o.epoch = info.epoch;
    o.block_size = options_.block_size;
    o.quota = info.quota;
    // FSSTAT's capacity: the local disk's for the embedded store, the pool's for RADOS.
    o.capacity =
        options_.store != nullptr ? static_cast<CapacitySource*>(options_.store) : &local_disk_;
    o.sync_scheduler = &sync_scheduler_;
    // An ephemeral volume lives only as long as its job's lease and does not outlive a
    // crash of the machine, so nothing in it is ever synced (DESIGN.md §5).
    o.syncs = info.kind == VolumeKind::kPersisted;
    o.background_executor = &background_executor_;
    o.read_ahead = options_.read_ahead;
    o.read_ahead_budget = read_ahead_budget_;
    o.read_ahead_totals = read_ahead_totals_;
    // A snapshot is never written: its orphans stay as they were taken.
    o.background_reclaim = info.snapshot.empty();
    return VolumeImpl::Open(std::move(kv), o);
  }

  // Caller holds mu_. Takes volume `id` out of open_ (with the catalog's ServedVolume), so
  // that no request picks it up any more; null when it is not open.
  std::shared_ptr<VolumeImpl> Detach(uint64_t id) {
    std::unique_lock lock(served_mu_);
    auto it = open_.find(id);
    if (it == open_.end()) return nullptr;
    std::shared_ptr<VolumeImpl> volume = std::move(it->second->volume);
    open_.erase(it);
    return volume;
  }

  // `l` holds mu_. Closes the volume, removes its directory, and then its doomed mark.
  Status Destroy(std::unique_lock<std::mutex>& l, uint64_t id, uint32_t incarnation) {
    WaitNotClosing(l, id);
    std::shared_ptr<VolumeImpl> volume = Detach(id);
    if (volume != nullptr) volume->Close();
    return DestroyDirectory(id, incarnation);
  }

  // Removes directory `incarnation` of `id` (not open), then the doomed mark, and the
  // owner too when the volume is gone (not for a restore's losing directory).
  Status DestroyDirectory(uint64_t id, uint32_t incarnation) {
    VOLUMED_RETURN_IF_ERROR(factory_.Destroy(VolumeDir(id, incarnation)));
    VOLUMED_ASSIGN_OR_RETURN(auto record, table_->Get(keys::CatalogVolume(id)));
    leveldb::WriteBatch batch;
    batch.Delete(keys::CatalogDoomed(id));
    if (!record) batch.Delete(keys::CatalogOwner(id));
    return table_->Write(&batch);
  }

  // Finishes the deletes (and abandons the copies and restores) a crash interrupted: on a
  // shared store, only those of volumes this gateway owns. `l` holds mu_.
  Status FinishInterrupted(std::unique_lock<std::mutex>& l) {
    std::vector<std::pair<uint64_t, uint32_t>> doomed;  // id, incarnation
    Status decode;
    std::string prefix = keys::TagPrefix(keys::kCatalogDoomedTag);
    VOLUMED_RETURN_IF_ERROR(
        table_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view v) {
          auto id = keys::ParseCatalogDoomed(k);
          auto incarnation = DecodeDoomed(v);
          if (!id || !incarnation.ok()) {
            decode = Corruption("bad doomed record");
            return false;
          }
          doomed.emplace_back(*id, *incarnation);
          return true;
        }));
    VOLUMED_RETURN_IF_ERROR(decode);
    for (auto [id, incarnation] : doomed) {
      if (registry_ != nullptr) {
        VOLUMED_ASSIGN_OR_RETURN(std::string owner, registry_->OwnerOf(id));
        if (owner != self_) continue;
      }
      VOLUMED_RETURN_IF_ERROR(Destroy(l, id, incarnation));
    }
    return Status::Ok();
  }

  // A store written before its catalog moved into a table of the store's own kept it in
  // a LevelDB (DATA/catalog): its records are copied into the (empty) table once, in one
  // write; the database stays behind, unused.
  Status MigrateCatalogDatabase() {
    const std::string dir = options_.data_dir + "/catalog";
    if (!factory_.DatabaseExists(dir)) return Status::Ok();
    VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
    VOLUMED_ASSIGN_OR_RETURN(auto next, table_->Get(keys::CatalogNextId()));
    if (next) return Status::Ok();  // copied already
    VOLUMED_ASSIGN_OR_RETURN(auto kv, factory_.Open(dir));
    leveldb::WriteBatch batch;
    size_t records = 0;
    VOLUMED_RETURN_IF_ERROR(kv->Scan("", "", [&](std::string_view k, std::string_view v) {
      // A run record belonged to the one server that used the store: it is this one's.
      batch.Put(k == keys::CatalogRun() ? keys::CatalogRun(self_) : std::string(k),
                leveldb::Slice(v.data(), v.size()));
      ++records;
      return true;
    }));
    if (records == 0) return Status::Ok();
    VOLUMED_RETURN_IF_ERROR(table_->Write(&batch));
    LOG_INFO("catalog: {} records copied from the catalog database in {} into the shared table",
             records, dir);
    return Status::Ok();
  }

  // The next volume id (the table is held: on a shared store others allocate too).
  Result<uint64_t> NextId() {
    VOLUMED_ASSIGN_OR_RETURN(auto next, table_->Get(keys::CatalogNextId()));
    if (!next) return uint64_t{1};
    coding::Reader r(*next);
    const uint64_t id = r.U64();
    if (!r.ok() || !r.AtEnd()) return Corruption("bad next-id record");
    return id;
  }

  // Ok when this server may open and change volume `info` (on a shared store: it owns
  // it); else kElsewhere naming the owner and its address.
  Status CheckOwned(const VolumeInfo& info) {
    if (registry_ == nullptr || info.owner.empty() || info.owner == self_) return Status::Ok();
    auto address = registry_->AddressOf(info.owner);
    return ServedElsewhere("volume '" + SourceName(info) + "'", info.owner,
                           address.ok() ? *address : std::string());
  }

  // The one kElsewhere message: `what` (a volume, by name or number) is served by gateway
  // `owner`, at `address` when known ("" when not, or not read: Serve's early refusal
  // reads nothing more).
  static Status ServedElsewhere(const std::string& what, const std::string& owner,
                                const std::string& address) {
    return Status(Status::Code::kElsewhere, what + " is served by gateway " + owner +
                                                (address.empty() ? "" : " at " + address));
  }

  // The embedded store on the POSIX file system shares tables by hard link; an embedded
  // store on another Env (tests' MemEnv) copies; a store of its own brings its cloner,
  // or copies through its Env when it has none.
  static std::unique_ptr<DatabaseCloner> MakeCloner(const StoreOptions& options,
                                                    leveldb::Env* env) {
    if (options.store == nullptr) {
      return options.env == nullptr ? NewLinkingCloner(env) : NewCopyingCloner(env);
    }
    return options.store->cloner() != nullptr ? nullptr : NewCopyingCloner(env);
  }

  const StoreOptions options_;
  LocalDiskCapacity local_disk_{options_.data_dir};  // the embedded store's capacity
  KvFactory factory_;
  SyncScheduler sync_scheduler_{kSyncThreads, kOverlapWaiters};  // outlives every volume in open_
  // Runs every volume's background reclaim and read-ahead; outlives every volume in open_.
  Executor background_executor_;
  const std::shared_ptr<ReadAheadBudget> read_ahead_budget_;
  const std::shared_ptr<ReadAheadTotals> read_ahead_totals_ = std::make_shared<ReadAheadTotals>();
  std::unique_ptr<DatabaseCloner> own_cloner_;  // null: the store's own
  DatabaseCloner* const cloner_;
  // This gateway's id on a shared store; "" on one only this server uses.
  const std::string self_ =
      options_.store != nullptr ? options_.store->gateway_id() : std::string();
  std::unique_ptr<CatalogTable> table_;
  std::unique_ptr<GatewayRegistry> registry_;  // null: the store is not shared
  std::mutex mu_;
  std::condition_variable closed_cv_;  // signalled when closes finish (closing_ shrinks)
  // Read under mu_ or under served_mu_ (shared: the request path); the map and each
  // entry's pointers change only with mu_ held and served_mu_ held exclusively.
  std::shared_mutex served_mu_;
  std::map<uint64_t, std::unique_ptr<OpenVolume>> open_;
  std::set<uint64_t> closing_;  // guarded by mu_: taken out of open_, Close in progress
  // Failed to open, already logged. Its own mutex (taken inside mu_, never across I/O)
  // so that Peek reads it without waiting for an open in progress.
  std::mutex damaged_mu_;
  std::set<uint64_t> damaged_;                    // guarded by damaged_mu_
  std::string boot_id_;                           // set by Init
  std::unique_ptr<PeriodicThread> idle_sweeper_;  // last: stopped first; null: no idle close
};

}  // namespace

Result<std::unique_ptr<VolumeCatalog>> VolumeCatalog::Open(const StoreOptions& options) {
  if (options.data_dir.empty()) return InvalidArgument("no data directory");
  auto catalog = std::make_unique<CatalogImpl>(options);
  VOLUMED_RETURN_IF_ERROR(catalog->Init());
  return std::unique_ptr<VolumeCatalog>(std::move(catalog));
}

}  // namespace volumed::storage
