// Small helpers every NFSv3 handler family shares: name checks, the read-only check,
// resolving a handle with its attributes, and filling post-op attributes from a fresh
// GetAttr.
//
// Thread-safety: pure functions (GetAttr goes to the thread-safe Volume).
#pragma once

#include <string_view>

#include "base/status.h"
#include "nfs3/convert.h"
#include "nfs3/resolver.h"

namespace volumed::nfs3 {

// A component name as a client may send it: 1..255 bytes, no '/' or NUL. ("." and ".."
// pass.)
Status CheckName(std::string_view name);
// A name to be created (CREATE, MKDIR, SYMLINK, MKNOD, LINK target, RENAME target):
// CheckName, and "." / ".." already exist.
Status CheckNewName(std::string_view name);
bool IsDotOrDotDot(std::string_view name);

// kReadOnly when the export is read-only (mutating procedures answer NFS3ERR_ROFS).
Status CheckWritable(const Resolved& r);

// A request's target together with its attributes read now: the whole work of GETATTR,
// and the prelude of FSINFO and PATHCONF (whose replies carry the attributes).
struct ResolvedWithAttrs {
  Resolved target;
  storage::Attributes attrs;
};
Result<ResolvedWithAttrs> ResolveWithAttrs(const Resolver& resolver, const rpc::CallContext& ctx,
                                           const nfs_fh3& handle);

// Post-op attributes of `ref` if they can be read now; "no attributes" otherwise.
void FillPostOp(const Resolved& r, storage::InodeRef ref, post_op_attr* out);
// wcc data with only post-op attributes (for failures before any change was attempted).
void FillWccAfter(const Resolved& r, storage::InodeRef ref, wcc_data* out);

// A name as the client sent it (filename3 keeps its length: embedded NULs stay visible).
inline std::string_view NameOf(const filename3& name) {
  return name.filename3_val == nullptr ? std::string_view()
                                       : std::string_view(name.filename3_val, name.filename3_len);
}
inline std::string_view NameOf(const char* text) {
  return text == nullptr ? std::string_view() : std::string_view(text);
}

}  // namespace volumed::nfs3
