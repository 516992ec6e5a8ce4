#include "admin/admin_service.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "admin/admin_defaults.h"
#include "admin/placement.h"
#include "admin/status_map.h"
#include "admin/wire_convert.h"
#include "base/logging.h"
#include "storage/volume_name.h"

namespace volumed::admin {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;

// The message the user reads: the catalog's own words, except for the two outcomes
// every user meets, which get one wording whatever the store says — a missing volume
// keeps the catalog's reason, when it gives one after ": " (an ephemeral volume dropped
// after a machine crash says so), and a name that is taken for a reason other than an
// existing volume or snapshot says so after ": " (snapshots of a deleted volume of
// that name) and is shown as the catalog words it.
std::string Explain(const Status& s, std::string_view name) {
  const bool snapshot = name.find(storage::kSnapshotSeparator) != std::string_view::npos;
  if (s.code() == Status::Code::kNotFound || s.code() == Status::Code::kStale) {
    const std::string missing =
        (snapshot ? "no snapshot named '" : "no volume named '") + std::string(name) + "'";
    const size_t why = s.message().find(": ");
    return why == std::string::npos ? missing : missing + s.message().substr(why);
  }
  if (s.code() == Status::Code::kExists) {
    if (s.message().find(": ") != std::string::npos) return s.message();
    return (snapshot ? "a snapshot named '" : "a volume named '") + std::string(name) +
           "' already exists";
  }
  if (s.code() == Status::Code::kCorruption || s.code() == Status::Code::kIoError) {
    if (name.empty()) return s.ToString();
    return "volume '" + std::string(name) + "' is damaged (" + s.ToString() + ")";
  }
  if (!s.message().empty()) return s.message();
  return std::string(CodeName(s.code()));
}

// Lease length from the wire: 0 = default; bounded so ns arithmetic cannot overflow.
Result<int64_t> TtlNs(uint64_t ttl_ms) {
  if (ttl_ms == 0) return static_cast<int64_t>(kDefaultLeaseTtl.count()) * kNsPerMs;
  if (ttl_ms > static_cast<uint64_t>(kMaxLeaseTtl.count())) {
    return InvalidArgument("lease TTL too long: at most 365 days");
  }
  return static_cast<int64_t>(ttl_ms) * kNsPerMs;
}

}  // namespace

AdminService::AdminService(storage::VolumeCatalog* catalog, AdminAuthorizer authorizer,
                           AdminHooks hooks, NowFn now)
    : catalog_(catalog),
      authorizer_(std::move(authorizer)),
      hooks_(std::move(hooks)),
      now_(std::move(now)) {}

void AdminService::Finish(adm_status* status, adm_failure* failure, const Status& s,
                          std::string_view name) {
  if (s.ok()) {
    *status = ADM_OK;
    return;
  }
  SetFailure(status, failure, s, name);
}

void AdminService::SetFailure(adm_status* status, adm_failure* failure, const Status& s,
                              std::string_view name) {
  *status = ToAdmStatus(s.code());
  if (*status == ADM_OK) *status = ADM_ERR_SERVERFAULT;  // a failure is never OK
  const std::string message =
      s.code() == Status::Code::kElsewhere ? ExplainElsewhere(s, name) : Explain(s, name);
  failure->message = rpc::XdrDupString(message, ADM_MESSAGE_MAX);
}

std::string AdminService::ExplainElsewhere(const Status& s, std::string_view name) {
  // A snapshot "NAME@SNAP" is served by its volume's gateway.
  const std::string volume(name.substr(0, name.find(storage::kSnapshotSeparator)));
  if (volume.empty()) return s.ToString();
  Result<storage::VolumeInfo> info = catalog_->Describe(volume);
  if (!info.ok() || info->owner.empty()) return s.ToString();
  const Placement placement = Placement::Of(catalog_, {info->owner});
  return "volume '" + volume + "' is served by " + placement.Describe(info->owner) +
         ": ask that gateway";
}

Status AdminService::ServedHere(const storage::VolumeInfo& info) {
  if (info.owner.empty()) return Status::Ok();
  Result<std::shared_ptr<storage::Volume>> volume = catalog_->OpenByName(info.name);
  if (!volume.ok() && volume.status().code() == Status::Code::kElsewhere) return volume.status();
  return Status::Ok();
}

void AdminService::NotifyDeleted(uint64_t volume_id, std::string_view name) {
  if (hooks_.volume_deleted) hooks_.volume_deleted(volume_id, name);
}

void AdminService::FillInfo(const storage::VolumeInfo& info, adm_info* out) {
  FillVolume(info, &out->volume);
  out->usage_known = FALSE;
  Status health;
  // A volume another gateway serves is not opened here: its usage, mounts and locks are
  // that gateway's to report.
  bool here = true;
  if (auto volume = catalog_->OpenByName(info.name); volume.ok()) {
    if (auto fs = (*volume)->StatFs(); fs.ok()) {
      out->usage_known = TRUE;
      out->used_bytes = fs->used_bytes;
      out->used_files = fs->used_files;
    } else {
      health = fs.status();
    }
  } else if (volume.status().code() == Status::Code::kElsewhere) {
    here = false;
  } else {
    health = volume.status();
  }
  Placement::Of(catalog_, {info.owner}).Fill(info.owner, here, &out->placement);
  out->damage = rpc::XdrDupString(health.ok() ? "" : health.ToString(), ADM_MESSAGE_MAX);
  FillSpace(catalog_->Space(info.id), &out->space);
  const storage::StoreLocation location = catalog_->Locate(info.id);
  out->store = ToAdmStore(location.kind);
  out->store_location = rpc::XdrDupString(location.where, ADM_MESSAGE_MAX);
  out->mounts_known = here && hooks_.mounts_of ? TRUE : FALSE;
  if (out->mounts_known) {
    const std::vector<std::string> hosts = hooks_.mounts_of(info.name);
    const size_t n = std::min<size_t>(hosts.size(), ADM_MOUNTS_MAX);
    out->mounts.mounts_len = static_cast<u_int>(n);
    out->mounts.mounts_val = rpc::XdrCalloc<adm_host>(n);
    for (size_t i = 0; i < n; ++i)
      out->mounts.mounts_val[i] = rpc::XdrDupString(hosts[i], ADM_HOST_MAX);
  }
  out->locks_known = FALSE;
  if (here && hooks_.list_locks) {
    if (auto locks = hooks_.list_locks(info.id, 0); locks.ok()) {
      out->locks_known = TRUE;
      out->lock_count = static_cast<u_int>(std::min<uint64_t>(locks->total, UINT32_MAX));
    }
  }
}

// ---- CREATE ----

Status AdminService::DoCreate(const adm_create_args& args, adm_info* out) {
  storage::CreateVolumeRequest req;
  req.name = NameOf(args.name);
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(req.name));
  VOLUMED_ASSIGN_OR_RETURN(req.kind, KindFromWire(rpc::RawEnum(args.kind)));
  if (req.kind == storage::VolumeKind::kEphemeral) {
    VOLUMED_ASSIGN_OR_RETURN(req.lease_ttl_ns, TtlNs(args.ttl_ms));
  } else if (args.ttl_ms != 0) {
    return InvalidArgument("a TTL applies only to ephemeral volumes");
  }
  VOLUMED_ASSIGN_OR_RETURN(req.policy, PolicyFromWire(args.policy));
  req.quota.max_bytes = args.quota.max_bytes;
  req.quota.max_files = args.quota.max_files;
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Create(req));
  LOG_INFO("admin: created {} volume '{}' (id {})",
           req.kind == storage::VolumeKind::kEphemeral ? "ephemeral" : "persisted", info.name,
           info.id);
  FillInfo(info, out);
  return Status::Ok();
}

void AdminService::Create(const rpc::CallContext& ctx, const adm_create_args& args,
                          adm_info_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoCreate(args, &res->adm_info_res_u.info);
  FinishFreeing(&res->status, &res->adm_info_res_u.failure, s, NameOf(args.name),
                reinterpret_cast<xdrproc_t>(xdr_adm_info), &res->adm_info_res_u.info);
}

// ---- LIST ----

void AdminService::List(const rpc::CallContext& ctx, const adm_list_args& args, adm_list_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) {
    auto all = catalog_->List();
    if (all.ok()) {
      std::vector<storage::VolumeInfo>& v = *all;
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      const size_t n = std::min<size_t>(v.size(), ADM_VOLUMES_MAX);
      std::vector<std::string> owners;
      for (size_t i = 0; i < n; ++i) owners.push_back(v[i].owner);
      const Placement placement = Placement::Of(catalog_, owners);
      adm_volume_list& list = res->adm_list_res_u.list;
      res->status = ADM_OK;
      list.volumes.volumes_len = static_cast<u_int>(n);
      list.volumes.volumes_val = rpc::XdrCalloc<adm_volume>(n);
      list.placements.placements_len = static_cast<u_int>(n);
      list.placements.placements_val = rpc::XdrCalloc<adm_placement>(n);
      for (size_t i = 0; i < n; ++i) {
        FillVolume(v[i], &list.volumes.volumes_val[i]);
        placement.Fill(owners[i], placement.Here(owners[i]), &list.placements.placements_val[i]);
      }
      return;
    }
    s = all.status();
  }
  SetFailure(&res->status, &res->adm_list_res_u.failure, s, "");
}

// ---- INFO ----

Status AdminService::DoInfo(std::string_view name, adm_info* out) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  FillInfo(info, out);
  return Status::Ok();
}

void AdminService::Info(const rpc::CallContext& ctx, const adm_name_args& args, adm_info_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoInfo(NameOf(args.name), &res->adm_info_res_u.info);
  Finish(&res->status, &res->adm_info_res_u.failure, s, NameOf(args.name));
}

// ---- DELETE ----

Status AdminService::DoDelete(std::string_view name) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  VOLUMED_RETURN_IF_ERROR(catalog_->Delete(name));
  LOG_INFO("admin: deleted volume '{}' (id {})", info.name, info.id);
  NotifyDeleted(info.id, info.name);
  return Status::Ok();
}

void AdminService::Delete(const rpc::CallContext& ctx, const adm_name_args& args,
                          adm_status_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoDelete(NameOf(args.name));
  Finish(&res->status, &res->adm_status_res_u.failure, s, NameOf(args.name));
}

// ---- RENEW ----

Status AdminService::DoRenew(const adm_renew_args& args, int64_t* expiry_ns) {
  const std::string_view name = NameOf(args.name);
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo before, catalog_->Describe(name));
  if (before.kind != storage::VolumeKind::kEphemeral) {
    return InvalidArgument("volume '" + std::string(name) +
                           "' is persisted: only ephemeral volumes have a lease");
  }
  VOLUMED_ASSIGN_OR_RETURN(const int64_t ttl_ns, TtlNs(args.ttl_ms));
  VOLUMED_RETURN_IF_ERROR(catalog_->RenewLease(name, ttl_ns));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo after, catalog_->Describe(name));
  *expiry_ns = after.lease_expiry_ns;
  return Status::Ok();
}

void AdminService::Renew(const rpc::CallContext& ctx, const adm_renew_args& args,
                         adm_renew_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  int64_t expiry = 0;
  if (s.ok()) s = DoRenew(args, &expiry);
  if (s.ok()) {
    res->status = ADM_OK;
    res->adm_renew_res_u.lease_expiry_ns = expiry;
  } else {
    SetFailure(&res->status, &res->adm_renew_res_u.failure, s, NameOf(args.name));
  }
}

// ---- POLICY ----

Status AdminService::DoPolicy(const adm_policy_args& args) {
  const std::string_view name = NameOf(args.name);
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  std::vector<std::string> cidrs;
  if (args.set_allowed) {
    VOLUMED_RETURN_IF_ERROR(CheckCidrs(args.allowed.allowed_val, args.allowed.allowed_len, &cidrs));
  }
  storage::Squash squash = storage::Squash::kRoot;
  if (args.set_squash) {
    VOLUMED_ASSIGN_OR_RETURN(squash, SquashFromWire(rpc::RawEnum(args.squash)));
  }
  std::lock_guard<std::mutex> lock(policy_mu_);
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  storage::ExportPolicy policy = info.policy;
  storage::Quota quota = info.quota;
  if (args.set_allowed) policy.allowed_cidrs = std::move(cidrs);
  if (args.set_read_only) policy.read_only = args.read_only != FALSE;
  if (args.set_squash) policy.squash = squash;
  if (args.set_anon_uid) policy.anon_uid = args.anon_uid;
  if (args.set_anon_gid) policy.anon_gid = args.anon_gid;
  if (args.set_max_bytes) quota.max_bytes = args.max_bytes;
  if (args.set_max_files) quota.max_files = args.max_files;
  VOLUMED_RETURN_IF_ERROR(catalog_->SetPolicy(name, policy, quota));
  LOG_INFO("admin: changed the policy of volume '{}'", name);
  return Status::Ok();
}

void AdminService::Policy(const rpc::CallContext& ctx, const adm_policy_args& args,
                          adm_info_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoPolicy(args);
  if (s.ok()) s = DoInfo(NameOf(args.name), &res->adm_info_res_u.info);
  Finish(&res->status, &res->adm_info_res_u.failure, s, NameOf(args.name));
}

// ---- FSCK ----

Status AdminService::DoFsck(const adm_fsck_args& args, adm_fsck_report* out) {
  const std::string_view name = NameOf(args.name);  // a volume, or "NAME@SNAP"
  VOLUMED_RETURN_IF_ERROR(storage::ValidateExportName(name));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  VOLUMED_RETURN_IF_ERROR(ServedHere(info));
  if (!hooks_.fsck) {
    return {Status::Code::kNotSupported, "this server offers no online fsck"};
  }
  VOLUMED_ASSIGN_OR_RETURN(FsckReport report, hooks_.fsck(name, args.repair != FALSE));
  out->inodes_checked = report.inodes_checked;
  out->problems_found = report.problems_found;
  out->problems_repaired = report.problems_repaired;
  const size_t n = std::min<size_t>(report.findings.size(), ADM_PROBLEMS_MAX);
  out->findings.findings_len = static_cast<u_int>(n);
  out->findings.findings_val = rpc::XdrCalloc<adm_message>(n);
  for (size_t i = 0; i < n; ++i) {
    out->findings.findings_val[i] = rpc::XdrDupString(report.findings[i], ADM_MESSAGE_MAX);
  }
  return Status::Ok();
}

void AdminService::Fsck(const rpc::CallContext& ctx, const adm_fsck_args& args, adm_fsck_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoFsck(args, &res->adm_fsck_res_u.report);
  FinishFreeing(&res->status, &res->adm_fsck_res_u.failure, s, NameOf(args.name),
                reinterpret_cast<xdrproc_t>(xdr_adm_fsck_report), &res->adm_fsck_res_u.report);
}

// ---- LOCKS ----

Status AdminService::DoLocks(std::string_view name, adm_locks_report* out) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  VOLUMED_RETURN_IF_ERROR(ServedHere(info));
  if (!hooks_.list_locks) {
    return {Status::Code::kNotSupported, "this server keeps no lock table (no NLM service)"};
  }
  VOLUMED_ASSIGN_OR_RETURN(LockListing listing, hooks_.list_locks(info.id, ADM_LOCKS_MAX));
  out->total = listing.total;
  const size_t n = std::min<size_t>(listing.locks.size(), ADM_LOCKS_MAX);
  out->locks.locks_len = static_cast<u_int>(n);
  out->locks.locks_val = rpc::XdrCalloc<adm_lock>(n);
  for (size_t i = 0; i < n; ++i) {
    const LockEntry& e = listing.locks[i];
    adm_lock& l = out->locks.locks_val[i];
    l.holder = rpc::XdrDupString(e.holder, ADM_HOST_MAX);
    l.svid = e.svid;
    l.fileid = e.fileid;
    l.offset = e.offset;
    l.length = e.length;
    l.exclusive = e.exclusive ? TRUE : FALSE;
  }
  return Status::Ok();
}

void AdminService::Locks(const rpc::CallContext& ctx, const adm_name_args& args,
                         adm_locks_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoLocks(NameOf(args.name), &res->adm_locks_res_u.report);
  Finish(&res->status, &res->adm_locks_res_u.failure, s, NameOf(args.name));
}

Status AdminService::DoBreakLocks(const adm_break_args& args, u_int* broken) {
  const std::string_view name = NameOf(args.name);
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  VOLUMED_RETURN_IF_ERROR(ServedHere(info));
  if (!hooks_.break_locks) {
    return {Status::Code::kNotSupported, "this server keeps no lock table (no NLM service)"};
  }
  VOLUMED_ASSIGN_OR_RETURN(*broken, hooks_.break_locks(info.id, NameOf(args.host)));
  LOG_INFO("admin: broke {} lock(s) in volume '{}'", *broken, name);
  return Status::Ok();
}

void AdminService::BreakLocks(const rpc::CallContext& ctx, const adm_break_args& args,
                              adm_break_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  u_int broken = 0;
  if (s.ok()) s = DoBreakLocks(args, &broken);
  if (s.ok()) {
    res->status = ADM_OK;
    res->adm_break_res_u.broken = broken;
  } else {
    SetFailure(&res->status, &res->adm_break_res_u.failure, s, NameOf(args.name));
  }
}

// ---- SNAPSHOT_CREATE, SNAPSHOT_LIST, SNAPSHOT_DELETE, FORK ----

namespace {

std::string SnapshotName(const adm_snapshot_args& args) {
  return storage::SnapshotExportName(NameOf(args.name), NameOf(args.snapshot));
}

}  // namespace

Status AdminService::DoSnapshotCreate(const adm_snapshot_args& args, adm_snapshot_made* out) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(NameOf(args.name)));
  VOLUMED_RETURN_IF_ERROR(storage::ValidateSnapshotName(NameOf(args.snapshot)));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeCatalog::CloneResult made,
                           catalog_->CreateSnapshot(NameOf(args.name), NameOf(args.snapshot)));
  LOG_INFO("admin: took snapshot '{}' (id {}); writes waited {} us", SnapshotName(args),
           made.info.id, made.pause_ns / 1000);
  FillSnapshot(made.info, catalog_->Space(made.info.id), &out->snapshot);
  out->pause_ns = static_cast<uint64_t>(made.pause_ns);
  return Status::Ok();
}

void AdminService::SnapshotCreate(const rpc::CallContext& ctx, const adm_snapshot_args& args,
                                  adm_snapshot_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoSnapshotCreate(args, &res->adm_snapshot_res_u.made);
  if (s.ok()) {
    res->status = ADM_OK;
  } else {
    xdr_free(reinterpret_cast<xdrproc_t>(xdr_adm_snapshot_made), &res->adm_snapshot_res_u.made);
    res->adm_snapshot_res_u.made = {};
    const std::string name =
        s.code() == Status::Code::kExists ? SnapshotName(args) : std::string(NameOf(args.name));
    SetFailure(&res->status, &res->adm_snapshot_res_u.failure, s, name);
  }
}

Status AdminService::DoSnapshotList(std::string_view name, adm_snapshot_list_res* res) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(std::vector<storage::VolumeInfo> snaps, catalog_->ListSnapshots(name));
  // A name that is neither a volume nor had snapshots is reported as missing.
  if (snaps.empty()) VOLUMED_RETURN_IF_ERROR(catalog_->Describe(name).status());
  const size_t n = std::min<size_t>(snaps.size(), ADM_SNAPSHOTS_MAX);
  res->adm_snapshot_list_res_u.snapshots.snapshots_len = static_cast<u_int>(n);
  res->adm_snapshot_list_res_u.snapshots.snapshots_val = rpc::XdrCalloc<adm_snapshot>(n);
  for (size_t i = 0; i < n; ++i) {
    FillSnapshot(snaps[i], catalog_->Space(snaps[i].id),
                 &res->adm_snapshot_list_res_u.snapshots.snapshots_val[i]);
  }
  return Status::Ok();
}

void AdminService::SnapshotList(const rpc::CallContext& ctx, const adm_name_args& args,
                                adm_snapshot_list_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoSnapshotList(NameOf(args.name), res);
  Finish(&res->status, &res->adm_snapshot_list_res_u.failure, s, NameOf(args.name));
}

Status AdminService::DoSnapshotDelete(const adm_snapshot_args& args) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(NameOf(args.name)));
  VOLUMED_RETURN_IF_ERROR(storage::ValidateSnapshotName(NameOf(args.snapshot)));
  const std::string name = SnapshotName(args);
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info, catalog_->Describe(name));
  VOLUMED_RETURN_IF_ERROR(catalog_->Delete(name));
  LOG_INFO("admin: deleted snapshot '{}' (id {})", name, info.id);
  NotifyDeleted(info.id, name);
  return Status::Ok();
}

void AdminService::SnapshotDelete(const rpc::CallContext& ctx, const adm_snapshot_args& args,
                                  adm_status_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoSnapshotDelete(args);
  Finish(&res->status, &res->adm_status_res_u.failure, s, SnapshotName(args));
}

Status AdminService::DoFork(const adm_fork_args& args, adm_forked* out) {
  const std::string_view snapshot = NameOf(args.snapshot);
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(NameOf(args.source)));
  if (!snapshot.empty()) VOLUMED_RETURN_IF_ERROR(storage::ValidateSnapshotName(snapshot));
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(NameOf(args.name)));
  const std::string source = snapshot.empty()
                                 ? std::string(NameOf(args.source))
                                 : storage::SnapshotExportName(NameOf(args.source), snapshot);
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeCatalog::CloneResult made,
                           catalog_->Fork(source, NameOf(args.name), args.persisted != FALSE));
  LOG_INFO("admin: forked '{}' as volume '{}' (id {}); writes waited {} us", source, made.info.name,
           made.info.id, made.pause_ns / 1000);
  FillInfo(made.info, &out->info);
  out->pause_ns = static_cast<uint64_t>(made.pause_ns);
  return Status::Ok();
}

void AdminService::Fork(const rpc::CallContext& ctx, const adm_fork_args& args, adm_fork_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoFork(args, &res->adm_fork_res_u.forked);
  if (s.ok()) {
    res->status = ADM_OK;
  } else {
    xdr_free(reinterpret_cast<xdrproc_t>(xdr_adm_forked), &res->adm_fork_res_u.forked);
    res->adm_fork_res_u.forked = {};
    // "exists" is about the new name; anything else about the source.
    const std::string_view name =
        s.code() == Status::Code::kExists ? NameOf(args.name) : NameOf(args.source);
    SetFailure(&res->status, &res->adm_fork_res_u.failure, s, name);
  }
}

Status AdminService::DoSnapshotRestore(const adm_snapshot_args& args, adm_info* out) {
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(NameOf(args.name)));
  VOLUMED_RETURN_IF_ERROR(storage::ValidateSnapshotName(NameOf(args.snapshot)));
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo info,
                           catalog_->Restore(NameOf(args.name), NameOf(args.snapshot)));
  LOG_INFO("admin: restored volume '{}' (id {}) to snapshot '{}'", info.name, info.id,
           SnapshotName(args));
  if (hooks_.volume_restored) hooks_.volume_restored(info.id, info.name);
  FillInfo(info, out);
  return Status::Ok();
}

void AdminService::SnapshotRestore(const rpc::CallContext& ctx, const adm_snapshot_args& args,
                                   adm_info_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoSnapshotRestore(args, &res->adm_info_res_u.info);
  FinishFreeing(&res->status, &res->adm_info_res_u.failure, s, SnapshotName(args),
                reinterpret_cast<xdrproc_t>(xdr_adm_info), &res->adm_info_res_u.info);
}

}  // namespace volumed::admin
