// Conversions between the admin program's XDR types (admin_prot.x) and the catalog's
// types, and helpers that build reply bodies. Everything put into a reply is allocated
// with rpc/xdr_alloc.h, because the engine releases replies with xdr_free(); every string
// and array is cut to its XDR bound so that encoding cannot fail.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "admin_prot.h"
#include "base/result.h"
#include "rpc/xdr_alloc.h"
#include "rpc/xdr_enum.h"
#include "storage/catalog.h"

namespace volumed::admin {

std::string_view SecretOf(const adm_secret& secret);
// A decoded string argument; "" for null.
std::string_view NameOf(const char* name);

void FillVolume(const storage::VolumeInfo& info, adm_volume* out);
adm_store ToAdmStore(storage::StoreKind kind);
// `known` false when the store could not say.
void FillSpace(const Result<storage::DatabaseSpace>& space, adm_space* out);
void FillSnapshot(const storage::VolumeInfo& info, const Result<storage::DatabaseSpace>& space,
                  adm_snapshot* out);

// Checks every field (CIDRs, squash value) and converts.
Result<storage::ExportPolicy> PolicyFromWire(const adm_policy& policy);
// Take the field's raw value (rpc::RawEnum): a client may send any 32-bit integer.
Result<storage::Squash> SquashFromWire(int32_t squash);
Result<storage::VolumeKind> KindFromWire(int32_t kind);
Status CheckCidrs(const adm_cidr* cidrs, u_int count, std::vector<std::string>* out);

}  // namespace volumed::admin
