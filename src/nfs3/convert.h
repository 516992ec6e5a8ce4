// Conversions between the store's types and NFSv3's wire types, each written once:
// Status → nfsstat3, Attributes → fattr3 / post_op_attr, Wcc → wcc_data, sattr3 →
// SetAttrRequest, handles and strings into reply buffers.
//
// Memory: the engine xdr_free()s every reply, so whatever these functions hang off a
// reply (handle bytes, strings) is allocated with malloc, as XDR_FREE expects.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/status.h"
#include "nfs3/file_handle.h"
#include "nfs3_prot.h"
#include "storage/types.h"

namespace volumed::nfs3 {

// The one mapping from Status to nfsstat3 (a switch without default).
nfsstat3 ToNfsStat(Status::Code code);
inline nfsstat3 ToNfsStat(const Status& s) { return ToNfsStat(s.code()); }

ftype3 ToFtype(storage::FileType type);
void ToFattr(const storage::Attributes& attrs, uint64_t fsid, fattr3* out);
void SetPostOp(const storage::Attributes& attrs, uint64_t fsid, post_op_attr* out);
void SetPostOp(const std::optional<storage::Attributes>& attrs, uint64_t fsid, post_op_attr* out);
void ToWcc(const storage::Wcc& wcc, uint64_t fsid, wcc_data* out);
storage::WccAttr ToWccAttr(const storage::Attributes& attrs);

storage::Timespec FromNfsTime(const nfstime3& t);
storage::SetAttrRequest FromSattr(const sattr3& attrs);

// Hangs a malloc'd copy of the encoded handle off `out`.
void SetHandle(const FileHandle& fh, nfs_fh3* out);
void SetPostOpHandle(const FileHandle& fh, post_op_fh3* out);
std::span<const uint8_t> HandleBytes(const nfs_fh3& fh);

// A malloc'd filename3, freed by XDR_FREE.
filename3 DupName(std::string_view s);

}  // namespace volumed::nfs3
