#include "admin/wire_convert.h"

#include <algorithm>
#include <cstring>

#include "base/cidr.h"

namespace volumed::admin {

std::string_view SecretOf(const adm_secret& secret) {
  if (secret.adm_secret_val == nullptr) return {};
  return {secret.adm_secret_val, secret.adm_secret_len};
}

std::string_view NameOf(const char* name) { return name == nullptr ? "" : name; }

namespace {

adm_squash SquashToWire(storage::Squash squash) {
  switch (squash) {
    case storage::Squash::kNone:
      return ADM_SQUASH_NONE;
    case storage::Squash::kRoot:
      return ADM_SQUASH_ROOT;
    case storage::Squash::kAll:
      return ADM_SQUASH_ALL;
  }
  return ADM_SQUASH_ROOT;
}

adm_kind KindToWire(storage::VolumeKind kind) {
  switch (kind) {
    case storage::VolumeKind::kPersisted:
      return ADM_KIND_PERSISTED;
    case storage::VolumeKind::kEphemeral:
      return ADM_KIND_EPHEMERAL;
  }
  return ADM_KIND_PERSISTED;
}

}  // namespace

adm_store ToAdmStore(storage::StoreKind kind) {
  switch (kind) {
    case storage::StoreKind::kEmbedded:
      return ADM_STORE_EMBEDDED;
    case storage::StoreKind::kRados:
      return ADM_STORE_RADOS;
  }
  return ADM_STORE_EMBEDDED;
}

void FillVolume(const storage::VolumeInfo& info, adm_volume* out) {
  out->name = rpc::XdrDupString(info.name, ADM_NAME_MAX);
  out->id = info.id;
  out->epoch = info.epoch;
  out->kind = KindToWire(info.kind);
  out->created_ns = info.created_ns;
  out->lease_expiry_ns = info.lease_expiry_ns;
  const auto& cidrs = info.policy.allowed_cidrs;
  const size_t n = std::min<size_t>(cidrs.size(), ADM_CIDRS_MAX);
  out->policy.allowed.allowed_len = static_cast<u_int>(n);
  out->policy.allowed.allowed_val = rpc::XdrCalloc<adm_cidr>(n);
  for (size_t i = 0; i < n; ++i) {
    out->policy.allowed.allowed_val[i] = rpc::XdrDupString(cidrs[i], ADM_CIDR_MAX);
  }
  out->policy.read_only = info.policy.read_only ? TRUE : FALSE;
  out->policy.squash = SquashToWire(info.policy.squash);
  out->policy.anon_uid = info.policy.anon_uid;
  out->policy.anon_gid = info.policy.anon_gid;
  out->quota.max_bytes = info.quota.max_bytes;
  out->quota.max_files = info.quota.max_files;
}

void FillSpace(const Result<storage::DatabaseSpace>& space, adm_space* out) {
  out->known = space.ok() ? TRUE : FALSE;
  out->own_bytes = space.ok() ? space->own_bytes : 0;
  out->shared_bytes = space.ok() ? space->shared_bytes : 0;
}

void FillSnapshot(const storage::VolumeInfo& info, const Result<storage::DatabaseSpace>& space,
                  adm_snapshot* out) {
  out->volume = rpc::XdrDupString(info.name, ADM_NAME_MAX);
  out->snapshot = rpc::XdrDupString(info.snapshot, ADM_NAME_MAX);
  out->id = info.id;
  out->created_ns = info.created_ns;
  FillSpace(space, &out->space);
}

Result<storage::Squash> SquashFromWire(int32_t squash) {
  switch (squash) {
    case ADM_SQUASH_NONE:
      return storage::Squash::kNone;
    case ADM_SQUASH_ROOT:
      return storage::Squash::kRoot;
    case ADM_SQUASH_ALL:
      return storage::Squash::kAll;
  }
  return InvalidArgument("unknown squash mode " + std::to_string(squash));
}

Result<storage::VolumeKind> KindFromWire(int32_t kind) {
  switch (kind) {
    case ADM_KIND_PERSISTED:
      return storage::VolumeKind::kPersisted;
    case ADM_KIND_EPHEMERAL:
      return storage::VolumeKind::kEphemeral;
  }
  return InvalidArgument("unknown volume kind " + std::to_string(kind));
}

Status CheckCidrs(const adm_cidr* cidrs, u_int count, std::vector<std::string>* out) {
  out->clear();
  for (u_int i = 0; i < count; ++i) {
    const std::string_view text = cidrs[i] == nullptr ? std::string_view() : cidrs[i];
    VOLUMED_RETURN_IF_ERROR(Cidr::Parse(text).status());
    out->emplace_back(text);
  }
  return Status::Ok();
}

Result<storage::ExportPolicy> PolicyFromWire(const adm_policy& policy) {
  storage::ExportPolicy out;
  VOLUMED_RETURN_IF_ERROR(
      CheckCidrs(policy.allowed.allowed_val, policy.allowed.allowed_len, &out.allowed_cidrs));
  out.read_only = policy.read_only != FALSE;
  VOLUMED_ASSIGN_OR_RETURN(out.squash, SquashFromWire(rpc::RawEnum(policy.squash)));
  out.anon_uid = policy.anon_uid;
  out.anon_gid = policy.anon_gid;
  return out;
}

}  // namespace volumed::admin
