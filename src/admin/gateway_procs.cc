// The admin program's gateway procedures (README "Scaling out"): GATEWAYS lists the
// gateways sharing the store, MOVE hands a volume over to another one. The rest of
// AdminService is in admin_service.cc.
#include <algorithm>
#include <string>

#include "admin/admin_service.h"
#include "admin/placement.h"
#include "admin/wire_convert.h"
#include "base/logging.h"
#include "storage/volume_name.h"

namespace volumed::admin {
// ---- GATEWAYS ----

Status AdminService::DoGateways(adm_gateways_res* res) {
  VOLUMED_ASSIGN_OR_RETURN(std::vector<storage::GatewayInfo> gateways, catalog_->Gateways());
  const size_t n = std::min<size_t>(gateways.size(), ADM_GATEWAYS_MAX);
  auto& list = res->adm_gateways_res_u.gateways;
  list.gateways_len = static_cast<u_int>(n);
  list.gateways_val = rpc::XdrCalloc<adm_gateway>(n);
  for (size_t i = 0; i < n; ++i) FillGateway(gateways[i], &list.gateways_val[i]);
  return Status::Ok();
}

void AdminService::Gateways(const rpc::CallContext& ctx, const adm_list_args& args,
                            adm_gateways_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoGateways(res);
  Finish(&res->status, &res->adm_gateways_res_u.failure, s, "");
}

// ---- MOVE ----

// kBusy naming the NLM locks held in `info`'s volume here (only its owner holds any): they
// stay behind when it moves (the new owner starts with none), and their holders would not
// be told, so a move with locks held needs --force.
Status AdminService::RefuseLocked(const storage::VolumeInfo& info) {
  if (!hooks_.list_locks) return Status::Ok();
  constexpr size_t kNamed = 3;
  VOLUMED_ASSIGN_OR_RETURN(LockListing listing, hooks_.list_locks(info.id, kNamed));
  if (listing.total == 0) return Status::Ok();
  std::string holders;
  for (const LockEntry& l : listing.locks) {
    holders += (holders.empty() ? "" : ", ") + l.holder;
  }
  if (listing.total > listing.locks.size()) holders += ", ...";
  return {Status::Code::kBusy,
          fmt::format("volume '{}' has {} NLM lock(s) held (by {}): locks do not move with a "
                      "volume and their holders would lose them unnoticed; release them (or "
                      "`volumectl locks break`) first, or move with --force",
                      info.name, listing.total, holders)};
}

Status AdminService::DoMove(const adm_move_args& args, adm_info* out) {
  const std::string_view name = NameOf(args.name);
  const std::string_view gateway = NameOf(args.gateway);
  VOLUMED_RETURN_IF_ERROR(storage::ValidateVolumeName(name));
  VOLUMED_ASSIGN_OR_RETURN(std::vector<storage::GatewayInfo> gateways, catalog_->Gateways());
  if (gateways.empty()) {
    return {Status::Code::kNotSupported,
            "this server is alone on its store: volumes move only between gateways of a shared "
            "store"};
  }
  const auto to = std::find_if(gateways.begin(), gateways.end(),
                               [&](const storage::GatewayInfo& g) { return g.id == gateway; });
  if (to == gateways.end()) {
    return InvalidArgument("no gateway named '" + std::string(gateway) +
                           "' (`volumectl gateways` lists them)");
  }
  if (!to->live) {
    return {Status::Code::kBusy, "gateway '" + std::string(gateway) +
                                     "' is not live (its membership lease lapsed): volumes "
                                     "move only to a live gateway"};
  }
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo before, catalog_->Describe(name));
  if (before.owner != gateway) {
    if (!args.force) VOLUMED_RETURN_IF_ERROR(RefuseLocked(before));
    VOLUMED_RETURN_IF_ERROR(catalog_->Move(name, gateway));
    LOG_INFO("admin: moved volume '{}' (id {}) from gateway '{}' to gateway '{}'", name, before.id,
             before.owner, gateway);
  }
  VOLUMED_ASSIGN_OR_RETURN(storage::VolumeInfo after, catalog_->Describe(name));
  FillInfo(after, out);
  return Status::Ok();
}

void AdminService::Move(const rpc::CallContext& ctx, const adm_move_args& args, adm_info_res* res) {
  Status s = authorizer_.Authorize(ctx, SecretOf(args.secret));
  if (s.ok()) s = DoMove(args, &res->adm_info_res_u.info);
  FinishFreeing(&res->status, &res->adm_info_res_u.failure, s, NameOf(args.name),
                reinterpret_cast<xdrproc_t>(xdr_adm_info), &res->adm_info_res_u.info);
}

}  // namespace volumed::admin
